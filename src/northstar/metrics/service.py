"""The metrics service: the one way the rest of Northstar reads metrics (DESIGN.md, "Computing
metrics").

``compute(name, day, timeframe, filters)`` runs the catalog entry's function over the store and
returns a :class:`MetricResult` with the previous period's value, the change, the target and the
zone; ``series`` gives one point per day, week or month of a range (``metrics/series.py``);
``explain`` gives the SQL a metric runs (``metrics/explain.py``). Measurements are cached
in-process for ``settings.cache_ttl_seconds``; the cache is keyed on the store's data version and
emptied whenever new data is committed.

A measurement the daily snapshot holds a still-valid row for (a snapshot metric, no filters, the
snapshot's window ending on the day — any window for a metric whose grain ignores the timeframe;
validity in ``metrics/snapshot_reads.py``) is read from the snapshot instead of computed: the
same exact value, one query per block of days. Many days of one metric are computed with the
catalog entry's ``compute_days`` when it has one (:meth:`MetricsService.measure_days`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from cachetools import TTLCache

from northstar.config import Settings
from northstar.domain.errors import InvalidInput
from northstar.domain.time import Window, last_complete_month, parse_timeframe, reporting_day
from northstar.metrics.catalog import build_registry
from northstar.metrics.context import MetricContext
from northstar.metrics.explain import explain_sql
from northstar.metrics.registry import MetricSpec, Registry
from northstar.metrics.results import Measurement, MetricResult, format_value, money_value, zone_of
from northstar.metrics.series import Series, build_series
from northstar.metrics.snapshot_reads import SNAPSHOT_DAYS, SNAPSHOT_METRICS, block_of, metric_inputs, valid_rows
from northstar.store.base import Store
from northstar.store.schema import TABLES_BY_NAME

if TYPE_CHECKING:
    from northstar.app import Northstar

# What to do when a family's table is empty: the hint a ``no_data`` result carries.
IMPORT_HINTS: dict[str, str] = {
    "subscription_history": "import subscriptions (northstar import subscriptions FILE)",
    "users": "import users (northstar import users FILE) or send identify calls",
    "events": "send events to the Segment-compatible API or import them (northstar import events FILE)",
    "invitations": "import invitations (northstar import invitations FILE)",
    "performance_samples": "import performance samples (northstar import performance FILE)",
    "collaborations": "import collaborations (northstar import collaborations FILE) or send Collaboration events",
    "support_tickets": "import support tickets (northstar import tickets FILE) or send Ticket events",
    "survey_responses": "import NPS/CSAT answers (northstar import surveys FILE) or send Survey Answered events",
    "marketing_spend": "import marketing spend (northstar import spend FILE)",
}

Filters = Mapping[str, str]
T = TypeVar("T")
_ABSENT = object()
# Threads computing metrics at once in :meth:`MetricsService.measure_days_of` (the snapshot refresh).
WORKERS = 2


def check_filter_value(field: str, dimension: str, value: object) -> str:
    """``value`` of a filter on ``dimension``, after checking it is a non-empty text without control
    characters (a NUL cannot be a users value, and some backends cannot even quote it); raises
    :class:`InvalidInput` naming ``field``."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(field, f"the value of {dimension!r} must be a non-empty text")
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise InvalidInput(field, f"the value of {dimension!r} must not contain control characters")
    return value


def previous_day(spec: MetricSpec, day: date, days: int) -> date:
    """The reporting day whose value is the period before ``day``'s: the last day of the month
    before the one reported on ``day`` for a ``month``-grain metric (so a monthly rate compares
    with the month before), else ``day`` minus the ``days`` of the timeframe."""
    if spec.grain == "month":
        return last_complete_month(day) - timedelta(days=1)
    return day - timedelta(days=days)


