"""MRR movements (METRICS.md § Revenue, "MRR movements", the ChartMogul convention).

One query reads every subscription state (effective before the end of ``D`` with filters; every
stored one without, shared by all days: a state changes no MRR before it starts) with the
instant of the subscription's next state; here each paying state becomes two exact deltas of its customer's
MRR (``+v`` when it starts, ``−v`` when it stops being paying), the deltas of one customer at one
instant are netted, and every non-zero net change is one movement, classified by the customer's
MRR just before and just after it. A delta at instant ``x`` is part of ``mrr(T)`` when ``x < T``,
the rule of :func:`northstar.metrics.revenue.paying_subscriptions`, so for any instants
``S <= T <= end of D``: ``mrr(T) = mrr(S) + Σ movements at [S, T)`` exactly.

Range computations (``metrics/ranges.py``) therefore read one timeline for all their days.

When a paying state stops (the policies of ``settings.revenue``): at the subscription's next
state; a ``canceled`` state under ``cancellation="period_end"`` pays until its ``period_end``
(not at all under ``"immediately"``); a ``past_due`` state pays until canceled, or for
``past_due_days`` under ``past_due="churn_after_days"``; ``trialing`` and 0-amount states never
pay, so a trial that converts gives new MRR when it converts.

FX: ``settings.fx_rates`` holds one rate per currency, so every delta is converted at that rate
(the rate "of its day" is the same every day). Each customer's MRR is then one exact rational
in the reporting currency and the identity holds with no FX-effect line; an ``fx_effect_mrr``
needs dated rates, which the settings do not have.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal

import ibis

from northstar.config import RevenuePolicies, Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.fx import MissingRate, to_reporting_minor
from northstar.metrics.registry import USER_DIMENSIONS, Direction, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, ratio, undefined

SOURCE = "METRICS.md § Revenue (subscriptions)"
REQUIRES = ("subscription_history",)

MovementKind = Literal["new", "expansion", "contraction", "churned", "reactivation"]
GAINS: tuple[MovementKind, ...] = ("new", "expansion", "reactivation")
LOSSES: tuple[MovementKind, ...] = ("contraction", "churned")


@dataclass(frozen=True, slots=True)
class Movement:
    """One change of a customer's total MRR at naive-UTC instant ``at``: its ``kind`` and its
    ``amount``, exact minor units of the reporting currency, always > 0."""

    customer_id: str
    at: datetime
    kind: MovementKind
    amount: Fraction

    @property
    def signed(self) -> Fraction:
        """``amount`` for new, expansion and reactivation; ``−amount`` for contraction and churned."""
        return self.amount if self.kind in GAINS else -self.amount


@dataclass(frozen=True, slots=True)
class MrrTimeline:
    """Every customer's MRR movements, in order of ``at``, with each customer's MRR after each of
    its movements (``history``: customer → [(instant, MRR)]). Built from the states effective
    before some instant (the end of ``D``, or never: every stored state); a state only changes
    MRR from its own start on, so every answer about instants up to that end is the one the
    states before it give."""

    movements: tuple[Movement, ...]
    history: dict[str, list[tuple[datetime, Fraction]]]

    def customer_mrr(self, instant: datetime) -> dict[str, Fraction]:
        """Customers with MRR > 0 at ``instant`` (movements at ``x < instant``) and their MRR."""
        paying: dict[str, Fraction] = {}
        for customer, points in self.history.items():
            index = bisect_left(points, instant, key=lambda point: point[0]) - 1
            if index >= 0 and points[index][1] > 0:
                paying[customer] = points[index][1]
        return paying

    def mrr(self, instant: datetime) -> Fraction:
        """Total MRR at ``instant``."""
        return sum(self.customer_mrr(instant).values(), Fraction(0))

    def between(self, start: datetime, end: datetime) -> list[Movement]:
        """The movements at instants ``[start, end)`` (found by bisection: they are in order of ``at``)."""
        low = bisect_left(self.movements, start, key=lambda movement: movement.at)
        high = bisect_left(self.movements, end, lo=low, key=lambda movement: movement.at)
        return list(self.movements[low:high])


@dataclass(frozen=True, slots=True)
class RatedTimeline:
    """An :class:`MrrTimeline` of the states that have a rate, and ``unrated``: the start and
    currency of the earliest paying state without a rate in ``settings.fx_rates`` (``None``: none)."""

    line: MrrTimeline
    unrated: tuple[datetime, str] | None

    def until(self, end: datetime) -> MrrTimeline | Measurement:
        """The timeline for instants up to ``end``, or an undefined measurement naming the currency
        without a rate when a paying state in it starts before ``end``."""
        if self.unrated is not None and self.unrated[0] < end:
            return undefined(f"{MissingRate(self.unrated[1])}; add it to fx_rates")
        return self.line


def sums(movements: list[Movement]) -> dict[MovementKind, Fraction]:
    """The total amount of each movement kind (every kind present, 0 when none)."""
    totals: dict[MovementKind, Fraction] = {kind: Fraction(0) for kind in (*GAINS, *LOSSES)}
    for movement in movements:
        totals[movement.kind] += movement.amount
    return totals


def _stop(status: str, effective_at: datetime, next_at: datetime | None, period_end: datetime | None,
          policies: RevenuePolicies) -> datetime | None:
    """When a paying state stops paying (``None``: not before its next state, which is unknown)."""
    stops = [next_at] if next_at is not None else []
    if status == "past_due" and policies.past_due == "churn_after_days":
        stops.append(effective_at + timedelta(days=policies.past_due_days))
    if status == "canceled":
        stops.append(period_end if policies.cancellation == "period_end" and period_end is not None
                     else effective_at)
    return min(stops) if stops else None


def _rated_timeline(ctx: MetricContext, end: datetime | None) -> RatedTimeline:
    """Every customer's movements from the states effective before ``end`` (``None``: every
    state), of customers matching the filters (one query). A paying state in a currency without a
    rate adds no delta; the earliest such state is :attr:`RatedTimeline.unrated`."""
    history = ctx.table("subscription_history")
    if end is not None:
        history = history.filter(history.effective_at < ibis.literal(end))
    if ctx.filters:
        users = ctx.users()
        history = history.semi_join(users, history.customer_id == users.user_id)
    order = ibis.window(
        group_by=history.subscription_id, order_by=[history.effective_at, history.recorded_at, history.change_id]
    )
    # The last state has no next one: nullable, whatever the column's own nullability.
    states = history.mutate(next_at=history.effective_at.lead().over(order).cast("timestamp"))
    states = states.filter(states.status.isin(["active", "past_due", "canceled"]), states.amount_minor > 0)
    states = states.select("customer_id", "status", "amount_minor", "currency", "interval_months", "effective_at",
                           "next_at", "period_end")
    deltas: dict[str, dict[datetime, Fraction]] = {}
    # Plans repeat their prices: each (amount, interval, currency) is converted once.
    monthly: dict[tuple[int, int, str], Fraction | MissingRate] = {}
    unrated: tuple[datetime, str] | None = None
    for row in states.to_pyarrow().to_pylist():
        start = row["effective_at"]
        stop = _stop(row["status"], start, row["next_at"], row["period_end"], ctx.settings.revenue)
        if stop is not None and stop <= start:
            continue
        price = (row["amount_minor"], row["interval_months"], row["currency"])
        if price not in monthly:
            try:
                monthly[price] = to_reporting_minor(Fraction(price[0], price[1]), price[2], ctx.settings)
            except MissingRate as missing:
                monthly[price] = missing
        value = monthly[price]
        if isinstance(value, MissingRate):
            if unrated is None or (start, value.currency) < unrated:
                unrated = (start, value.currency)
            continue
        changes = deltas.setdefault(row["customer_id"], {})
        # Most instants carry one delta: a rational addition only where several meet.
        changes[start] = changes[start] + value if start in changes else value
        if stop is not None and (end is None or stop < end):
            changes[stop] = changes[stop] - value if stop in changes else -value
    window_days = ctx.settings.revenue.reactivation_window_days
    movements: list[Movement] = []
    history_points: dict[str, list[tuple[datetime, Fraction]]] = {}
    for customer, changes in deltas.items():
        mine, points = _classify(customer, changes, window_days)
        movements.extend(mine)
        if points:
            history_points[customer] = points
    movements.sort(key=lambda movement: (movement.at, movement.customer_id))
    return RatedTimeline(MrrTimeline(tuple(movements), history_points), unrated)


def _classify(customer: str, changes: dict[datetime, Fraction], window_days: int | None
              ) -> tuple[list[Movement], list[tuple[datetime, Fraction]]]:
    """One customer's movements and MRR after each, from its net changes (instant → delta)."""
    movements: list[Movement] = []
    points: list[tuple[datetime, Fraction]] = []
    total = Fraction(0)
    left_at: datetime | None = None  # when the customer last churned
    for at in sorted(changes):
        delta = changes[at]
        if delta == 0:
            continue
        before, total = total, total + delta
        kind: MovementKind
        if before == 0:
            returning = left_at is not None and (window_days is None or at - left_at <= timedelta(days=window_days))
            kind = "reactivation" if returning else "new"
        elif total == 0:
            kind, left_at = "churned", at
        else:
            kind = "expansion" if total > before else "contraction"
        movements.append(Movement(customer, at, kind, abs(delta)))
        points.append((at, total))
    return movements, points


