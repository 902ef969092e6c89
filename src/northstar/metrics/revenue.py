"""Revenue metrics from ``subscription_history`` (METRICS.md, "Revenue (subscriptions)").

The database selects the subscriptions paying at the end of ``D`` and sums their integer amounts
per (currency, billing interval); the monthly normalisation (``amount × 1/interval_months``) and
the FX conversion are exact rational arithmetic here, turned into one Decimal at the end, and
nothing is rounded: results are minor units of the reporting currency, rounded half-even once,
by the presentation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import add_months, day_start_utc, reporting_day
from northstar.metrics.context import MetricContext
from northstar.metrics.fx import MissingRate, to_reporting_minor
from northstar.metrics.ranges import Known, _rows, days_via, interval_counts, number_of, shared
from northstar.metrics.registry import USER_DIMENSIONS, Grain, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, ratio, undefined

SOURCE = "METRICS.md § Revenue (subscriptions)"
REQUIRES = ("subscription_history",)


@dataclass(frozen=True, slots=True)
class MrrSnapshot:
    """MRR at the end of a reporting day: exact (rational) minor units of the reporting currency
    and the number of paying customers (MRR > 0)."""

    mrr_minor: Fraction
    paying_customers: int


def paying_subscriptions(ctx: MetricContext) -> ir.Table:
    """The subscriptions paying at the end of ``D`` with a positive amount: each subscription's
    latest state effective before the end of ``D``, kept when it is ``active``; ``past_due`` (until
    canceled, or for ``past_due_days`` under the ``churn_after_days`` policy); or ``canceled`` with
    a ``period_end`` not yet passed under the ``period_end`` cancellation policy. ``trialing`` and
    0-amount states are not paying. Columns: customer_id, plan, amount_minor, currency, interval_months."""
    policies = ctx.settings.revenue
    end = ibis.literal(ctx.end_of_day)
    history = ctx.table("subscription_history")
    history = history.filter(history.effective_at < end)
    latest = history.mutate(
        position=ibis.row_number().over(
            group_by=history.subscription_id,
            order_by=[history.effective_at.desc(), history.recorded_at.desc(), history.change_id.desc()],
        )
    )
    latest = latest.filter(latest.position == 0)
    if policies.past_due == "count_until_canceled":
        past_due_paying = latest.status == "past_due"
    else:
        since = ibis.literal(ctx.end_of_day - timedelta(days=policies.past_due_days))
        past_due_paying = (latest.status == "past_due") & (latest.effective_at >= since)
    paying = (latest.status == "active") | past_due_paying
    if policies.cancellation == "period_end":
        paying = paying | ((latest.status == "canceled") & latest.period_end.notnull() & (latest.period_end >= end))
    latest = latest.filter(paying, latest.amount_minor > 0)
    if ctx.filters:
        users = ctx.users()
        latest = latest.semi_join(users, latest.customer_id == users.user_id)
    return latest.select("customer_id", "plan", "amount_minor", "currency", "interval_months")


def mrr_snapshot(ctx: MetricContext) -> MrrSnapshot:
    """MRR and paying customers at the end of ``D``. Raises :class:`MissingRate` when a paying
    subscription's currency has no rate in ``settings.fx_rates``."""
    paying = paying_subscriptions(ctx)
    sums = paying.group_by(["currency", "interval_months"]).aggregate(amount=paying.amount_minor.sum()).execute()
    total = Fraction(0)
    for currency, interval, amount in sums.itertuples(index=False):
        total += to_reporting_minor(Fraction(int(amount), int(interval)), currency, ctx.settings)
    customers = int(ctx.scalar(paying.customer_id.nunique()))
    return MrrSnapshot(total, customers)


