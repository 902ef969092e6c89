"""Churn and revenue retention (METRICS.md § Revenue: ``monthly_churn_rate``, ``revenue_churn_rate``,
``net_mrr_churn_rate``, ``annual_churn_rate``, ``net_revenue_retention``, ``gross_revenue_retention``).

All of them read the MRR timeline of :mod:`northstar.metrics.revenue_movements` (one query
shared by every reporting day without filters). Monthly rates are for the calendar month ``M``
(reporting timezone) that is the latest one complete at the end of ``D``: ``D``'s own month when
``D`` is its last day, else the month before. A month-to-date rate would understate churn early in every month.

Range computations (``compute_days``, ``metrics/ranges.py``): a month's logo churn is counted once
for all the days that ask for it (:func:`churn_months`), and the 12-month retention parts of
every day come from one sweep through the customers' MRR histories (:func:`retention_parts`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, datetime
from fractions import Fraction

from northstar.config import Settings
from northstar.domain.time import add_months, day_start_utc, last_complete_month
from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import Known, days_via, shared
from northstar.metrics.registry import USER_DIMENSIONS, Direction, Grain, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, ratio, undefined
from northstar.metrics.revenue_movements import MrrTimeline, sums, timeline

SOURCE = "METRICS.md § Revenue (subscriptions)"
REQUIRES = ("subscription_history",)


def month_bounds(ctx: MetricContext, first: date) -> tuple[datetime, datetime]:
    """Naive-UTC instants ``[start, end)`` of the calendar month starting on ``first``."""
    zone = ctx.settings.timezone
    return day_start_utc(first, zone), day_start_utc(add_months(first, 1), zone)


def logo_churn(line: MrrTimeline, start: datetime, end: datetime) -> tuple[int, int]:
    """``(churned, customers)``: customers paying at ``start``, and those of them not paying at
    ``end``. Customers who joined and churned within ``[start, end)``, or churned and came back,
    are thereby left out of ``churned`` (ChartMogul)."""
    churned = customers = 0
    for points in line.history.values():
        index = bisect_left(points, start, key=lambda point: point[0]) - 1
        if index < 0 or points[index][1] == 0:
            continue
        customers += 1
        index = bisect_left(points, end, lo=index, key=lambda point: point[0]) - 1
        churned += points[index][1] == 0
    return churned, customers


def _month_logo_churn(ctx: MetricContext, line: MrrTimeline, first: date) -> tuple[int, int]:
    """:func:`logo_churn` of the month starting on ``first``; without filters the timeline is the
    same on every day, so the month's counts are remembered for every day."""
    def count() -> tuple[int, int]:
        return logo_churn(line, *month_bounds(ctx, first))

    return count() if ctx.filters else ctx.memo(("logo_churn", first), count)  # type: ignore[no-any-return]


def churn_months(ctx: MetricContext, days: Sequence[date]) -> Known:
    """The logo churn counts of the 12 months ending with ``M`` of each of ``days`` (what
    :func:`monthly_churn` remembers), each month counted once: a monthly rate takes the same value
    on every day whose timeline is defined and whose ``M`` is the same."""

    def compute() -> Known:
        known: Known = {}
        for day in days:
            here = ctx.at(day)
            line = timeline(here)
            if isinstance(line, Measurement):
                continue
            last = last_complete_month(day)
            for back in range(12):
                first = add_months(last, -back)
                known[here.memo_key(("logo_churn", first))] = _month_logo_churn(here, line, first)
        return known

    return shared(ctx, "churn_months", days, compute)


def monthly_churn(ctx: MetricContext, first: date) -> Fraction | Measurement:
    """The logo churn rate of the month starting on ``first`` (on or before ``D``'s month), exact;
    undefined without paying customers at its start."""
    line = timeline(ctx)
    if isinstance(line, Measurement):
        return line
    churned, customers = ctx.remember(("logo_churn", first), lambda: _month_logo_churn(ctx, line, first))
    if customers == 0:
        return undefined(f"no paying customers at the start of {first:%Y-%m}")
    return Fraction(churned, customers)


