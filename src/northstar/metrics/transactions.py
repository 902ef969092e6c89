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
from datetime import date, timedelta
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.fx import MissingRate, to_reporting_minor
from northstar.metrics.ranges import Known, _rows, day_number, days_via, interval_counts, number_of, shared, window_span
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


def _total(sums: dict[str | None, int], ctx: MetricContext) -> Measurement:
    """The sum of ``sums`` (currency → integer minor units; no currency: the reporting currency)
    converted to the reporting currency, exact, or undefined naming the first currency
    (alphabetically) without a rate."""
    total = Fraction(0)
    for currency in sorted(sums, key=lambda name: name or ""):
        try:
            total += to_reporting_minor(sums[currency], currency or ctx.settings.reporting_currency, ctx.settings)
        except MissingRate as missing:
            return undefined(str(missing))
    return measured(exact(total))


def revenue(ctx: MetricContext) -> Measurement:
    """Sum of the window's event revenue in minor units of the reporting currency (exact Decimal)."""
    if not _has_revenue_events(ctx):
        return Measurement(None, NO_REVENUE_EVENTS)
    events = revenue_events(ctx)
    totals = _rows(events.group_by(currency=events.currency).aggregate(total=events.revenue_minor.sum()))
    return _total({currency: int(amount) for currency, amount in totals}, ctx)


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
    daily = _rows(events.group_by(day=day_number(events.timestamp, first, last, zone), currency=events.currency)
                  .aggregate(total=events.revenue_minor.sum()))
    out: dict[Window, Measurement] = {}
    for window in windows:
        low, high = number_of(window.start), number_of(window.end)
        sums: dict[str | None, int] = {}
        for day, currency, total in daily:
            if low <= day < high:
                sums[currency] = sums.get(currency, 0) + int(total)
        out[window] = _total(sums, ctx)
    return out


def revenue_days(ctx: MetricContext, days: Sequence[date]) -> dict[date, Measurement]:
    """:func:`revenue` over the window ending on each of ``days`` (:func:`revenue_windows`)."""
    windows = {day: Window.ending_on(day, ctx.window.days) for day in days}
    found = revenue_windows(ctx, list(windows.values()))
    return {day: found[window] for day, window in windows.items()}


def active_customers(ctx: MetricContext) -> Measurement:
    """Distinct users with at least one revenue-carrying event in the window."""
    if not _has_revenue_events(ctx):
        return Measurement(None, NO_REVENUE_EVENTS)
    return measured(ctx.remember(("active_customers",), lambda: int(ctx.scalar(revenue_events(ctx).uid.nunique()))))


def active_customer_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`active_customers` of the window ending on each of ``days`` from one query: each
    buyer's distinct purchase days with the gap to their next one (capped at the window's length);
    a purchase on day ``p`` counts the buyer on the days ``[p, p + gap)``, so on each day every
    buyer with a purchase in its window counts once."""

    def compute() -> Known:
        if not _has_revenue_events(ctx):
            return {}
        zone, length = ctx.settings.timezone, ctx.window.days
        first, last, start, end = window_span(ctx, days)
        events = ctx.events()
        events = events.filter(events.type == "track", events.revenue_minor.notnull(), events.uid.notnull(),
                               events.timestamp >= start, events.timestamp < end)
        buyer_days = events.select(uid=events.uid, day=day_number(events.timestamp, first, last, zone)).distinct()
        following = buyer_days.day.lead().over(ibis.window(group_by=buyer_days.uid, order_by=buyer_days.day))
        buyer_days = buyer_days.mutate(gap=ibis.least(following - buyer_days.day, length).fill_null(length))
        grouped = _rows(buyer_days.group_by(["day", "gap"]).aggregate(buyers=buyer_days.count()))
        counts = interval_counts((("buyers", day, day + gap, buyers) for day, gap, buyers in grouped), days)
        return {ctx.at(day).memo_key(("active_customers",)): counts.get(("buyers", day), 0) for day in days}

    return shared(ctx, "active_customer_days", days, compute)


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
            **common), revenue, compute_days=revenue_days, compute_windows=revenue_windows),
        Metric(MetricSpec(
            name="active_customers", label="Active customers", description="Users who bought in the period.",
            unit="count", kind="simple",
            definition="Distinct users with at least one track event carrying properties.revenue in the window.",
            **common), active_customers, compute_days=days_via(active_customer_days, active_customers)),
    ]