class MetricsService:
    """Computes catalog metrics over ``store`` under ``settings``.

    ``data_version`` returns a number that changes whenever committed data changes (the façade's
    ``data_version``); it is part of every cache key. Use :meth:`for_northstar` to also empty the
    cache on every commit.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        registry: Registry | None = None,
        data_version: Callable[[], int] = lambda: 0,
    ) -> None:
        self.store = store
        self.settings = settings
        self.registry = registry or build_registry(settings)
        self._data_version = data_version
        self._cache: TTLCache[tuple[object, ...], object] = TTLCache(maxsize=8192, ttl=settings.cache_ttl_seconds)
        self._lock = threading.Lock()
        self._running: dict[tuple[object, ...], threading.Event] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._snapshotted = frozenset(name for name in SNAPSHOT_METRICS if name in self.registry)
        self._inputs = {name: metric_inputs(self.registry.spec(name)) for name in self._snapshotted}
        self._snapshot_generation = 0

    @classmethod
    def for_northstar(cls, northstar: Northstar) -> MetricsService:
        """A service over the façade's store and settings, its cache keyed on the façade's
        ``data_version`` and emptied by each commit."""
        facade = weakref.ref(northstar)  # no reference cycle: the façade owns the service, not the reverse
        service = cls(northstar.store, northstar.settings, data_version=lambda: facade().data_version)
        northstar.on_commit(lambda _result: service.invalidate())
        return service

    def invalidate(self) -> None:
        """Forget every cached value."""
        with self._lock:
            self._cache.clear()

    def snapshot_changed(self) -> None:
        """Forget the snapshot rows read so far (a refresh rewrote some); computed values stay."""
        with self._lock:
            self._snapshot_generation += 1

    def today(self) -> date:
        """The reporting day of now in the reporting timezone."""
        return datetime.now(self.settings.timezone).date()

    def as_of(self) -> date:
        """The reporting day views open on when none is asked for: today, or the reporting day of
        the newest event when the data ends before today (an import of last year's log, a demo
        generated up to yesterday), so that a view opens on numbers rather than on an empty day."""
        today = self.today()

        def newest() -> datetime | None:
            return self.store.query("SELECT max(timestamp) FROM events")[0][0]

        latest = self._cached(("newest_event",), newest)
        return today if latest is None else min(today, reporting_day(latest, self.settings.timezone))

    def compute(
        self, name: str, day: date | None = None, timeframe: str = "30d", filters: Filters | None = None
    ) -> MetricResult:
        """Metric ``name`` on reporting day ``day`` (default: :meth:`as_of`) over the ``timeframe`` ending
        on it, for the users matching ``filters`` (dimension → value).

        Raises :class:`northstar.domain.errors.UnknownMetric` for a name outside the catalog and
        :class:`InvalidInput` for a bad timeframe or a filter on a dimension the metric lacks.
        An undefined value or a family without data is a result with ``value=None`` and a reason.
        """
        spec = self.registry.spec(name)
        days = parse_timeframe(timeframe)
        chosen = self.check_filters(spec, filters or {})
        day = day or self.as_of()
        window = Window.ending_on(day, days)
        now = self.measure(spec, day, window, chosen)
        before = previous_day(spec, day, days)
        previous = self.measure(spec, before, Window.ending_on(before, days), chosen)
        return self._result(spec, day, timeframe, window, chosen, now, previous)

    def series(
        self, name: str, start: date, end: date, grain: str = "day", breakdown: str | None = None,
        filters: Filters | None = None, timeframe: str | None = None,
    ) -> Series:
        """Metric ``name`` at every day, ISO week or calendar month (``grain``) of ``[start, end]``
        (reporting days, both included), for the users matching ``filters``; with ``breakdown`` (a
        dimension), one line per value of it. Periods, windows and values are described in
        ``metrics/series.py``; each point is a cached measurement.

        Raises :class:`UnknownMetric`, and :class:`InvalidInput` naming ``grain``, ``end`` (before
        ``start``, or more than 1,000 points), ``timeframe``, ``filters`` or ``breakdown``.
        """
        return build_series(self, name, start, end, grain, breakdown, filters, timeframe)

    def explain(
        self, name: str, day: date | None = None, timeframe: str = "30d", filters: Filters | None = None
    ) -> str:
        """The SQL text of the queries metric ``name`` runs on ``day`` (default: today) over the
        ``timeframe`` ending on it for ``filters``, in the store's dialect (``metrics/explain.py``).
        Raises :class:`UnknownMetric` and :class:`InvalidInput` like :meth:`compute`."""
        spec = self.registry.spec(name)
        window = Window.ending_on(day or self.as_of(), parse_timeframe(timeframe))
        chosen = self.check_filters(spec, filters or {})
        return explain_sql(self.registry.get(name), self.store.reader(), self.settings, window, timeframe, chosen)

    def check_filters(self, spec: MetricSpec, filters: Filters, field: str = "filters") -> dict[str, str]:
        """``filters`` sorted by dimension, after checking that ``spec`` can be split by each
        dimension and each value is a non-empty text; raises :class:`InvalidInput` naming ``field``."""
        allowed: set[str] = set()
        for dimension in spec.dimensions:
            allowed.update(self.settings.user_dimensions if dimension == "user_traits" else [dimension])
        columns = set(TABLES_BY_NAME["users"].column_names)
        for dimension, value in filters.items():
            if dimension not in allowed:
                raise InvalidInput(field, f"{spec.name} cannot be split by {dimension!r}; it can be split by "
                                   f"{', '.join(sorted(allowed)) or 'nothing'}")
            if dimension not in columns:
                raise InvalidInput(field, f"{dimension!r} is a user trait without a users column; filtering "
                                   "on traits is not supported yet")
            check_filter_value(field, dimension, value)
        return dict(sorted(filters.items()))

    def dimension_values(self, dimension: str) -> list[str]:
        """The distinct non-null values of users column ``dimension``, sorted (one cached query).
        ``dimension`` must be a users column (see :meth:`check_filters`)."""

        def query() -> list[str]:
            users = self._context(self.today(), Window.ending_on(self.today(), 1), {}).table("users")
            column = users[dimension]
            values = users.filter(column.notnull()).select(value=column).distinct().execute()["value"]
            return sorted(str(value) for value in values)

        return self._cached(("dimension_values", dimension), query)

    def measure(
        self, spec: MetricSpec, day: date, window: Window, filters: dict[str, str], snapshot: bool = True,
    ) -> Measurement:
        """The measurement of ``spec`` on ``day`` over ``window`` for ``filters`` (already checked)
        — read from the snapshot when it holds a valid row and ``snapshot`` is true, else computed
        and cached —, or ``no_data`` naming what to import when a table the family needs is empty."""
        if snapshot:
            stored = self.stored(spec, day, window, filters)
            if stored is not None:
                return stored
        context = self._context(day, window, filters)

        def measure() -> Measurement:
            missing = self._missing(spec, context)
            if missing is not None:
                return missing
            return self.registry.get(spec.name).compute(context)

        return self._cached(self._measure_key(spec, day, window, filters), measure)

    def measure_days(
        self, spec: MetricSpec, days: Iterable[date], window_days: int, filters: dict[str, str],
        snapshot: bool = True,
    ) -> dict[date, Measurement]:
        """:meth:`measure` of ``spec`` on each of ``days`` over the ``window_days`` days ending on
        it, for ``filters`` (already checked): day → measurement, ascending. Valid snapshot rows
        and cached values are reused; the remaining days are computed together by the catalog
        entry's ``compute_days`` when it has one (one set of grouped queries), else one by one."""
        version = self._data_version()
        found: dict[date, Measurement] = {}
        pending: list[date] = []
        for day in sorted(set(days)):
            window = Window.ending_on(day, window_days)
            stored = self.stored(spec, day, window, filters) if snapshot else None
            cached = stored if stored is not None else self._peek(self._measure_key(spec, day, window, filters),
                                                                  version)
            if cached is _ABSENT:
                pending.append(day)
            else:
                found[day] = cached  # type: ignore[assignment]
        compute_days = self.registry.get(spec.name).compute_days
        if pending and compute_days is not None:
            context = self._context(pending[0], Window.ending_on(pending[0], window_days), filters)
            missing = self._missing(spec, context)
            computed = {day: missing for day in pending} if missing is not None else compute_days(context, pending)
            for day in pending:
                window = Window.ending_on(day, window_days)
                self._put(self._measure_key(spec, day, window, filters), version, computed[day])
                found[day] = computed[day]
        else:
            for day in pending:
                found[day] = self.measure(spec, day, Window.ending_on(day, window_days), filters, snapshot=False)
        return dict(sorted(found.items()))

    def measure_days_of(
        self, wanted: Mapping[str, Sequence[date]], window_days: int, stop: threading.Event | None = None,
    ) -> dict[str, dict[date, Measurement]] | None:
        """:meth:`measure_days` of each metric of ``wanted`` (name → days) over ``window_days``-day
        windows, without filters and never from the snapshot, on :data:`WORKERS` threads (queries
        run while others wait on theirs; a result several metrics share is computed once); ``None``
        once ``stop`` is set (metrics not started yet are skipped)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="northstar-metrics")
            pool = self._pool

        def measure(name: str, days: Sequence[date]) -> dict[date, Measurement] | None:
            if stop is not None and stop.is_set():
                return None
            return self.measure_days(self.registry.spec(name), days, window_days, {}, snapshot=False)

        futures = {name: pool.submit(measure, name, days) for name, days in wanted.items()}
        results = {name: future.result() for name, future in futures.items()}
        if any(result is None for result in results.values()):
            return None
        return results  # type: ignore[return-value]

    def measure_windows(self, spec: MetricSpec, windows: list[Window], filters: dict[str, str]) -> list[Measurement]:
        """:meth:`measure` of ``spec`` over each of ``windows`` on its last day, for ``filters``
        (already checked), in order. Cached values are reused; the others are computed together by
        the catalog entry's ``compute_windows`` when it has one, else one by one."""
        version = self._data_version()
        keys = [self._measure_key(spec, window.end - timedelta(days=1), window, filters) for window in windows]
        found = {window: self._peek(key, version) for window, key in zip(windows, keys, strict=True)}
        pending = [window for window in windows if found[window] is _ABSENT]
        compute_windows = self.registry.get(spec.name).compute_windows
        if len(pending) > 1 and compute_windows is not None:
            context = self._context(pending[0].end - timedelta(days=1), pending[0], filters)
            missing = self._missing(spec, context)
            computed = ({window: missing for window in pending} if missing is not None
                        else compute_windows(context, pending))
            for window in pending:
                self._put(self._measure_key(spec, window.end - timedelta(days=1), window, filters), version,
                          computed[window])
                found[window] = computed[window]
        else:
            for window in pending:
                found[window] = self.measure(spec, window.end - timedelta(days=1), window, filters)
        return [found[window] for window in windows]  # type: ignore[misc]

    def stored(self, spec: MetricSpec, day: date, window: Window, filters: dict[str, str]) -> Measurement | None:
        """The snapshot's still-valid measurement of ``spec`` on ``day`` when it stands for this
        ``window`` and ``filters`` (see the module docstring), else ``None``."""
        if filters or spec.name not in self._snapshotted:
            return None
        if spec.grain == "timeframe" and window != Window.ending_on(day, SNAPSHOT_DAYS):
            return None
        block = block_of(day)
        rows = self._cached(("snapshot", self._snapshot_generation, block),
                            lambda: valid_rows(self.store, block, self.settings.timezone, self._inputs))
        return rows.get((spec.name, day))

    def measure_breakdown(
        self, spec: MetricSpec, dimension: str, day: date, window: Window, filters: dict[str, str]
    ) -> dict[str, Measurement]:
        """The catalog entry's own breakdown of ``spec`` by ``dimension`` on ``day`` (cached): value
        → measurement; empty when a table the family needs is empty. The entry must have one."""
        context = self._context(day, window, filters)
        function = self.registry.get(spec.name).breakdown
        if function is None:
            raise InvalidInput("breakdown", f"{spec.name} has no breakdown of its own")

        def split() -> dict[str, Measurement]:
            return {} if self._missing(spec, context) is not None else function(context, dimension)

        return self._cached(("breakdown", spec.name, dimension, day, window, tuple(filters.items())), split)

    def _missing(self, spec: MetricSpec, context: MetricContext) -> Measurement | None:
        """``no_data`` naming what to import when a table ``spec`` requires is empty, else ``None``."""
        missing = [table for table in spec.requires
                   if not self._cached(("rows", table), lambda table=table: context.has_rows(table))]
        if not missing:
            return None
        return Measurement(None, "no_data: " + "; ".join(IMPORT_HINTS.get(table, f"load {table}") for table in missing))

    def _context(self, day: date, window: Window, filters: dict[str, str]) -> MetricContext:
        """A context over this thread's reader, sharing its table expressions across computations."""
        backend = self.store.reader()
        if getattr(self._local, "backend", None) is not backend:
            self._local.backend, self._local.tables = backend, {}
        return MetricContext(backend, self.settings, day, window, filters, self._local.tables,
                             lambda key, compute: self._cached(("memo", *key), compute))

    @staticmethod
    def _measure_key(spec: MetricSpec, day: date, window: Window, filters: dict[str, str]) -> tuple[object, ...]:
        return ("measure", spec.name, day, window, tuple(filters.items()))

    def _peek(self, key: tuple[object, ...], version: int) -> object:
        """The value cached under ``key`` at data ``version``, or ``_ABSENT``."""
        with self._lock:
            return self._cache.get((*key, version), _ABSENT)

    def _put(self, key: tuple[object, ...], version: int, value: object) -> None:
        with self._lock:
            self._cache[(*key, version)] = value

    def _cached(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()``, remembered under ``key`` and the current data version for the cache's TTL.
        Threads asking for a key being computed wait for that computation instead of repeating it
        (the refresh computes metrics in parallel, and metrics share intermediate results)."""
        full = (*key, self._data_version())
        while True:
            with self._lock:
                if full in self._cache:
                    return self._cache[full]  # type: ignore[no-any-return]
                running = self._running.get(full)
                if running is None:
                    running = self._running[full] = threading.Event()
                    break
            running.wait()  # then look again: computed, or failed (and this thread computes it)
        try:
            value = compute()
            with self._lock:
                self._cache[full] = value
            return value
        finally:
            with self._lock:
                del self._running[full]
            running.set()

    def _result(
        self, spec: MetricSpec, day: date, timeframe: str, window: Window, filters: dict[str, str],
        now: Measurement, previous: Measurement,
    ) -> MetricResult:
        currency = self.settings.reporting_currency
        target = self.settings.targets.get(spec.name)
        change = None if now.value is None or previous.value is None else now.value - previous.value
        change_rate = None if change is None or previous.value == 0 else Decimal(change) / Decimal(previous.value)
        return MetricResult(
            name=spec.name, label=spec.label, description=spec.description, unit=spec.unit,
            duration_unit=spec.duration_unit, direction=spec.direction, day=day, timeframe=timeframe,
            window_start=window.start, window_end=window.end, filters=filters,
            value=now.value, reason=now.reason,
            currency=currency if spec.unit == "money" else None,
            money=money_value(now.value, currency) if spec.unit == "money" and now.value is not None else None,
            display=format_value(spec, now.value, currency),
            previous=previous.value, previous_display=format_value(spec, previous.value, currency),
            change=change, change_rate=change_rate,
            target=target.value if target else None,
            target_display=format_value(spec, target.value, currency) if target else None,
            zone=zone_of(now.value, target, spec.direction),
            definition=spec.definition, source=spec.source,
        )


_SERVICES: weakref.WeakKeyDictionary[Northstar, MetricsService] = weakref.WeakKeyDictionary()
_SERVICES_LOCK = threading.Lock()


def service_for(northstar: Northstar) -> MetricsService:
    """The one :class:`MetricsService` of a façade (made on first use, see :meth:`MetricsService.for_northstar`),
    so every adapter over the same façade shares one cache."""
    with _SERVICES_LOCK:
        service = _SERVICES.get(northstar)
        if service is None:
            service = _SERVICES[northstar] = MetricsService.for_northstar(northstar)
        return service
