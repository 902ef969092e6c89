"""Product performance from ``performance_samples`` (METRICS.md, "Product performance").

Samples are in the window when ``recorded_at`` falls in its instants. A sample whose ``ok`` is
unknown succeeded (the column's documented default).

Percentiles are *nearest-rank*: the p-th percentile of ``n`` values is the value of rank
``ceil(p × n / 100)`` in ascending order, i.e. the smallest value with at least p % of the values
at or below it. It is always a sample, computed with integer arithmetic in one query, so every
backend agrees exactly (DuckDB's ``quantile_cont`` and PostgreSQL's ``percentile_cont``
interpolate, and their discrete variants differ on ties and rounding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import Known, Prefetch, day_number, days_via, number_of, shared, window_span
from northstar.metrics.registry import DaysFunction, Metric, MetricSpec
from northstar.metrics.results import Measurement, measured, ratio, undefined

SOURCE = "METRICS.md § Product performance"
REQUIRES = ("performance_samples",)


def samples(ctx: MetricContext, kind: str) -> ir.Table:
    """Samples of ``kind`` (page_load, api_request, uptime_check) recorded in the window."""
    start, end = ctx.bounds()
    table = ctx.table("performance_samples")
    return table.filter(table.kind == kind, table.recorded_at >= start, table.recorded_at < end)


def mean_duration(kind: str) -> Callable[[MetricContext], Measurement]:
    """Mean ``duration_ms`` of the window's ``kind`` samples that have one; undefined without any.

    Each duration is truncated to whole microseconds (floor behaves the same on every backend, where
    rounding ties do not) and summed as an integer, so the mean is exact and identical on every
    backend: a sum of doubles depends on the order in which the engine adds them.
    """

    def compute(ctx: MetricContext) -> Measurement:
        table = samples(ctx, kind)
        table = table.filter(table.duration_ms.notnull())
        micros = (table.duration_ms * 1000).floor().cast("int64")
        row = table.aggregate(count=table.count(), total=micros.sum()).execute().iloc[0]
        count = int(row["count"])
        total = Fraction(int(row["total"]), 1000) if count else Fraction(0)
        return ratio(total, count, f"no {kind} samples in the window")

    return compute


def percentile(durations: np.ndarray, percent: int) -> float | None:
    """The nearest-rank ``percent``-th percentile of ``durations`` (the value of rank
    ``ceil(percent × n / 100)``, at least 1, in ascending order); ``None`` when there are none."""
    if not len(durations):
        return None
    rank = max(1, -(-len(durations) * percent // 100))
    return float(np.partition(durations, rank - 1)[rank - 1])


def window_percentile(ctx: MetricContext, kind: str, percent: int) -> float | None:
    """The nearest-rank ``percent``-th percentile of ``duration_ms`` over the window's ``kind``
    samples that have one (computed in the database as the smallest duration whose rank × 100 is
    at least count × percent, which is :func:`percentile`), ``None`` without any; remembered under
    ``("percentile", kind, percent)`` (:func:`percentile_days` fills it for a range)."""

    def compute() -> float | None:
        table = samples(ctx, kind)
        table = table.filter(table.duration_ms.notnull())
        ranked = table.select(
            "duration_ms",
            rank=ibis.row_number().over(order_by=table.duration_ms) + 1,
            count=table.count().over(ibis.window()),
        )
        at_or_above = ranked.filter(ranked["rank"] * 100 >= ranked["count"] * percent)
        found = ctx.scalar(at_or_above.duration_ms.min())
        return None if pd.isna(found) else float(found)

    return ctx.remember(("percentile", kind, percent), compute)  # type: ignore[no-any-return]


def percentile_days(kind: str, percent: int) -> Prefetch:
    """:func:`window_percentile` on each of ``days``: one query fetches the day number and duration
    of the range's ``kind`` samples that have one (only those two columns: a percentile needs the
    values themselves), then each window's percentile is taken in Python from the samples of its
    days (:func:`percentile`)."""

    def prefetch(ctx: MetricContext, days: Sequence[date]) -> Known:
        zone, length = ctx.settings.timezone, ctx.window.days
        first, last, start, end = window_span(ctx, days)
        table = ctx.table("performance_samples")
        table = table.filter(table.kind == kind, table.recorded_at >= start, table.recorded_at < end,
                             table.duration_ms.notnull())
        fetched = table.select(day=day_number(table.recorded_at, first, last, zone),
                               duration=table.duration_ms).to_pyarrow()
        numbers = fetched["day"].to_numpy()
        order = np.argsort(numbers, kind="stable")
        numbers, durations = numbers[order], fetched["duration"].to_numpy()[order]
        known: Known = {}
        for day in days:
            # The window's samples are contiguous once sorted by day.
            lo = np.searchsorted(numbers, number_of(day) - length + 1, side="left")
            hi = np.searchsorted(numbers, number_of(day), side="right")
            known[ctx.at(day).memo_key(("percentile", kind, percent))] = percentile(durations[lo:hi], percent)
        return known

    return prefetch


def percentile_duration(kind: str, percent: int) -> Callable[[MetricContext], Measurement]:
    """The nearest-rank ``percent``-th percentile of ``duration_ms`` over the window's ``kind``
    samples that have one; undefined without any."""

    def compute(ctx: MetricContext) -> Measurement:
        found = window_percentile(ctx, kind, percent)
        if found is None:
            return undefined(f"no {kind} samples in the window")
        return measured(Decimal(repr(found)))

    return compute


def share(kind: str, failed: bool) -> Callable[[MetricContext], Measurement]:
    """The share of the window's ``kind`` samples that failed (``failed``) or succeeded."""

    def compute(ctx: MetricContext) -> Measurement:
        table = samples(ctx, kind)
        succeeded = ibis.coalesce(table.ok, ibis.literal(True))
        hit = ~succeeded if failed else succeeded
        row = table.aggregate(count=table.count(), hits=ibis.ifelse(hit, 1, 0).sum()).execute().iloc[0]
        count = int(row["count"])
        return ratio(int(row["hits"]) if count else 0, count, f"no {kind} samples in the window")

    return compute


