"""Transactional revenue: money carried by events (Segment's e-commerce spec puts it in
``properties.revenue``, e.g. ``Order Completed``), for businesses — or data sets such as the
CDNOW purchase log — that sell without subscriptions.

METRICS.md defines subscription revenue (MRR); these two metrics are the overview's "revenue by
month" and "active customers" when revenue arrives as purchase events. Each event's
``revenue_minor`` is converted to the reporting currency at the configured rate (exact), and the
total is rounded only when presented.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from fractions import Fraction

import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.fx import MissingRate, to_reporting_minor
from northstar.metrics.ranges import day_number, number_of
from northstar.metrics.registry import USER_DIMENSIONS, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, undefined

SOURCE = "METRICS.md § Revenue, extended to revenue carried by events (Segment e-commerce spec)"
NO_REVENUE_EVENTS = "no_data: send or import events with properties.revenue (e.g. Order Completed)"


def revenue_events(ctx: MetricContext) -> ir.Table:
    """Track events with a revenue amount in the timeframe's window, of users matching the filters."""
    start, end = ctx.bounds()
    events = ctx.events()
    events = events.filter(events.type == "track", events.revenue_minor.notnull(),
                           events.timestamp >= start, events.timestamp < end)
    if ctx.filters:
        users = ctx.users()
        events = events.semi_join(users, events.uid == users.user_id)
    return events


def _has_revenue_events(ctx: MetricContext) -> bool:
    """Whether any stored event carries revenue (remembered for every day: it is about the store)."""
    def query() -> bool:
        events = ctx.table("events")
        return int(ctx.scalar(events.filter(events.revenue_minor.notnull()).limit(1).count())) > 0

    return bool(ctx.memo(("has_revenue_events",), query))


def revenue(ctx: MetricContext) -> Measurement:
    """Sum of the window's event revenue in minor units of the reporting currency (exact Decimal)."""
    if not _has_revenue_events(ctx):
        return Measurement(None, NO_REVENUE_EVENTS)
    events = revenue_events(ctx)
    totals = events.group_by(currency=events.currency).aggregate(total=events.revenue_minor.sum()).execute()
    total = Fraction(0)
    for currency, amount in zip(totals["currency"], totals["total"], strict=True):
        try:  # an event without a currency (NaN in the frame) is in the reporting currency
            total += to_reporting_minor(int(amount), currency if isinstance(currency, str) and currency
                                        else ctx.settings.reporting_currency, ctx.settings)
        except MissingRate as missing:
            return undefined(str(missing))
    return measured(exact(total))


def revenue_windows(ctx: MetricContext, windows: Sequence[Window]) -> dict[Window, Measurement]:
    """:func:`revenue` over each of ``windows`` (e.g. the months of a series) from one query: each
    currency's integer sum per reporting day, added up per window and converted as :func:`revenue`
    converts a window's sums. With filters, one window at a time."""
    if ctx.filters:
        return {window: revenue(ctx.over(window)) for window in windows}
    if not _has_revenue_events(ctx):
        return {window: Measurement(None, NO_REVENUE_EVENTS) for window in windows}
    zone = ctx.settings.timezone
    first, last = min(window.start for window in windows), max(window.end for window in windows) - timedelta(days=1)
    start, end = Window(first, last + timedelta(days=1)).utc_bounds(zone)
    events = ctx.events()
    events = events.filter(events.type == "track", events.revenue_minor.notnull(),
                           events.timestamp >= start, events.timestamp < end)
    daily = events.group_by(day=day_number(events.timestamp, first, last, zone), currency=events.currency).aggregate(
        total=events.revenue_minor.sum())
    rows = daily.to_pyarrow().to_pylist()
    out: dict[Window, Measurement] = {}
    for window in windows:
        low, high = number_of(window.start), number_of(window.end)
        sums: dict[str | None, int] = {}
        for row in rows:
            if low <= row["day"] < high:
                sums[row["currency"]] = sums.get(row["currency"], 0) + int(row["total"])
        total = Fraction(0)
        try:
            for currency, amount in sums.items():
                total += to_reporting_minor(amount, currency or ctx.settings.reporting_currency, ctx.settings)
        except MissingRate as missing:
            out[window] = undefined(str(missing))
            continue
        out[window] = measured(exact(total))
    return out


def active_customers(ctx: MetricContext) -> Measurement:
    """Distinct users with at least one revenue-carrying event in the window."""
    if not _has_revenue_events(ctx):
        return Measurement(None, NO_REVENUE_EVENTS)
    return measured(int(ctx.scalar(revenue_events(ctx).uid.nunique())))


def metrics(settings: Settings) -> list[Metric]:
    """The transactional-revenue entries of the revenue family."""
    common = {"family": "revenue", "grain": "timeframe", "dimensions": USER_DIMENSIONS, "source": SOURCE,
              "requires": ("events",), "direction": "higher"}
    return [
        Metric(MetricSpec(
            name="revenue", label="Revenue", description="Revenue from purchase events in the period.",
            unit="money", kind="simple", additive=True,
            definition="Sum of properties.revenue of track events in the window, each converted to the reporting "
                       f"currency ({settings.reporting_currency}) at the configured rate; taxes and refunds as sent.",
            **common), revenue, compute_windows=revenue_windows),
        Metric(MetricSpec(
            name="active_customers", label="Active customers", description="Users who bought in the period.",
            unit="count", kind="simple",
            definition="Distinct users with at least one track event carrying properties.revenue in the window.",
            **common), active_customers),
    ]
