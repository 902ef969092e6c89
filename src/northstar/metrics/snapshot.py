"""The daily snapshot: the specification's ``success_metrics`` table (seed 000), materialised
incrementally (DESIGN.md, "Computing metrics").

It is stored in long format in ``metric_snapshots`` (one row per reporting day and metric: the
exact value as text, or NULL with the reason) and read back wide by :func:`success_metrics` (one
dict per day, one key per metric). The metrics are those of :data:`SNAPSHOT_METRICS` (the seed's
columns, then the other metrics of the overview and the dashboard's cards) that the catalog holds
when the refresh runs; the metrics service reads still-valid rows back instead of computing them
(``metrics/snapshot_reads.py``); timeframe metrics cover the :data:`SNAPSHOT_TIMEFRAME` ending
on the day, as on the overview. Every refresh is recorded in ``snapshot_refreshes``.

Which days a refresh recomputes:

- ``rebuild``: every day from the first day with data to today (reporting timezone);
- explicit ``days`` (``northstar refresh --since D``): those days;
- incremental (default): per metric, the days new data of the tables it reads can have changed
  (``snapshot_reads.metric_inputs``: a new event changes no MRR). A metric on day D reads only data
  dated before the end of D, so data dated at instant t changes days from day(t) on. New data are
  the ``ingest_log`` entries committed since the start of the last incremental or full refresh
  (less ``snapshot_reads.COMMIT_MARGIN``, so that a commit racing the previous refresh is taken again —
  recomputing a day is idempotent). An entry without dates, or of a table whose rows change the
  past without being dated there (``users``: a user's type, traits and signup apply from the
  signup on; aliases, accounts), counts from the first day with data. Days after the last
  snapshotted day up to today are always added, for every metric. Without any earlier refresh, it
  is a rebuild.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from northstar.domain.errors import InvalidInput
from northstar.domain.time import reporting_day
from northstar.metrics import snapshot_reads
from northstar.metrics.results import Value
from northstar.metrics.service import MetricsService
from northstar.metrics.snapshot_reads import (
    SEED_METRICS,
    SNAPSHOT_DAYS,
    SNAPSHOT_METRICS,
    SNAPSHOT_TIMEFRAME,
    UNDATED_EFFECT_TABLES,
    metric_inputs,
    metric_stale_start,
    parse_value,
    stale_starts,
)
from northstar.store.schema import TIME_COLUMN

__all__ = [
    "SEED_METRICS",
    "SNAPSHOT_METRICS",
    "SNAPSHOT_TIMEFRAME",
    "UNDATED_EFFECT_TABLES",
    "RefreshPlan",
    "RefreshReport",
    "SnapshotDay",
    "first_data_day",
    "last_watermark",
    "parse_value",
    "plan",
    "refresh",
    "snapshot_metrics",
    "success_metrics",
]

# Days computed and stored together: each snapshot metric is computed for a chunk of days at once
# (``MetricsService.measure_days``), then the chunk is replaced in one delete and one insert.
CHUNK_DAYS = 184
_REFRESH_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What a refresh did: its ``mode``, the ``days`` recomputed (ascending), the ``metrics``
    recomputed on some of them, ``values`` (metric-days) written and the wall-clock ``seconds``;
    ``stopped`` when it was asked to stop before the end (some chunks may be written)."""

    mode: str
    days: tuple[date, ...]
    metrics: tuple[str, ...]
    seconds: float
    values: int = 0
    stopped: bool = False


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    """What a refresh will recompute: its ``mode``, the ``days`` (ascending) and, per snapshot
    metric to recompute, the first of them it recomputes (``starts``: it recomputes the days from
    there on)."""

    mode: str
    days: tuple[date, ...]
    starts: dict[str, date]

    def days_of(self, metric: str, days: Iterable[date]) -> tuple[date, ...]:
        """Those of ``days`` that ``metric`` is recomputed on."""
        start = self.starts.get(metric)
        return () if start is None else tuple(day for day in days if day >= start)


