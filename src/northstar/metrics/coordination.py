"""Vendor collaborations from ``collaborations`` (METRICS.md, "Coordination (vendor collaborations)").

A collaboration is *active in the window* when its span ``[started_at, last activity]`` overlaps
the window's instants ``[start, end)``: it started before ``end`` and its last activity
(``last_activity_at``, else ``started_at``) is at or after ``start``. Its *last activity on D* is
``last_activity_at`` capped at the end of ``D`` (a computation on D sees no later data), else
``started_at``.

A partner is a *vendor* when its type (``partner_type``, else the partner's ``user_type`` in
``users``) is known and is not ``couple``; a partner of unknown type is not counted as a vendor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import day_start_utc
from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import Known, _rows, day_number, days_via, interval_counts, shared, window_span
from northstar.metrics.registry import Metric, MetricSpec
from northstar.metrics.results import Measurement, measured, ratio

SOURCE = "METRICS.md § Coordination (vendor collaborations)"
REQUIRES = ("collaborations",)
WINDOW_TEXT = ("Collaborations active in the window: started before its end, with a last activity "
               "(last_activity_at, else started_at) at or after its start.")


def collaborations_overlapping(ctx: MetricContext, start: datetime, end: datetime) -> ir.Table:
    """Collaborations whose span overlaps the instants ``[start, end)``, with ``partner_is_vendor``
    (boolean)."""
    table = ctx.table("collaborations")
    users = ctx.table("users").select(partner_key="user_id", partner_known_type="user_type")
    table = table.filter(table.started_at < end, ibis.coalesce(table.last_activity_at, table.started_at) >= start)
    joined = table.left_join(users, table.partner_id == users.partner_key)
    partner_type = ibis.coalesce(joined.partner_type, joined.partner_known_type)
    return joined.select(
        *(joined[name] for name in table.columns),
        partner_is_vendor=partner_type.notnull() & (partner_type != "couple"),
    )


def active_collaborations(ctx: MetricContext) -> ir.Table:
    """Collaborations active in the window, with ``partner_is_vendor`` (boolean)."""
    return collaborations_overlapping(ctx, *ctx.bounds())


def _count(ctx: MetricContext, what: str, table: Callable[[], ir.Table]) -> int:
    """The rows of ``table()``, remembered under ``("collaborating", what)`` (``what``: clients,
    pairs or vendors; :func:`collaborating_days` fills it for a range)."""
    return ctx.remember(("collaborating", what), lambda: int(ctx.scalar(table().count())))  # type: ignore[no-any-return]


def weddings_coordinated(ctx: MetricContext) -> Measurement:
    """Distinct clients with at least one collaboration active in the window."""
    return measured(_count(ctx, "clients", lambda: active_collaborations(ctx).select("client_id").distinct()))


def vendor_pairs(ctx: MetricContext) -> ir.Table:
    """Distinct unordered vendor pairs ``(low, high)`` of the window's collaborations whose partner
    is a vendor (``(a, b)`` and ``(b, a)`` are one pair; a vendor with itself is no pair)."""
    table = active_collaborations(ctx)
    table = table.filter(table.partner_is_vendor, table.vendor_id != table.partner_id)
    return table.select(
        low=ibis.least(table.vendor_id, table.partner_id), high=ibis.greatest(table.vendor_id, table.partner_id)
    ).distinct()


def active_vendor_pairs(ctx: MetricContext) -> Measurement:
    """Distinct unordered vendor pairs collaborating in the window."""
    return measured(_count(ctx, "pairs", lambda: vendor_pairs(ctx)))


def vendors(ctx: MetricContext) -> ir.Table:
    """Distinct vendors of the window's collaborations: every ``vendor_id``, and every partner that
    is a vendor."""
    table = active_collaborations(ctx)
    return table.select(vendor=table.vendor_id).union(
        table.filter(table.partner_is_vendor).select(vendor=table.partner_id), distinct=True
    )


def vendors_collaborating(ctx: MetricContext) -> Measurement:
    """How many :func:`vendors` collaborate in the window."""
    return measured(_count(ctx, "vendors", lambda: vendors(ctx)))


def collaborating_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """The clients, vendor pairs and vendors of :func:`_count` on each of ``days``, from one query
    over the collaborations overlapping the range: a collaboration from day ``s`` to its last
    activity's day ``e`` is active in the windows ending on the days ``[s, e + window)``; a client,
    pair or vendor counts on the days of the union of its collaborations' intervals."""

    def compute() -> Known:
        zone, length = ctx.settings.timezone, ctx.window.days
        first, last, start, end = window_span(ctx, days)
        table = collaborations_overlapping(ctx, start, end)
        rows = _rows(table.select(
            "client_id", "vendor_id", "partner_id", "partner_is_vendor",
            since=day_number(table.started_at, first, last, zone),
            until=day_number(ibis.coalesce(table.last_activity_at, table.started_at), first, last, zone),
        ).distinct())
        spans: dict[str, dict[object, list[tuple[int, int]]]] = {"clients": {}, "pairs": {}, "vendors": {}}
        for client, vendor, partner, partner_is_vendor, since, until in rows:
            span = (since, until + length)
            spans["clients"].setdefault(client, []).append(span)
            spans["vendors"].setdefault(vendor, []).append(span)
            if partner_is_vendor:
                spans["vendors"].setdefault(partner, []).append(span)
                if vendor != partner:
                    # (a, b) and (b, a) are one pair, as in vendor_pairs.
                    spans["pairs"].setdefault(frozenset((vendor, partner)), []).append(span)
        counts = interval_counts(((what, lo, hi, 1) for what, keyed in spans.items()
                                  for intervals in keyed.values() for lo, hi in _union(intervals)), days)
        return {ctx.at(day).memo_key(("collaborating", what)): counts.get((what, day), 0)
                for day in days for what in spans}

    return shared(ctx, "collaborating", days, compute)


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of day intervals ``[lo, hi)`` as disjoint intervals (so a key active through two
    collaborations on a day counts once)."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(interval for interval in intervals if interval[0] < interval[1]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def coordination_time(ctx: MetricContext) -> tuple[int, int]:
    """Collaborations started in the window, and the sum of their whole microseconds from start to
    last activity on ``D`` (capped at the end of ``D``), as integers (exact on every backend,
    where a sum of fractional epoch seconds as doubles depends on the order of the additions);
    remembered under ``("coordination_time",)`` (:func:`coordination_time_days` fills it)."""

    def compute() -> tuple[int, int]:
        start, end = ctx.bounds()
        table = ctx.table("collaborations")
        table = table.filter(table.started_at >= start, table.started_at < end)
        last = ibis.least(ibis.coalesce(table.last_activity_at, table.started_at), ibis.literal(ctx.end_of_day))
        ((count, micros),) = _rows(table.aggregate(
            count=table.count(), micros=last.delta(table.started_at, unit="microsecond").sum()))
        return int(count), int(micros or 0)

    return ctx.remember(("coordination_time",), compute)  # type: ignore[no-any-return]