def trailing_churn(ctx: MetricContext, months: int) -> list[Fraction] | Measurement:
    """The monthly churn rates of the ``months`` months ending with ``M``, or the first undefined one."""
    last = last_complete_month(ctx.day)
    rates: list[Fraction] = []
    for back in range(months):
        rate = monthly_churn(ctx, add_months(last, -back))
        if isinstance(rate, Measurement):
            return rate
        rates.append(rate)
    return rates


def monthly_churn_rate(ctx: MetricContext) -> Measurement:
    """``monthly_churn_rate`` of month ``M``: churned customers / paying customers at its start."""
    rate = monthly_churn(ctx, last_complete_month(ctx.day))
    return rate if isinstance(rate, Measurement) else measured(exact(rate))


def annual_churn_rate(ctx: MetricContext) -> Measurement:
    """``1 − Π(1 − monthly_churn_rate)`` over the 12 months ending with ``M``; undefined when one
    of them is."""
    rates = trailing_churn(ctx, 12)
    if isinstance(rates, Measurement):
        return rates
    kept = Fraction(1)
    for rate in rates:
        kept *= 1 - rate
    return measured(exact(1 - kept))


def _month_mrr_churn(ctx: MetricContext, net: bool) -> Measurement:
    line = timeline(ctx)
    if isinstance(line, Measurement):
        return line
    first = last_complete_month(ctx.day)
    start, end = month_bounds(ctx, first)
    totals = sums(line.between(start, end))
    lost = totals["churned"] + totals["contraction"]
    if net:
        lost -= totals["expansion"] + totals["reactivation"]
    return ratio(lost, line.mrr(start), f"MRR at the start of {first:%Y-%m} was 0")


def revenue_churn_rate(ctx: MetricContext) -> Measurement:
    """``(churned + contraction) / mrr(start of M)``; undefined when that MRR is 0."""
    return _month_mrr_churn(ctx, net=False)


def net_mrr_churn_rate(ctx: MetricContext) -> Measurement:
    """``(churned + contraction − expansion − reactivation) / mrr(start of M)`` (negative when
    expansion wins); undefined when that MRR is 0."""
    return _month_mrr_churn(ctx, net=True)


def _year_ago(ctx: MetricContext, day: date) -> datetime:
    """The end of the day 12 months before ``day``."""
    return ctx.at(add_months(day, -12)).end_of_day


def _retention_parts(ctx: MetricContext) -> tuple[Fraction, Fraction, Fraction] | Measurement:
    """``(net kept, gross kept, then)``, exact minor units: ``then`` is the MRR 12 months before the
    end of ``D`` of the customers paying then; ``net kept`` their MRR at the end of ``D``; ``gross
    kept`` the same with each customer's MRR capped at their MRR then."""
    line = timeline(ctx)
    if isinstance(line, Measurement):
        return line

    def compute() -> tuple[Fraction, Fraction, Fraction]:
        then = line.customer_mrr(_year_ago(ctx, ctx.day))
        now = line.customer_mrr(ctx.end_of_day)
        net = sum((now.get(customer, Fraction(0)) for customer in then), Fraction(0))
        gross = sum((min(now.get(customer, Fraction(0)), mrr) for customer, mrr in then.items()), Fraction(0))
        return net, gross, sum(then.values(), Fraction(0))

    return ctx.remember(("revenue_retention",), compute)


