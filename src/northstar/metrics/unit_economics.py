"""Unit economics (METRICS.md § Revenue: ``clv``, ``cac``, ``payback_period_months``, ``clv_cac_ratio``).

Exact rational arithmetic throughout: ARPA and the churn rates come from the MRR snapshot and
timeline, the spend from one aggregate query of ``marketing_spend`` per currency, converted by
``settings.fx_rates``. Money is minor units of the reporting currency.

Range computations (``compute_days``, ``metrics/ranges.py``) prefetch the parts: the MRR snapshots
(:func:`northstar.metrics.revenue.mrr_snapshots`), the months' logo churn
(:func:`northstar.metrics.churn.churn_months`) and the spend of every day's window
(:func:`spend_days`, one query); the new customers of a window come from the one MRR timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

import ibis

from northstar.config import Settings
from northstar.metrics.churn import churn_months, trailing_churn
from northstar.metrics.context import MetricContext
from northstar.metrics.fx import MissingRate, to_reporting_minor
from northstar.metrics.ranges import Known, Prefetch, _rows, days_via, shared
from northstar.metrics.registry import USER_DIMENSIONS, Direction, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, undefined
from northstar.metrics.revenue import mrr_snapshots, snapshot_or_reason
from northstar.metrics.revenue_movements import timeline

SOURCE = "METRICS.md § Revenue (subscriptions)"
CHURN_MONTHS = 6


def _margin_arpa(ctx: MetricContext) -> Fraction | Measurement:
    """``arpa × gross_margin`` at the end of ``D``, exact minor units."""
    snapshot = snapshot_or_reason(ctx)
    if isinstance(snapshot, Measurement):
        return snapshot
    if snapshot.paying_customers == 0:
        return undefined("no paying customers at the end of the day")
    return snapshot.mrr_minor / snapshot.paying_customers * Fraction(ctx.settings.revenue.gross_margin)


def _clv(ctx: MetricContext) -> Fraction | Measurement:
    value = _margin_arpa(ctx)
    if isinstance(value, Measurement):
        return value
    rates = trailing_churn(ctx, CHURN_MONTHS)
    if isinstance(rates, Measurement):
        return rates
    churn = sum(rates, Fraction(0)) / CHURN_MONTHS
    if churn == 0:
        return undefined(f"no customer churned in the {CHURN_MONTHS} months ending with the last complete month")
    return value / churn


def _converted(amounts: dict[str, int], ctx: MetricContext) -> Fraction | Measurement:
    """The sum of ``amounts`` (currency → integer minor units), converted by ``settings.fx_rates``,
    or an undefined measurement naming the first currency (alphabetically) without a rate."""
    total = Fraction(0)
    for currency in sorted(amounts):
        try:
            total += to_reporting_minor(amounts[currency], currency, ctx.settings)
        except MissingRate as exc:
            return undefined(f"{exc}; add it to fx_rates")
    return total


def _spend(ctx: MetricContext) -> Fraction | Measurement:
    """Sales and marketing spend on the window's days, exact minor units, or an undefined
    measurement naming a currency without a rate."""

    def compute() -> Fraction | Measurement:
        spend = ctx.table("marketing_spend")
        spend = spend.filter(spend.spent_on >= ibis.literal(ctx.window.start),
                             spend.spent_on < ibis.literal(ctx.window.end))
        rows = _rows(spend.group_by("currency").aggregate(amount=spend.amount_minor.sum()))
        return _converted({currency: int(amount) for currency, amount in rows}, ctx)

    return ctx.remember(("spend",), compute)  # type: ignore[no-any-return]


def spend_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`_spend` of the window ending on each of ``days``, from one query of each currency's
    integer sum per day over the days the windows cover (a currency counts in a window when it has
    a row there, as in the window's own query)."""

    def compute() -> Known:
        first = days[0] - timedelta(days=ctx.window.days - 1)
        spend = ctx.table("marketing_spend")
        spend = spend.filter(spend.spent_on >= ibis.literal(first),
                             spend.spent_on < ibis.literal(days[-1] + timedelta(days=1)))
        daily = _rows(spend.group_by(["spent_on", "currency"]).aggregate(amount=spend.amount_minor.sum()))
        known: Known = {}
        for day in days:
            here = ctx.at(day)
            amounts: dict[str, int] = {}
            for spent_on, currency, amount in daily:
                if here.window.start <= spent_on < here.window.end:
                    amounts[currency] = amounts.get(currency, 0) + int(amount)
            known[here.memo_key(("spend",))] = _converted(amounts, here)
        return known

    return shared(ctx, "spend_days", days, compute)