def snapshot_metrics(service: MetricsService) -> tuple[str, ...]:
    """The :data:`SNAPSHOT_METRICS` the catalog holds: the seed's columns in its order, then the
    other metrics the overview and the dashboard's cards show."""
    return tuple(name for name in SNAPSHOT_METRICS if name in service.registry)


def first_data_day(service: MetricsService) -> date | None:
    """The reporting day of the earliest dated row of any table (users by signup), or ``None``
    for a store without data."""
    found: list[datetime] = []
    for table, column in {**TIME_COLUMN, "users": "coalesce(created_at, first_seen_at)"}.items():
        value = service.store.query(f"SELECT min({column}) FROM {table}")[0][0]
        if value is not None:
            found.append(value if isinstance(value, datetime) else datetime(value.year, value.month, value.day))
    return reporting_day(min(found), service.settings.timezone) if found else None


def _days(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=offset) for offset in range((last - first).days + 1))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def last_watermark(service: MetricsService) -> datetime | None:
    """The start of the last incremental or full refresh (``None`` when there was none)."""
    return service.store.query("SELECT max(started_at) FROM snapshot_refreshes WHERE mode <> 'range'")[0][0]


def plan(service: MetricsService, rebuild: bool = False) -> RefreshPlan:
    """The next refresh: ``rebuild``, or the incremental metrics and days described in the module
    docstring (a rebuild when there was no refresh yet). Days never pass today."""
    today = service.today()
    names = snapshot_metrics(service)
    mode = "rebuild" if rebuild else "incremental"
    first = first_data_day(service)
    if first is None or first > today:
        return RefreshPlan(mode, (), {})
    watermark = last_watermark(service)
    if rebuild or watermark is None:
        return RefreshPlan(mode, _days(first, today), dict.fromkeys(names, first))
    changed = stale_starts(service.store, watermark - snapshot_reads.COMMIT_MARGIN, service.settings.timezone)
    last_day = service.store.query("SELECT max(day) FROM metric_snapshots")[0][0]
    unstored = first if last_day is None else last_day + timedelta(days=1)
    starts = {}
    for name in names:
        start = max(first, min(metric_stale_start(changed, metric_inputs(service.registry.spec(name))), unstored))
        if start <= today:
            starts[name] = start
    return RefreshPlan(mode, _days(min(starts.values()), today) if starts else (), starts)


def refresh(
    service: MetricsService, days: Iterable[date] | None = None, rebuild: bool = False,
    on_day: Callable[[int, int, date], None] | None = None, stop: threading.Event | None = None,
) -> RefreshReport:
    """Recompute the snapshot: every metric on the given ``days`` (mode ``range``), else on all
    days (``rebuild``), else the metrics and days new data changed (see :func:`plan`).
    ``on_day(done, total, day)`` is called after each day is stored (progress). Days are computed
    and replaced by chunks of :data:`CHUNK_DAYS`, newest first (each metric once per chunk, then one
    delete and one insert); a refresh that recomputed days is recorded in ``snapshot_refreshes``
    when it ends. Refreshes of one process run one at a time. Once ``stop`` is set the refresh
    ends between two metrics, without writing the chunk in progress and without being recorded:
    the next incremental refresh covers what it left.

    Raises :class:`InvalidInput` naming ``days`` for a day after today."""
    with _REFRESH_LOCK:
        started = _now()
        clock = time.perf_counter()
        if days is not None:
            chosen = tuple(sorted(set(days)))
            if chosen and chosen[-1] > service.today():
                raise InvalidInput("days", f"{chosen[-1]} is after today ({service.today()})")
            starts = dict.fromkeys(snapshot_metrics(service), chosen[0]) if chosen else {}
            planned = RefreshPlan("range", chosen, starts)
        else:
            planned = plan(service, rebuild)
        done, values = 0, 0
        metrics = tuple(name for name in snapshot_metrics(service) if name in planned.starts)
        # Newest chunk first: the days the dashboard opens on are served from the snapshot soonest,
        # while a long rebuild is still working through the past.
        for end in range(len(planned.days), 0, -CHUNK_DAYS):
            chunk = planned.days[max(0, end - CHUNK_DAYS):end]
            stored = _store_days(service, planned, chunk, started, stop)
            if stored is None:
                return RefreshReport(planned.mode, planned.days, metrics, time.perf_counter() - clock, values, True)
            values += stored
            service.snapshot_changed()
            for day in chunk:
                done += 1
                if on_day is not None:
                    on_day(done, len(planned.days), day)
        if planned.days:
            service.store.write({"snapshot_refreshes": [{
                "refresh_id": uuid.uuid4().hex, "mode": planned.mode, "started_at": started, "finished_at": _now(),
                "first_day": planned.days[0], "last_day": planned.days[-1], "days": len(planned.days),
            }]})
        return RefreshReport(planned.mode, planned.days, metrics, time.perf_counter() - clock, values)


