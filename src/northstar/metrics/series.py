"""Metric series: one point per period of a range of reporting days, optionally one line per value
of a dimension (issue § 3).

Periods are calendar days, ISO weeks (Monday to Sunday) or calendar months in the reporting
timezone, clipped to the range ``[start, end]`` (both reporting days included): a range that starts
on a Wednesday gives a first weekly point covering Wednesday to Sunday. A point's value is the
metric on the period's last day (``end`` when the range cuts the period) with its natural window:

- a ``timeframe``-grain metric covers the (clipped) period itself, so for an additive metric the
  points add up to the value of the whole range; with an explicit ``timeframe`` it covers instead
  the timeframe ending on the point's day (a rolling value, e.g. the 30-day K-factor trend);
- every other metric is its state or fixed window at the end of the period (``end_of_day``,
  ``day``, ``7d``, ``30d``: MRR at the end of the month, DAU of the period's last day).

Every period has a point; an undefined value is ``None`` with its reason, never a gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from northstar.domain.errors import InvalidInput
from northstar.domain.time import Window, add_months, parse_timeframe
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import Measurement, Value

if TYPE_CHECKING:
    from northstar.metrics.service import MetricsService

SeriesGrain = Literal["day", "week", "month"]
GRAINS: tuple[str, ...] = ("day", "week", "month")
MAX_POINTS = 1000


@dataclass(frozen=True, slots=True)
class Point:
    """One period ``[first, last]`` (reporting days, both included) computed on reporting day
    ``day`` (= ``last``) over ``window`` (half-open days); ``value`` is exact or ``None`` with
    ``reason``."""

    first: date
    last: date
    day: date
    window: Window
    value: Value | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """The points of one dimension value (``key``; ``None`` for the series without breakdown)."""

    key: str | None
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Series:
    """Metric ``spec`` over ``[start, end]`` by ``grain``; ``lines`` has one line without
    ``breakdown``, else one per value of the dimension (sorted), each computed with ``filters``."""

    spec: MetricSpec
    start: date
    end: date
    grain: SeriesGrain
    timeframe: str | None
    breakdown: str | None
    filters: dict[str, str]
    lines: tuple[Line, ...]


def periods(start: date, end: date, grain: str) -> list[tuple[date, date]]:
    """The periods ``(first, last)`` of ``grain`` that meet ``[start, end]``, clipped to it.

    Raises :class:`InvalidInput` naming ``grain`` for an unknown grain, ``end`` when it is before
    ``start`` or the range has more than :data:`MAX_POINTS` periods."""
    if grain not in GRAINS:
        raise InvalidInput("grain", f"{grain!r} is not one of {', '.join(GRAINS)}")
    if end < start:
        raise InvalidInput("end", f"{end} is before start {start}")
    found: list[tuple[date, date]] = []
    first = start
    while first <= end:
        if grain == "day":
            natural_last = first
        elif grain == "week":
            natural_last = first + timedelta(days=6 - first.weekday())
        else:
            natural_last = add_months(first.replace(day=1), 1) - timedelta(days=1)
        last = min(natural_last, end)
        found.append((first, last))
        if len(found) > MAX_POINTS:
            raise InvalidInput("end", f"the range has more than {MAX_POINTS} {grain}s; use a coarser grain")
        first = last + timedelta(days=1)
    return found


def point_window(spec: MetricSpec, first: date, last: date, timeframe: str | None) -> Window:
    """The window a point of ``spec`` over ``[first, last]`` is computed with (see the module)."""
    if spec.grain == "timeframe" and timeframe is None:
        return Window(first, last + timedelta(days=1))
    return Window.ending_on(last, parse_timeframe(timeframe or "30d"))


def build_series(
    service: MetricsService, name: str, start: date, end: date, grain: str = "day", breakdown: str | None = None,
    filters: Mapping[str, str] | None = None, timeframe: str | None = None,
) -> Series:
    """:class:`Series` of metric ``name`` (see :meth:`MetricsService.series`)."""
    spec = service.registry.spec(name)
    spans = periods(start, end, grain)
    if timeframe is not None:
        parse_timeframe(timeframe)
    chosen = service.check_filters(spec, filters or {})
    entry = service.registry.get(name)
    if breakdown is None:
        lines = (_line(service, spec, None, spans, timeframe, chosen),)
    elif breakdown in chosen:
        raise InvalidInput("breakdown", f"{breakdown!r} is also a filter; split by another dimension")
    elif entry.breakdown is not None:
        lines = _hook_lines(service, spec, breakdown, spans, timeframe, chosen)
    else:
        service.check_filters(spec, {breakdown: "any"}, field="breakdown")
        lines = tuple(_line(service, spec, value, spans, timeframe, {**chosen, breakdown: value})
                      for value in service.dimension_values(breakdown))
    return Series(spec, start, end, grain, timeframe, breakdown, chosen, lines)  # type: ignore[arg-type]


def _line(service: MetricsService, spec: MetricSpec, key: str | None, spans: list[tuple[date, date]],
          timeframe: str | None, filters: dict[str, str]) -> Line:
    """The points of one line. When every point's window is the same number of days ending on its
    day (daily points; states and fixed windows at any grain), they are measured together
    (``MetricsService.measure_days``: snapshot rows, then one range computation); else, windows
    ending on their days (weekly and monthly periods) are measured together by
    ``MetricsService.measure_windows``."""
    chosen = dict(sorted(filters.items()))
    windows = [point_window(spec, first, last, timeframe) for first, last in spans]
    length = windows[0].days
    if all(window == Window.ending_on(last, length) for window, (_first, last) in zip(windows, spans, strict=True)):
        found = service.measure_days(spec, [last for _first, last in spans], length, chosen)
        measured = [found[last] for _first, last in spans]
    elif all(window.end == last + timedelta(days=1) for window, (_first, last) in zip(windows, spans, strict=True)):
        measured = service.measure_windows(spec, windows, chosen)
    else:
        measured = [service.measure(spec, last, window, chosen) for window, (_first, last) in zip(windows, spans,
                                                                                                  strict=True)]
    return Line(key, tuple(Point(first, last, last, window, point.value, point.reason)
                           for (first, last), window, point in zip(spans, windows, measured, strict=True)))


def _hook_lines(service: MetricsService, spec: MetricSpec, dimension: str, spans: list[tuple[date, date]],
                timeframe: str | None, filters: dict[str, str]) -> tuple[Line, ...]:
    """Lines from the metric's own breakdown function: one call per period; a value the function
    does not return on a day is ``None`` with a ``no_data`` reason."""
    split: list[tuple[date, date, Window, dict[str, Measurement]]] = []
    for first, last in spans:
        window = point_window(spec, first, last, timeframe)
        split.append((first, last, window, service.measure_breakdown(spec, dimension, last, window, filters)))
    keys = sorted({key for *_, found in split for key in found})
    lines = []
    for key in keys:
        points = []
        for first, last, window, found in split:
            measured = found.get(key, Measurement(None, f"no_data: no {dimension} {key!r} on {last}"))
            points.append(Point(first, last, last, window, measured.value, measured.reason))
        lines.append(Line(key, tuple(points)))
    return tuple(lines)