def _cac(ctx: MetricContext) -> Fraction | Measurement:
    line = timeline(ctx)
    if isinstance(line, Measurement):
        return line
    acquired = {movement.customer_id for movement in line.between(*ctx.bounds()) if movement.kind == "new"}
    if not acquired:
        return undefined("no new paying customers in the window")
    spend = _spend(ctx)
    return spend if isinstance(spend, Measurement) else spend / len(acquired)


def _measure(value: Fraction | Measurement) -> Measurement:
    return value if isinstance(value, Measurement) else measured(exact(value))


def clv(ctx: MetricContext) -> Measurement:
    """``arpa × gross_margin / churn``, churn being the mean ``monthly_churn_rate`` of the 6 months
    ending with the last complete month; undefined when that churn is 0 or a month's rate is."""
    return _measure(_clv(ctx))


def cac(ctx: MetricContext) -> Measurement:
    """Spend in the window / customers whose ``new`` movement falls in the window; undefined without one."""
    return _measure(_cac(ctx))


def payback_period_months(ctx: MetricContext) -> Measurement:
    """``cac / (arpa × gross_margin)``, in months."""
    cost, earned = _cac(ctx), _margin_arpa(ctx)
    for part in (cost, earned):
        if isinstance(part, Measurement):
            return part
    return measured(exact(cost / earned))


def clv_cac_ratio(ctx: MetricContext) -> Measurement:
    """``clv / cac``; undefined when there was no spend in the window."""
    value, cost = _clv(ctx), _cac(ctx)
    for part in (value, cost):
        if isinstance(part, Measurement):
            return part
    if cost == 0:
        return undefined("no sales and marketing spend in the window")
    return measured(exact(value / cost))


def _prefetching(*parts: Prefetch) -> Prefetch:
    """A prefetch filling what each of ``parts`` fills."""

    def prefetch(ctx: MetricContext, days: Sequence[date]) -> Known:
        known: Known = {}
        for part in parts:
            known.update(part(ctx, days))
        return known

    return prefetch


def _spec(name: str, label: str, description: str, unit: str, direction: Direction, definition: str,
          requires: tuple[str, ...], split: bool) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=direction, family="revenue",
        kind="derived", grain="end_of_day" if name == "clv" else "timeframe",
        dimensions=USER_DIMENSIONS if split else (), definition=definition, source=SOURCE, requires=requires,
        duration_unit="months" if unit == "duration" else None,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The unit-economics entries; definitions name the gross margin in force."""
    margin = f"gross_margin = {settings.revenue.gross_margin} (settings.revenue.gross_margin)"
    subscriptions, both = ("subscription_history",), ("subscription_history", "marketing_spend")
    cac_text = ("Sales and marketing spend (marketing_spend) on the window's days, converted by settings.fx_rates, / "
                "customers whose new-MRR movement falls in the window; undefined without one.")
    return [
        Metric(_spec("clv", "LTV", "Customer lifetime value.", "money", "higher",
                     f"arpa × gross_margin / churn, churn being the mean monthly_churn_rate of the {CHURN_MONTHS} "
                     f"months ending with the latest complete month (ChartMogul); {margin}; undefined when that "
                     "churn is 0 or a month's rate is undefined.", subscriptions, split=True), clv,
               compute_days=days_via(_prefetching(mrr_snapshots, churn_months), clv)),
        Metric(_spec("cac", "CAC", "Customer acquisition cost.", "money", "lower", cac_text, both, split=False),
               cac, compute_days=days_via(spend_days, cac)),
        Metric(_spec("payback_period_months", "CAC payback", "Months of margin to recover the CAC.", "duration",
                     "lower", f"cac / (arpa × gross_margin), in months; {margin}. " + cac_text, both, split=False),
               payback_period_months, compute_days=days_via(_prefetching(spend_days, mrr_snapshots),
                                                            payback_period_months)),
        Metric(_spec("clv_cac_ratio", "LTV:CAC", "Lifetime value per unit of acquisition cost.", "ratio", "higher",
                     f"clv / cac; undefined when there was no spend in the window. {margin}.", both, split=False),
               clv_cac_ratio, compute_days=days_via(_prefetching(spend_days, mrr_snapshots, churn_months),
                                                    clv_cac_ratio)),
    ]