def mrr_snapshots(ctx: MetricContext, days: Sequence[date]) -> Known:
    """The memoised :func:`snapshot_or_reason` of every day of ``days`` and of the day one month
    before each (``mrr_growth_rate``), from one query (``metrics/ranges.py``): each state of a
    subscription is its latest on the days from its ``effective_at`` to the next state's; it pays on
    those days that the per-day rules of :func:`paying_subscriptions` allow, as an interval of days."""

    def compute() -> Known:
        zone, policies = ctx.settings.timezone, ctx.settings.revenue
        wanted = sorted(set(days) | {add_months(day, -1) for day in days})
        history = ctx.table("subscription_history")
        history = history.filter(history.effective_at < ibis.literal(day_start_utc(wanted[-1] + timedelta(days=1),
                                                                                   zone)))
        order = ibis.window(group_by=history.subscription_id,
                            order_by=[history.effective_at, history.recorded_at, history.change_id])
        # The last state has no next one: nullable, whatever the column's own nullability.
        states = history.mutate(next_at=history.effective_at.lead().over(order).cast("timestamp"))
        states = states.filter(states.amount_minor > 0, states.status.isin(["active", "past_due", "canceled"]))
        states = states.select("customer_id", "status", "amount_minor", "currency", "interval_months",
                               "effective_at", "next_at", "period_end")
        amounts: list[tuple[object, int, int | None, int]] = []
        spans: dict[str, list[tuple[int, int | None]]] = {}
        for row in states.to_pyarrow().to_pylist():
            lo = number_of(reporting_day(row["effective_at"], zone))
            hi = None if row["next_at"] is None else number_of(reporting_day(row["next_at"], zone))
            status = row["status"]
            if status == "past_due" and policies.past_due != "count_until_canceled":
                until = number_of(reporting_day(row["effective_at"] + timedelta(days=policies.past_due_days), zone))
                hi = until if hi is None else min(hi, until)
            elif status == "canceled":
                if policies.cancellation != "period_end" or row["period_end"] is None:
                    continue
                until = number_of(reporting_day(row["period_end"], zone))
                hi = until if hi is None else min(hi, until)
            if hi is not None and hi <= lo:
                continue
            amounts.append(((row["currency"], row["interval_months"]), lo, hi, row["amount_minor"]))
            spans.setdefault(row["customer_id"], []).append((lo, hi))
        sums = interval_counts(amounts, wanted)
        customers = interval_counts((("customers", lo, hi, 1) for lo, hi in _merged(spans)), wanted)
        known: Known = {}
        for day in wanted:
            try:
                total = sum((to_reporting_minor(Fraction(amount, interval), currency, ctx.settings)
                             for ((currency, interval), on), amount in sorted(sums.items()) if on == day and amount),
                            Fraction(0))
                found: MrrSnapshot | Measurement = MrrSnapshot(total, customers.get(("customers", day), 0))
            except MissingRate as exc:
                found = undefined(f"{exc}; add it to fx_rates")
            known[ctx.at(day).memo_key(("mrr_snapshot",))] = found
        return known

    return shared(ctx, "mrr_snapshots", days, compute)


def _merged(spans: dict[str, list[tuple[int, int | None]]]) -> list[tuple[int, int | None]]:
    """Each customer's paying day intervals merged, so a customer paying twice counts once."""
    out: list[tuple[int, int | None]] = []
    for intervals in spans.values():
        current: list[int | None] | None = None
        for lo, hi in sorted(intervals, key=lambda span: span[0]):
            if current is not None and (current[1] is None or lo <= current[1]):
                current[1] = None if current[1] is None or hi is None else max(current[1], hi)
            else:
                if current is not None:
                    out.append((current[0], current[1]))  # type: ignore[arg-type]
                current = [lo, hi]
        if current is not None:
            out.append((current[0], current[1]))  # type: ignore[arg-type]
    return out


def snapshot_or_reason(ctx: MetricContext) -> MrrSnapshot | Measurement:
    """The memoised :func:`mrr_snapshot` of ``ctx``, or an undefined measurement naming the currency
    without a rate."""
    def compute() -> MrrSnapshot | Measurement:
        try:
            return mrr_snapshot(ctx)
        except MissingRate as exc:
            return undefined(f"{exc}; add it to fx_rates")

    return ctx.remember(("mrr_snapshot",), compute)


def mrr(ctx: MetricContext) -> Measurement:
    """``mrr``: exact minor units of the reporting currency at the end of ``D``."""
    snapshot = snapshot_or_reason(ctx)
    return snapshot if isinstance(snapshot, Measurement) else measured(exact(snapshot.mrr_minor))


def arr(ctx: MetricContext) -> Measurement:
    """``arr = mrr × 12``, exact minor units."""
    snapshot = snapshot_or_reason(ctx)
    return snapshot if isinstance(snapshot, Measurement) else measured(exact(snapshot.mrr_minor * 12))


def mrr_growth_rate(ctx: MetricContext) -> Measurement:
    """``(mrr(D) − mrr(D minus one month)) / mrr(D minus one month)``; undefined when the earlier
    MRR is 0."""
    now = snapshot_or_reason(ctx)
    before = snapshot_or_reason(ctx.at(add_months(ctx.day, -1)))
    if isinstance(now, Measurement):
        return now
    if isinstance(before, Measurement):
        return before
    return ratio(now.mrr_minor - before.mrr_minor, before.mrr_minor, "MRR one month earlier was 0")