def daily_totals(ctx: MetricContext, days: Sequence[date], kind: str) -> dict[int, tuple[int, int, int, int, int]]:
    """Per day number of the days the windows ending on ``days`` cover: the ``kind`` samples' count,
    the count with a duration, their summed whole microseconds (as :func:`mean_duration`), and the
    succeeded and failed counts (as :func:`share`); one query, remembered for the range."""

    def compute() -> dict[int, tuple[int, int, int, int, int]]:
        zone = ctx.settings.timezone
        first, last, start, end = window_span(ctx, days)
        table = ctx.table("performance_samples")
        table = table.filter(table.kind == kind, table.recorded_at >= start, table.recorded_at < end)
        succeeded = ibis.coalesce(table.ok, ibis.literal(True))
        timed = table.duration_ms.notnull()
        grouped = table.group_by(day=day_number(table.recorded_at, first, last, zone)).aggregate(
            count=table.count(), timed=table.count(where=timed),
            micros=(table.duration_ms * 1000).floor().cast("int64").sum(where=timed),
            ok=ibis.ifelse(succeeded, 1, 0).sum(), failed=ibis.ifelse(~succeeded, 1, 0).sum(),
        )
        return {row["day"]: (row["count"], row["timed"], row["micros"] or 0, row["ok"] or 0, row["failed"] or 0)
                for row in grouped.to_pyarrow().to_pylist()}

    return shared(ctx, f"performance_{kind}", days, compute)  # type: ignore[return-value]


def _window_totals(ctx: MetricContext, days: Sequence[date], kind: str) -> dict[date, tuple[int, ...]]:
    """The sums of :func:`daily_totals` over the window (as long as the context's) ending on each day."""
    daily = daily_totals(ctx, days, kind)
    out = {}
    for day in days:
        end = number_of(day)
        rows = [daily[number] for number in range(end - ctx.window.days + 1, end + 1) if number in daily]
        out[day] = tuple(sum(row[index] for row in rows) for index in range(5))
    return out


def mean_duration_days(kind: str) -> DaysFunction:
    """:func:`mean_duration` on many days from one grouped query."""

    def compute_days(ctx: MetricContext, days: Sequence[date]) -> dict[date, Measurement]:
        out = {}
        for day, (_count, timed, micros, _ok, _failed) in _window_totals(ctx, days, kind).items():
            total = Fraction(micros, 1000) if timed else Fraction(0)
            out[day] = ratio(total, timed, f"no {kind} samples in the window")
        return out

    return compute_days


def share_days(kind: str, failed: bool) -> DaysFunction:
    """:func:`share` on many days from one grouped query."""

    def compute_days(ctx: MetricContext, days: Sequence[date]) -> dict[date, Measurement]:
        out = {}
        for day, (count, _timed, _micros, ok, bad) in _window_totals(ctx, days, kind).items():
            out[day] = ratio((bad if failed else ok) if count else 0, count, f"no {kind} samples in the window")
        return out

    return compute_days


def _spec(name: str, label: str, description: str, unit: str, direction: str, definition: str,
          **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=direction, family="performance",
        kind="ratio" if unit == "rate" else "simple", grain="timeframe", definition=definition, source=SOURCE,
        requires=REQUIRES, **extra,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The performance family's catalog entries."""
    p95_load, p95_api = percentile_duration("page_load", 95), percentile_duration("api_request", 95)
    return [
        Metric(_spec("avg_page_load_time_ms", "Avg page load", "Mean page load time.", "duration", "lower",
                     "Mean duration_ms of page_load samples recorded in the window.", duration_unit="ms",
                     benchmark="The specification's target: under 2 s."), mean_duration("page_load"),
               compute_days=mean_duration_days("page_load")),
        Metric(_spec("p95_page_load_time_ms", "p95 page load", "95th percentile of page load time.", "duration",
                     "lower", "Nearest-rank 95th percentile of duration_ms of page_load samples recorded in the "
                     "window: the value of rank ceil(0.95 × n) in ascending order.", duration_unit="ms"),
               p95_load, compute_days=days_via(percentile_days("page_load", 95), p95_load)),
        Metric(_spec("avg_api_response_time_ms", "Avg API response", "Mean API response time.", "duration",
                     "lower", "Mean duration_ms of api_request samples recorded in the window.",
                     duration_unit="ms"), mean_duration("api_request"), compute_days=mean_duration_days("api_request")),
        Metric(_spec("p95_api_response_time_ms", "p95 API response", "95th percentile of API response time.",
                     "duration", "lower", "Nearest-rank 95th percentile of duration_ms of api_request samples "
                     "recorded in the window: the value of rank ceil(0.95 × n) in ascending order.",
                     duration_unit="ms"), p95_api, compute_days=days_via(percentile_days("api_request", 95), p95_api)),
        Metric(_spec("uptime_percentage", "Uptime", "Share of successful uptime checks.", "rate", "higher",
                     "Successful uptime_check samples / all uptime_check samples in the window (ok unknown "
                     "counts as success).", benchmark="The specification's target: above 99.9 %."),
               share("uptime_check", failed=False), compute_days=share_days("uptime_check", failed=False)),
        Metric(_spec("error_rate", "Error rate", "Share of failed API requests.", "rate", "lower",
                     "api_request samples with ok = false / all api_request samples in the window."),
               share("api_request", failed=True), compute_days=share_days("api_request", failed=True)),
    ]
