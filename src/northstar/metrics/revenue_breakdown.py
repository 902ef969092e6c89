"""MRR broken down by plan, acquisition source and campaign, or any customer segment
(METRICS.md § Revenue, "Breakdowns").

One aggregate query groups the subscriptions paying at the end of ``D`` by the dimension, the
currency and the billing interval; the normalisation and FX conversion are exact here, so the
parts add up to ``mrr`` exactly.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import ibis

from northstar.domain.errors import InvalidInput
from northstar.metrics.context import MetricContext
from northstar.metrics.fx import MissingRate, to_reporting_minor
from northstar.metrics.results import Measurement, exact, measured, undefined
from northstar.metrics.revenue import paying_subscriptions
from northstar.store.schema import TABLES_BY_NAME

UNKNOWN = "unknown"
# Dimensions of the subscription itself; every other dimension is a column of ``users``.
SUBSCRIPTION_DIMENSIONS = ("plan",)


def mrr_breakdown(ctx: MetricContext, dimension: str) -> dict[str, Measurement]:
    """MRR at the end of ``D`` per value of ``dimension``, exact minor units of the reporting
    currency, keyed by value (``"unknown"`` for customers without one), largest first.

    ``dimension`` is ``plan`` (the paying subscription's plan) or a column of ``users``
    (``acquisition_source``, ``acquisition_campaign``, ``user_type``, ``country``…), read for the
    user whose ``user_id`` is the subscription's ``customer_id``. Raises :class:`InvalidInput`
    (field ``breakdown``) for another dimension. Every value is undefined, naming the currency,
    when a paying currency has no rate; the result is empty when no one pays.
    """
    user_columns = TABLES_BY_NAME["users"].column_names
    if dimension not in SUBSCRIPTION_DIMENSIONS and (dimension not in user_columns or dimension == "user_id"):
        raise InvalidInput("breakdown", f"MRR cannot be broken down by {dimension!r}; use plan or a users column")
    paying = paying_subscriptions(ctx)
    if dimension in SUBSCRIPTION_DIMENSIONS:
        keyed = paying.mutate(segment=paying[dimension])
    else:
        users = ctx.table("users").select(segment_user="user_id", segment=dimension)
        keyed = paying.left_join(users, paying.customer_id == users.segment_user)
    keyed = keyed.mutate(segment=ibis.coalesce(keyed.segment.cast("string"), ibis.literal(UNKNOWN)))
    rows = keyed.group_by(["segment", "currency", "interval_months"]).aggregate(
        amount=keyed.amount_minor.sum()).execute()
    totals: dict[str, Fraction] = defaultdict(Fraction)
    try:
        for segment, currency, interval, amount in rows.itertuples(index=False):
            totals[segment] += to_reporting_minor(Fraction(int(amount), int(interval)), currency, ctx.settings)
    except MissingRate as exc:
        reason = undefined(f"{exc}; add it to fx_rates")
        return {segment: reason for segment in sorted(set(rows["segment"]))}
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return {segment: measured(exact(value)) for segment, value in ordered}