def paying_customers(ctx: MetricContext) -> Measurement:
    """Customers with MRR > 0 at the end of ``D`` (counted even when a currency lacks a rate)."""
    snapshot = snapshot_or_reason(ctx)
    if isinstance(snapshot, MrrSnapshot):
        return measured(snapshot.paying_customers)
    return measured(int(ctx.scalar(paying_subscriptions(ctx).customer_id.nunique())))


def arpa(ctx: MetricContext) -> Measurement:
    """``mrr / paying_customers``, exact minor units; undefined with no paying customer."""
    snapshot = snapshot_or_reason(ctx)
    if isinstance(snapshot, Measurement):
        return snapshot
    return ratio(snapshot.mrr_minor, snapshot.paying_customers, "no paying customers at the end of the day")


def _trials(ctx: MetricContext, start: datetime, end: datetime, until: datetime) -> tuple[ir.Table, ir.Table]:
    """``(ended, converted)`` from the states effective before ``until``, of customers matching the
    filters: ``ended`` the trials that ended at instants ``[start, end)`` (a ``trialing`` state
    followed by another status; columns trial, customer, ended_at), ``converted`` each ended trial
    (trial, customer, ended_at) with ``paid_at``, the instant of each paying state (active or
    past_due, amount > 0) of its customer effective from its end to ``trial_grace_days`` days later."""
    history = ctx.table("subscription_history")
    history = history.filter(history.effective_at < ibis.literal(until))
    if ctx.filters:
        users = ctx.users()
        history = history.semi_join(users, history.customer_id == users.user_id)
    order = ibis.window(
        group_by=history.subscription_id, order_by=[history.effective_at, history.recorded_at, history.change_id]
    )
    steps = history.mutate(
        next_status=history.status.lead().over(order), next_at=history.effective_at.lead().over(order)
    )
    ended = steps.filter(
        steps.status == "trialing", steps.next_status.notnull(), steps.next_status != "trialing",
        steps.next_at >= ibis.literal(start), steps.next_at < ibis.literal(end),
    ).select(trial=steps.subscription_id, customer=steps.customer_id, ended_at=steps.next_at)
    paid = history.filter(history.status.isin(["active", "past_due"]), history.amount_minor > 0)
    paid = paid.select(payer=paid.customer_id, paid_at=paid.effective_at)
    grace = ibis.interval(days=ctx.settings.revenue.trial_grace_days)
    converted = ended.join(
        paid, [ended.customer == paid.payer, paid.paid_at >= ended.ended_at, paid.paid_at <= ended.ended_at + grace]
    ).select("trial", "customer", "ended_at", "paid_at")
    return ended, converted


def trial_counts(ctx: MetricContext) -> tuple[int, int]:
    """``(converted, ended)``: the trials that ended in the window, and those of them (distinct
    trial and end) whose customer paid within the grace days, before the end of ``D``."""

    def compute() -> tuple[int, int]:
        ended, converted = _trials(ctx, *ctx.bounds(), ctx.end_of_day)
        trials = int(ctx.scalar(ended.count()))
        return int(ctx.scalar(converted.select("trial", "ended_at").distinct().count())), trials

    return ctx.remember(("trial_counts",), compute)  # type: ignore[no-any-return]


