"""Reporting days and half-open windows (METRICS.md, "Conventions").

All instants are naive ``datetime`` objects in UTC (the store's convention). A reporting day is a
calendar ``date`` in the configured reporting timezone; :func:`day_bounds_utc` turns days into the
UTC instants that bound them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from northstar.domain.errors import InvalidInput

TIMEFRAME_DAYS: dict[str, int] = {"1d": 1, "7d": 7, "30d": 30, "90d": 90, "1y": 365}
_TIMEFRAME = re.compile(r"^(\d{1,4})([dwmy])$")


def known_zone(name: str) -> str:
    """``name`` after checking it is an IANA timezone this machine knows; raises ``ValueError``
    naming it otherwise (for pydantic validators, which turn it into a field error)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA timezone {name!r}") from exc
    return name


def parse_timeframe(text: str) -> int:
    """Length in reporting days of a timeframe such as ``7d``, ``30d``, ``90d``, ``1y``, ``12w``.

    Months count as 30 days and years as 365 (METRICS.md: "a timeframe 1y covers 365 days").
    Raises :class:`InvalidInput` (field ``timeframe``) on anything else.
    """
    match = _TIMEFRAME.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput("timeframe", f"{text!r} is not a timeframe like 7d, 30d, 90d or 1y")
    count, unit = int(match.group(1)), match.group(2)
    return count * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open range of reporting days ``[start, end)``: ``start`` is the first day included,
    ``end`` the first day excluded."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("end", f"window end {self.end} must be after its start {self.start}")

    @classmethod
    def ending_on(cls, day: date, days: int) -> Window:
        """The ``days`` reporting days up to and including ``day``."""
        return cls(day - timedelta(days=days - 1), day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - timedelta(days=self.days), self.start)

    def utc_bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The naive-UTC instants ``[start of start day, start of end day)`` in ``zone``."""
        return day_start_utc(self.start, zone), day_start_utc(self.end, zone)


def day_start_utc(day: date, zone: ZoneInfo) -> datetime:
    """Naive UTC instant at which reporting day ``day`` begins in ``zone``."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime) -> datetime:
    """An aware datetime converted to naive UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def reporting_day(instant_utc: datetime, zone: ZoneInfo) -> date:
    """The reporting day (in ``zone``) on which a naive-UTC instant falls."""
    return instant_utc.replace(tzinfo=UTC).astimezone(zone).date()


def month_start(day: date) -> date:
    """The first day of ``day``'s calendar month."""
    return day.replace(day=1)


def last_complete_month(day: date) -> date:
    """The first day of the latest calendar month complete at the end of ``day``: ``day``'s own
    month when ``day`` is its last day, else the month before."""
    first = day.replace(day=1)
    return first if (day + timedelta(days=1)).day == 1 else add_months(first, -1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))