def value_text(value: Value | None) -> str | None:
    """``value`` as stored text that :func:`parse_value` turns back into the same type: an ``int``
    as its digits, a ``Decimal`` always with a point or an exponent (``Decimal(3)`` is ``"3.0"``)."""
    if value is None:
        return None
    text = str(value)
    return f"{text}.0" if isinstance(value, Decimal) and text.lstrip("-").isdigit() else text


def _store_days(service: MetricsService, planned: RefreshPlan, chunk: tuple[date, ...], computed_at: datetime,
                stop: threading.Event | None) -> int | None:
    """Compute each planned metric on its days of ``chunk`` (never read from the snapshot) and
    replace those rows; the number of values written, or ``None`` (nothing written) once ``stop``
    is set."""
    wanted = {name: days for name in planned.starts if (days := planned.days_of(name, chunk))}
    measured = service.measure_days_of(wanted, SNAPSHOT_DAYS, stop)
    if measured is None:
        return None
    if not measured:
        return 0
    rows = [{"day": day, "metric": name, "value_text": value_text(found.value), "reason": found.reason,
             "computed_at": computed_at}
            for name, by_day in measured.items() for day, found in by_day.items()]
    ranges = [(name, min(by_day), max(by_day)) for name, by_day in measured.items()]
    service.store.execute_write(
        "DELETE FROM metric_snapshots WHERE " + " OR ".join("(metric = ? AND day >= ? AND day <= ?)" for _ in ranges),
        [value for bounds in ranges for value in bounds])
    service.store.write({"metric_snapshots": rows})
    return len(rows)


@dataclass(frozen=True, slots=True)
class SnapshotDay:
    """One row of ``success_metrics``: the reporting ``day``, ``values`` (metric → exact value or
    ``None``) and ``reasons`` (metric → why its value is ``None``)."""

    day: date
    values: dict[str, Value | None]
    reasons: dict[str, str]


def success_metrics(service: MetricsService, start: date, end: date) -> list[SnapshotDay]:
    """The snapshot, wide: one :class:`SnapshotDay` per snapshotted day of ``[start, end]`` (both
    included), ascending, with one value per snapshot metric of the catalog (a metric the day has
    no row for is ``None`` with reason ``not_computed: ...``). Raises :class:`InvalidInput` naming
    ``end`` when it is before ``start``."""
    if end < start:
        raise InvalidInput("end", f"{end} is before start {start}")
    names = snapshot_metrics(service)
    rows = service.store.query(
        "SELECT day, metric, value_text, reason FROM metric_snapshots WHERE day >= ? AND day <= ? ORDER BY day",
        [start, end],
    )
    found: dict[date, dict[str, tuple[str | None, str | None]]] = {}
    for day, metric, value_text, reason in rows:
        found.setdefault(day, {})[metric] = (value_text, reason)
    out = []
    for day, stored in found.items():
        values: dict[str, Value | None] = {}
        reasons: dict[str, str] = {}
        for name in names:
            value_text, reason = stored.get(name, (None, "not_computed: refresh the snapshot (northstar refresh)"))
            values[name] = parse_value(value_text)
            if reason is not None:
                reasons[name] = reason
        out.append(SnapshotDay(day, values, reasons))
    return out
