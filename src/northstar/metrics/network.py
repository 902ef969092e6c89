"""The supplier–couple network (METRICS.md, "Viral (invitations and the network)").

A *connection* is an unordered pair of one supplier and one couple, both registered users (the
``users`` table's ``user_type``; with filters, both must match them) by the end of ``D``, linked by

* an invitation between them, in either direction, accepted (``accepted_at``) before the end of
  ``D`` with a known ``invitee_id``; or
* collaborations on the same client: both are parties (``vendor_id`` or ``partner_id``) of
  collaborations on one ``client_id`` started before the end of ``D``.

A pair linked several times is one connection. The network metrics look at users *active in the
window* (a qualifying event in the timeframe's window): an active couple's degree is the number
of suppliers it is connected to, and the same for suppliers.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from northstar.metrics.context import MetricContext


@dataclass(frozen=True, slots=True)
class NetworkTotals:
    """The window's network: active couples and suppliers, the summed degrees of the active
    couples (``couple_links``) and of the active suppliers (``supplier_links``), the active couples
    connected to two or more suppliers, and the connections whose two ends are both active."""

    active_couples: int
    active_suppliers: int
    couple_links: int
    supplier_links: int
    cross_connected_couples: int
    active_connections: int


def _linked_pairs(ctx: MetricContext) -> ir.Table:
    """Every pair ``(a, b)`` of user ids linked by an accepted invitation or a shared client, in
    both orders, possibly repeated."""
    end = ibis.literal(ctx.end_of_day)
    sent = ctx.table("invitations")
    sent = sent.filter(sent.invitee_id.notnull(), sent.accepted_at.notnull(), sent.accepted_at < end)
    invited = sent.select(a=sent.inviter_id.cast("string"), b=sent.invitee_id.cast("string"))

    worked = ctx.table("collaborations")
    worked = worked.filter(worked.started_at < end)
    parties = worked.select("client_id", party=worked.vendor_id.cast("string")).union(
        worked.select("client_id", party=worked.partner_id.cast("string")), distinct=True
    )
    other = parties.view()
    shared = parties.join(other, parties.client_id == other.client_id)
    shared = shared.select(a=parties.party, b=other.party)

    pairs = invited.union(shared, distinct=False)
    return pairs.union(pairs.select(a=pairs.b, b=pairs.a), distinct=False)


def connections(ctx: MetricContext) -> ir.Table:
    """One row per connection at the end of ``D``: ``supplier_id``, ``couple_id``."""
    pairs = _linked_pairs(ctx)
    suppliers = ctx.users("supplier").select(supplier_id="user_id")
    couples = ctx.users("couple").select(couple_id="user_id")
    joined = pairs.join(suppliers, pairs.a == suppliers.supplier_id).join(couples, pairs.b == couples.couple_id)
    return joined.select("supplier_id", "couple_id").distinct()


def _active(ctx: MetricContext, user_type: str) -> ir.Table:
    """Registered users of ``user_type`` active in the window: one row per ``user_id``."""
    active = ctx.active_users(ctx.window)
    registered = ctx.users(user_type)
    return registered.semi_join(active, registered.user_id == active.uid).select("user_id")


def network_totals(ctx: MetricContext) -> NetworkTotals:
    """:class:`NetworkTotals` of the window (remembered per day, window and filters)."""
    return ctx.remember(("network_totals",), lambda: _network_totals(ctx))


def _network_totals(ctx: MetricContext) -> NetworkTotals:
    found = connections(ctx)
    couples = _active(ctx, "couple").select(active_couple="user_id")
    suppliers = _active(ctx, "supplier").select(active_supplier="user_id")
    marked = found.left_join(couples, found.couple_id == couples.active_couple)
    marked = marked.left_join(suppliers, marked.supplier_id == suppliers.active_supplier)
    marked = marked.select(
        "supplier_id", "couple_id",
        couple_on=ibis.ifelse(marked.active_couple.notnull(), 1, 0),
        supplier_on=ibis.ifelse(marked.active_supplier.notnull(), 1, 0),
    )
    links = marked.aggregate(
        couple_links=marked.couple_on.sum(),
        supplier_links=marked.supplier_on.sum(),
        active_connections=(marked.couple_on * marked.supplier_on).sum(),
    )
    active_couple_links = marked.filter(marked.couple_on == 1)
    degrees = active_couple_links.group_by("couple_id").aggregate(degree=active_couple_links.count())
    cross = degrees.aggregate(cross=ibis.ifelse(degrees.degree >= 2, 1, 0).sum())
    counts = couples.aggregate(active_couples=couples.count()).cross_join(
        suppliers.aggregate(active_suppliers=suppliers.count())
    )
    row = counts.cross_join(links).cross_join(cross).execute().iloc[0]

    def whole(name: str) -> int:
        value = row[name]
        return 0 if pd.isna(value) else int(value)

    return NetworkTotals(
        active_couples=whole("active_couples"), active_suppliers=whole("active_suppliers"),
        couple_links=whole("couple_links"), supplier_links=whole("supplier_links"),
        cross_connected_couples=whole("cross"), active_connections=whole("active_connections"),
    )