def build_timeline(ctx: MetricContext) -> MrrTimeline:
    """Every customer's movements up to the end of ``D``. Raises :class:`MissingRate` for a paying
    state in a currency without a rate (the earliest one's)."""
    rated = _rated_timeline(ctx, ctx.end_of_day)
    if rated.unrated is not None:
        raise MissingRate(rated.unrated[1])
    return rated.line


def timeline(ctx: MetricContext) -> MrrTimeline | Measurement:
    """The MRR timeline of ``ctx`` for instants up to the end of ``D``, or an undefined measurement
    naming the currency without a rate (the earliest paying state's without one before the end of
    ``D``). Without filters it is built once from every stored state and remembered for every day
    (the answers up to the end of ``D`` are those of the states before it, see
    :class:`MrrTimeline`), so each day costs no query; with filters (users registered at the end of
    ``D``) it is built for the day."""
    rated: RatedTimeline
    if ctx.filters:
        rated = ctx.remember(("mrr_timeline",), lambda: _rated_timeline(ctx, ctx.end_of_day))
    else:
        rated = ctx.memo(("mrr_timeline",), lambda: _rated_timeline(ctx, None))
    return rated.until(ctx.end_of_day)


def window_sums(ctx: MetricContext) -> dict[MovementKind, Fraction] | Measurement:
    """The movements of each kind in the timeframe's window."""
    found = timeline(ctx)
    if isinstance(found, Measurement):
        return found
    return sums(found.between(*ctx.bounds()))