def retention_parts(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`_retention_parts` of every day of ``days`` from one sweep through the customers' MRR
    histories in order of time: one pass keeps every customer's MRR at the end of the current
    day, another at the end of the day 12 months before it, and the sums change by what each step
    changes, so each day costs only the movements since the previous one."""

    def compute() -> Known:
        lines = [line for line in (timeline(ctx.at(day)) for day in days) if isinstance(line, MrrTimeline)]
        if not lines:
            return {}
        steps = sorted((at, customer, mrr) for customer, points in lines[0].history.items() for at, mrr in points)
        now: dict[str, Fraction] = {}
        then: dict[str, Fraction] = {}
        net = gross = base = Fraction(0)
        at_now = at_then = 0
        known: Known = {}
        for day in days:
            here = ctx.at(day)
            # ``then`` is at an instant before ``now``'s, so each pass sees the other's MRR as the sums need it.
            end = here.end_of_day
            while at_now < len(steps) and steps[at_now][0] < end:
                _at, customer, mrr = steps[at_now]
                at_now += 1
                old, now[customer] = now.get(customer, Fraction(0)), mrr
                held = then.get(customer, Fraction(0))
                if held > 0:
                    net += mrr - old
                    gross += min(mrr, held) - min(old, held)
            end = _year_ago(ctx, day)
            while at_then < len(steps) and steps[at_then][0] < end:
                _at, customer, mrr = steps[at_then]
                at_then += 1
                old, then[customer] = then.get(customer, Fraction(0)), mrr
                current = now.get(customer, Fraction(0))
                base += mrr - old
                net += (current if mrr > 0 else 0) - (current if old > 0 else 0)
                gross += min(current, mrr) - min(current, old)
            known[here.memo_key(("revenue_retention",))] = (net, gross, base)
        return known

    return shared(ctx, "retention_parts", days, compute)


def _retention(ctx: MetricContext, capped: bool) -> Measurement:
    parts = _retention_parts(ctx)
    if isinstance(parts, Measurement):
        return parts
    net, gross, then = parts
    return ratio(gross if capped else net, then, "no paying customers 12 months earlier")


def net_revenue_retention(ctx: MetricContext) -> Measurement:
    """MRR at the end of ``D`` of the customers paying at the end of ``D`` minus 12 months / their
    MRR then; undefined when there were none."""
    return _retention(ctx, capped=False)


def gross_revenue_retention(ctx: MetricContext) -> Measurement:
    """As :func:`net_revenue_retention` with each customer's MRR now capped at their MRR then."""
    return _retention(ctx, capped=True)


_MONTH = ("M is the latest calendar month complete at the end of D (D's month when D is its last day, else the "
          "month before). ")


def _spec(name: str, label: str, description: str, kind: str, direction: Direction, definition: str,
          grain: Grain = "month") -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit="rate", direction=direction, family="revenue",
        kind=kind, grain=grain, dimensions=USER_DIMENSIONS, definition=definition, source=SOURCE,
        requires=REQUIRES,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The churn and revenue-retention entries."""
    del settings
    return [
        Metric(_spec("monthly_churn_rate", "Monthly churn", "Share of paying customers lost in the month.",
                     "ratio", "lower", "Customers paying at the start of M and not at its end / customers paying "
                     "at the start of M (ChartMogul: customers who joined and churned, or churned and came back, "
                     "within M are not churned). " + _MONTH + "Undefined without paying customers at the start "
                     "of M."), monthly_churn_rate,
               compute_days=days_via(churn_months, monthly_churn_rate)),
        Metric(_spec("revenue_churn_rate", "Revenue churn", "Gross MRR churn of the month.", "ratio", "lower",
                     "(churned + contraction MRR in M) / mrr(start of M). " + _MONTH + "Undefined when "
                     "mrr(start of M) is 0."), revenue_churn_rate),
        Metric(_spec("net_mrr_churn_rate", "Net MRR churn", "MRR churn net of expansion and reactivation.",
                     "ratio", "lower", "(churned + contraction − expansion − reactivation MRR in M) / mrr(start of "
                     "M); negative when expansion wins. " + _MONTH + "Undefined when mrr(start of M) is 0."),
               net_mrr_churn_rate),
        Metric(_spec("annual_churn_rate", "Annual churn", "Customer churn compounded over 12 months.", "derived",
                     "lower", _MONTH + "1 − Π(1 − monthly_churn_rate) over the 12 months ending with M; "
                     "undefined when one of them is."), annual_churn_rate,
               compute_days=days_via(churn_months, annual_churn_rate)),
        Metric(_spec("net_revenue_retention", "NRR", "Net revenue retention over 12 months.", "ratio", "higher",
                     "MRR at the end of D of the customers paying at the end of D minus 12 months / their MRR "
                     "then (expansion and contraction included, new customers excluded); undefined when none "
                     "paid then.", grain="end_of_day"), net_revenue_retention,
               compute_days=days_via(retention_parts, net_revenue_retention)),
        Metric(_spec("gross_revenue_retention", "GRR", "Gross revenue retention over 12 months.", "ratio",
                     "higher", "As net_revenue_retention with each customer's MRR now capped at their MRR "
                     "12 months earlier; undefined when none paid then.", grain="end_of_day"), gross_revenue_retention,
               compute_days=days_via(retention_parts, gross_revenue_retention)),
    ]