def coordination_time_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`coordination_time` on each of ``days``, from one query grouping the collaborations
    started in the range by start day ``s`` and last activity day ``a``. Such a collaboration is
    in the windows ending on ``[s, s + window)``; on the days from ``a`` its time is its last
    activity minus its start, on the days before ``a`` the end of the day minus its start (so the
    sum there is ``count × end of day − sum of starts``)."""
    zone, length = ctx.settings.timezone, ctx.window.days
    first, last, start, end = window_span(ctx, days)
    table = ctx.table("collaborations")
    table = table.filter(table.started_at >= start, table.started_at < end)
    activity = ibis.coalesce(table.last_activity_at, table.started_at)
    grouped = table.group_by(
        since=day_number(table.started_at, first, last, zone), until=day_number(activity, first, last, zone),
    ).aggregate(
        count=table.count(),
        starts=table.started_at.delta(ibis.literal(start), unit="microsecond").sum(),
        micros=activity.delta(table.started_at, unit="microsecond").sum(),
    )
    rows: list[tuple[str, int, int, int]] = []
    for since, until, count, starts, micros in _rows(grouped):
        capped = min(until, since + length)
        rows += [("count", since, since + length, count), ("done", max(since, until), since + length, micros),
                 ("open", since, capped, count), ("starts", since, capped, starts)]
    counts = interval_counts(rows, days)
    known: Known = {}
    for day in days:
        end_of_day = (day_start_utc(day + timedelta(days=1), zone) - start) // timedelta(microseconds=1)
        part = {what: counts.get((what, day), 0) for what in ("count", "done", "open", "starts")}
        known[ctx.at(day).memo_key(("coordination_time",))] = (
            part["count"], part["done"] + part["open"] * end_of_day - part["starts"])
    return known


def avg_coordination_hours(ctx: MetricContext) -> Measurement:
    """Mean hours from a collaboration's start to its last activity on ``D``, over collaborations
    started in the window; undefined when none started."""
    count, micros = coordination_time(ctx)
    return ratio(Fraction(micros, 1_000_000 * 3600), count, "no collaboration started in the window")


def _spec(name: str, label: str, description: str, unit: str, definition: str, **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=extra.pop("direction", "higher"),
        family="coordination", kind="simple", grain="timeframe", definition=definition, source=SOURCE,
        requires=REQUIRES, **extra,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The coordination family's catalog entries."""
    vendor_text = ("A partner is a vendor when its type (partner_type, else its user_type) is known and is not "
                   "couple.")
    return [
        Metric(_spec("weddings_coordinated", "Weddings coordinated", "Clients with vendors collaborating.",
                     "count", "Distinct client_id of the collaborations active in the window. " + WINDOW_TEXT),
               weddings_coordinated, compute_days=days_via(collaborating_days, weddings_coordinated)),
        Metric(_spec("active_vendor_pairs", "Active vendor pairs", "Vendor pairs collaborating.", "count",
                     "Distinct unordered (vendor_id, partner_id) pairs, the partner a vendor, of the "
                     "collaborations active in the window; (a, b) and (b, a) are one pair. " + vendor_text
                     + " " + WINDOW_TEXT), active_vendor_pairs,
               compute_days=days_via(collaborating_days, active_vendor_pairs)),
        Metric(_spec("vendors_collaborating", "Vendors collaborating", "Vendors in active collaborations.",
                     "count", "Distinct vendors (every vendor_id, and partners that are vendors) of the "
                     "collaborations active in the window. " + vendor_text + " " + WINDOW_TEXT),
               vendors_collaborating, compute_days=days_via(collaborating_days, vendors_collaborating)),
        Metric(_spec("avg_coordination_hours", "Avg coordination time", "Mean hours from a collaboration's "
                     "start to its last activity.", "duration", "Mean hours from started_at to the last "
                     "activity (last_activity_at capped at the end of D, else started_at) over collaborations "
                     "started in the window; undefined when none started.", duration_unit="hours",
                     direction="lower"), avg_coordination_hours,
               compute_days=days_via(coordination_time_days, avg_coordination_hours)),
    ]