def _movement(kind: MovementKind) -> Callable[[MetricContext], Measurement]:
    def compute(ctx: MetricContext) -> Measurement:
        totals = window_sums(ctx)
        return totals if isinstance(totals, Measurement) else measured(exact(totals[kind]))

    compute.__doc__ = f"``{kind}_mrr``: the {kind} movements in the window, exact minor units (>= 0)."
    return compute


def net_new_mrr(ctx: MetricContext) -> Measurement:
    """``new + expansion + reactivation − contraction − churned`` in the window, exact minor units;
    equals ``mrr(end of D) − mrr(end of the day before the window)``."""
    totals = window_sums(ctx)
    if isinstance(totals, Measurement):
        return totals
    return measured(exact(sum((totals[kind] for kind in GAINS), Fraction(0))
                          - sum((totals[kind] for kind in LOSSES), Fraction(0))))


def quick_ratio(ctx: MetricContext) -> Measurement:
    """``(new + expansion + reactivation) / (contraction + churned)`` in the window; undefined when
    nothing was lost."""
    totals = window_sums(ctx)
    if isinstance(totals, Measurement):
        return totals
    return ratio(sum((totals[kind] for kind in GAINS), Fraction(0)),
                 sum((totals[kind] for kind in LOSSES), Fraction(0)),
                 "no contraction or churned MRR in the window")


_MOVEMENT_RULES = (
    "Each change of a customer's total MRR is one movement, dated when it takes effect and classified by the "
    "customer's MRR just before and after (ChartMogul); a period's value is the sum of its movements. "
    "Cancellation: {cancellation}; past_due: {past_due}; a trial counts when it converts; each movement is "
    "converted at the currency's rate in settings.fx_rates."
)

_MOVEMENTS: tuple[tuple[MovementKind, str, str, Direction, str], ...] = (
    ("new", "New MRR", "MRR from customers who start paying for the first time.", "higher",
     "MRR of customers going from 0 to > 0 who never paid before ({returning})."),
    ("expansion", "Expansion MRR", "MRR added by paying customers (upgrades, seats).", "higher",
     "MRR increases of customers who were already paying."),
    ("contraction", "Contraction MRR", "MRR lost by customers who keep paying (downgrades).", "lower",
     "MRR decreases of customers who keep paying."),
    ("churned", "Churned MRR", "MRR lost by customers who stop paying.", "lower",
     "MRR of customers going from > 0 to 0."),
    ("reactivation", "Reactivation MRR", "MRR from former customers who pay again.", "higher",
     "MRR of customers going from 0 to > 0 who paid before ({returning})."),
)


def _spec(name: str, label: str, description: str, unit: str, kind: str, direction: Direction,
          definition: str) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=direction, family="revenue",
        kind=kind, grain="timeframe", dimensions=USER_DIMENSIONS, definition=definition, source=SOURCE,
        requires=REQUIRES,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The MRR movements, ``net_new_mrr`` and ``quick_ratio``; definitions name the policies in force."""
    policies = settings.revenue
    returning = ("a return is a reactivation however long the customer was gone"
                 if policies.reactivation_window_days is None
                 else f"a return after more than {policies.reactivation_window_days} days is new")
    rules = _MOVEMENT_RULES.format(
        cancellation=("at the end of the paid period" if policies.cancellation == "period_end"
                      else "when it is made"),
        past_due=("counted until canceled" if policies.past_due == "count_until_canceled"
                  else f"churned after {policies.past_due_days} days past due"),
    )
    entries = [
        Metric(_spec(f"{kind}_mrr", label, description, "money", "simple", direction,
                     lead.format(returning=returning) + " " + rules), _movement(kind))
        for kind, label, description, direction, lead in _MOVEMENTS
    ]
    entries.append(Metric(_spec(
        "net_new_mrr", "Net new MRR", "New + expansion + reactivation − contraction − churned.", "money",
        "derived", "higher", "new + expansion + reactivation − contraction − churned MRR over the window, so that "
        "mrr(end of D) = mrr(end of the day before the window) + net_new_mrr exactly. " + rules), net_new_mrr))
    entries.append(Metric(_spec(
        "quick_ratio", "Quick ratio", "MRR gained per unit of MRR lost.", "ratio", "ratio", "higher",
        "(new + expansion + reactivation) / (contraction + churned) MRR over the window; undefined when no MRR was "
        "lost. " + rules), quick_ratio))
    return entries
