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

from decimal import Decimal
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.registry import Metric, MetricSpec
from northstar.metrics.results import Measurement, measured, ratio

SOURCE = "METRICS.md § Coordination (vendor collaborations)"
REQUIRES = ("collaborations",)
WINDOW_TEXT = ("Collaborations active in the window: started before its end, with a last activity "
               "(last_activity_at, else started_at) at or after its start.")


def active_collaborations(ctx: MetricContext) -> ir.Table:
    """Collaborations active in the window, with ``partner_is_vendor`` (boolean)."""
    start, end = ctx.bounds()
    table = ctx.table("collaborations")
    users = ctx.table("users").select(partner_key="user_id", partner_known_type="user_type")
    table = table.filter(table.started_at < end, ibis.coalesce(table.last_activity_at, table.started_at) >= start)
    joined = table.left_join(users, table.partner_id == users.partner_key)
    partner_type = ibis.coalesce(joined.partner_type, joined.partner_known_type)
    return joined.select(
        *(joined[name] for name in table.columns),
        partner_is_vendor=partner_type.notnull() & (partner_type != "couple"),
    )


def weddings_coordinated(ctx: MetricContext) -> Measurement:
    """Distinct clients with at least one collaboration active in the window."""
    table = active_collaborations(ctx)
    return measured(int(ctx.scalar(table.client_id.nunique())))


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
    return measured(int(ctx.scalar(vendor_pairs(ctx).count())))


def vendors_collaborating(ctx: MetricContext) -> Measurement:
    """Distinct vendors of the window's collaborations: every ``vendor_id``, and every partner that
    is a vendor."""
    table = active_collaborations(ctx)
    vendors = table.select(vendor=table.vendor_id).union(
        table.filter(table.partner_is_vendor).select(vendor=table.partner_id), distinct=True
    )
    return measured(int(ctx.scalar(vendors.count())))


def avg_coordination_hours(ctx: MetricContext) -> Measurement:
    """Mean hours from a collaboration's start to its last activity on ``D``, over collaborations
    started in the window; undefined when none started."""
    start, end = ctx.bounds()
    table = ctx.table("collaborations")
    table = table.filter(table.started_at >= start, table.started_at < end)
    last = ibis.least(ibis.coalesce(table.last_activity_at, table.started_at), ibis.literal(ctx.end_of_day))
    seconds = last.epoch_seconds() - table.started_at.epoch_seconds()
    row = table.aggregate(count=table.count(), seconds=seconds.sum()).execute().iloc[0]
    count = int(row["count"])
    total = Fraction(Decimal(str(row["seconds"]))) if count else Fraction(0)
    return ratio(total / 3600, count, "no collaboration started in the window")


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
               weddings_coordinated),
        Metric(_spec("active_vendor_pairs", "Active vendor pairs", "Vendor pairs collaborating.", "count",
                     "Distinct unordered (vendor_id, partner_id) pairs, the partner a vendor, of the "
                     "collaborations active in the window; (a, b) and (b, a) are one pair. " + vendor_text
                     + " " + WINDOW_TEXT), active_vendor_pairs),
        Metric(_spec("vendors_collaborating", "Vendors collaborating", "Vendors in active collaborations.",
                     "count", "Distinct vendors (every vendor_id, and partners that are vendors) of the "
                     "collaborations active in the window. " + vendor_text + " " + WINDOW_TEXT),
               vendors_collaborating),
        Metric(_spec("avg_coordination_hours", "Avg coordination time", "Mean hours from a collaboration's "
                     "start to its last activity.", "duration", "Mean hours from started_at to the last "
                     "activity (last_activity_at capped at the end of D, else started_at) over collaborations "
                     "started in the window; undefined when none started.", duration_unit="hours",
                     direction="lower"), avg_coordination_hours),
    ]