def trial_counts_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`trial_counts` of the window ending on each of ``days`` from one query: each trial that
    ended on the days the windows cover, with how many ended rows it has and its first payment in
    the grace days; it counts on the days whose window holds its end, as converted from the day
    of that payment on (a day reads only states effective before its end)."""

    def compute() -> Known:
        zone, length = ctx.settings.timezone, ctx.window.days
        first = days[0] - timedelta(days=length - 1)
        start, end = day_start_utc(first, zone), day_start_utc(days[-1] + timedelta(days=1), zone)
        ended, converted = _trials(ctx, start, end, end)
        ended = ended.group_by(["trial", "customer", "ended_at"]).aggregate(rows=ended.count())
        firsts = converted.group_by(["trial", "customer", "ended_at"]).aggregate(paid_at=converted.paid_at.min())
        joined = ended.left_join(firsts, [ended.trial == firsts.trial, ended.customer == firsts.customer,
                                          ended.ended_at == firsts.ended_at])
        trials: dict[tuple[object, object], tuple[int, int | None]] = {}
        for trial, ended_at, rows, paid_at in _rows(joined.select(ended.trial, ended.ended_at, ended.rows,
                                                                   joined.paid_at)):
            paid = None if paid_at is None else number_of(reporting_day(paid_at, zone))
            count, earliest = trials.get((trial, ended_at), (0, None))
            known_days = [number for number in (earliest, paid) if number is not None]
            trials[(trial, ended_at)] = (count + rows, min(known_days) if known_days else None)
        spans: list[tuple[str, int, int, int]] = []
        for (_trial, ended_at), (rows, paid) in trials.items():
            lo = number_of(reporting_day(ended_at, zone))
            spans.append(("ended", lo, lo + length, rows))
            if paid is not None:
                spans.append(("converted", max(lo, paid), lo + length, 1))
        counts = interval_counts(spans, days)
        return {ctx.at(day).memo_key(("trial_counts",)): (counts.get(("converted", day), 0),
                                                          counts.get(("ended", day), 0)) for day in days}

    return shared(ctx, "trial_counts_days", days, compute)


def trial_to_paid_conversion(ctx: MetricContext) -> Measurement:
    """Of trials that ended in the window (a ``trialing`` state followed by another status), the
    share whose customer had a paying state (active or past_due, amount > 0) effective between the
    trial's end and ``settings.revenue.trial_grace_days`` days later, before the end of ``D``;
    undefined when no trial ended."""
    converted, trials = trial_counts(ctx)
    return ratio(converted, trials, "no trial ended in the window")


def _spec(name: str, label: str, description: str, unit: str, kind: str, definition: str,
          grain: Grain = "end_of_day") -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction="higher", family="revenue",
        kind=kind, grain=grain, dimensions=USER_DIMENSIONS, definition=definition, source=SOURCE,
        requires=REQUIRES,
    )


_MRR_DEFINITION = (
    "Sum, over subscriptions paying at the end of D, of amount × 1/interval_months, after discounts, before "
    "tax, converted to the reporting currency by settings.fx_rates. Trials and free plans contribute 0; "
    "cancellation: {cancellation}; past_due: {past_due}."
)


def metrics(settings: Settings) -> list[Metric]:
    """The revenue family's catalog entries; the definitions name the revenue policies in force."""
    from northstar.metrics.revenue_breakdown import mrr_breakdown  # that module builds on this one

    policies = settings.revenue
    past_due = ("counted until canceled" if policies.past_due == "count_until_canceled"
                else f"churned after {policies.past_due_days} days past due")
    cancellation = ("takes effect when the paid period ends" if policies.cancellation == "period_end"
                    else "takes effect when it is made")
    mrr_text = _MRR_DEFINITION.format(cancellation=cancellation, past_due=past_due)
    return [
        Metric(_spec("mrr", "MRR", "Monthly recurring revenue at the end of the day.", "money", "simple",
                     mrr_text), mrr, breakdown=mrr_breakdown, compute_days=days_via(mrr_snapshots, mrr)),
        Metric(_spec("arr", "ARR", "Annual run rate: MRR × 12.", "money", "derived", "mrr × 12. " + mrr_text), arr,
               compute_days=days_via(mrr_snapshots, arr)),
        Metric(_spec("mrr_growth_rate", "MRR growth", "Month-over-month MRR growth.", "rate", "derived",
                     "(mrr(D) − mrr(D minus one month)) / mrr(D minus one month); undefined when the earlier "
                     "MRR is 0."), mrr_growth_rate, compute_days=days_via(mrr_snapshots, mrr_growth_rate)),
        Metric(_spec("paying_customers", "Paying customers", "Customers with MRR above 0.", "count", "simple",
                     "Distinct customers with MRR > 0 at the end of D."), paying_customers,
               compute_days=days_via(mrr_snapshots, paying_customers)),
        Metric(_spec("paid_users", "Paid users", "Customers with MRR above 0 (the specification's name).",
                     "count", "simple", "Distinct customers with MRR > 0 at the end of D (= paying_customers)."),
               paying_customers, compute_days=days_via(mrr_snapshots, paying_customers)),
        Metric(_spec("arpa", "ARPA", "Average revenue per paying account.", "money", "ratio",
                     "mrr / paying_customers at the end of D; undefined without paying customers."), arpa,
               compute_days=days_via(mrr_snapshots, arpa)),
        Metric(_spec("trial_to_paid_conversion", "Trial conversion", "Share of ended trials that became paying.",
                     "rate", "ratio", "Of trials that ended in the window (trialing followed by another status), "
                     "the share whose customer was paying (active or past_due, amount > 0) within the trial's end "
                     f"+ {policies.trial_grace_days} days (settings.revenue.trial_grace_days); undefined when no "
                     "trial ended.", grain="timeframe"), trial_to_paid_conversion,
               compute_days=days_via(trial_counts_days, trial_to_paid_conversion)),
    ]
