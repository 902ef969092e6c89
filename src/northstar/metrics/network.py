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

On many days at once (:func:`network_totals_days`), a connection is an interval of day numbers
(from the day its pair is first linked while both ends are registered, to the first day one end
is not), and a user's activity in windows of ``L`` days is a set of *runs*: maximal intervals of
days whose window holds one of the user's active days (:func:`runs`). Every total is then a count
of intervals holding the day (:func:`northstar.metrics.ranges.interval_counts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import Known, day_number, interval_counts, number_of, shared, window_span


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


# --- many days at once ----------------------------------------------------------------------------


def runs(day_rows: ir.Table, keys: Sequence[str], length: int) -> ir.Table:
    """The runs of ``day_rows`` (distinct ``(*keys, day)``, ``day`` a day number): per ``keys``,
    the maximal day intervals ``[lo, hi)`` on each day of which the ``length`` days ending then hold
    a ``day`` of the row's keys. Columns ``*keys, lo, hi``.

    A day ``e`` counts on the days ``[e, e + length)``; two days further apart than ``length``
    leave a gap between their intervals, so a run starts at each such day."""
    order = ibis.window(group_by=[day_rows[key] for key in keys], order_by=day_rows.day)
    previous = day_rows.day.lag().over(order)
    marked = day_rows.mutate(starts=ibis.ifelse(previous.isnull() | (day_rows.day - previous > length), 1, 0))
    running = ibis.cumulative_window(group_by=[marked[key] for key in keys], order_by=marked.day)
    marked = marked.mutate(run=marked.starts.sum().over(running))
    return marked.group_by([*keys, "run"]).aggregate(lo=marked.day.min(), hi=marked.day.max() + length).drop("run")


def registered_spans(ctx: MetricContext, first: date, last: date) -> ir.Table:
    """Suppliers and couples with the day numbers ``[since, until)`` on whose ends they are
    registered (:meth:`MetricContext.users`), exact within ``[first, last]`` (``until`` is
    ``number_of(last) + 1`` for users never deleted). Columns ``user_id, user_type, since, until``."""
    zone = ctx.settings.timezone
    users = ctx.table("users")
    signup = ibis.coalesce(users.created_at, users.first_seen_at)
    users = users.filter(signup.notnull(), users.user_type.isin(["supplier", "couple"]))
    return users.select(
        "user_id", "user_type", since=day_number(signup, first, last, zone),
        until=day_number(users.deleted_at, first, last, zone).fill_null(number_of(last) + 1),
    )


def fetched(ctx: MetricContext, table: ir.Table) -> ir.Table:
    """``table``, executed once on ``ctx``'s backend, as an in-memory table: a part several
    queries (or several parts of one query) read, which the backends would otherwise recompute."""
    return ibis.memtable(ctx.backend.to_pyarrow(table))


def rows_of(ctx: MetricContext, table: ir.Table) -> list[tuple[Any, ...]]:
    """The rows of ``table`` executed on ``ctx``'s backend (``table`` may read in-memory tables only)."""
    return [tuple(row.values()) for row in ctx.backend.to_pyarrow(table).to_pylist()]


def active_spans(ctx: MetricContext, days: Sequence[date]) -> ir.Table:
    """Registered suppliers and couples active in the windows of ``ctx``'s length ending on
    ``days``: ``uid, user_type, lo, hi``, the day intervals on which the user is registered and has
    a qualifying event in the window (disjoint per user). One scan of the range's events, kept in
    memory for the range and length (:func:`fetched`)."""

    def compute() -> Known:
        zone, length = ctx.settings.timezone, ctx.window.days
        first, last, start, end = window_span(ctx, days)
        registered = registered_spans(ctx, first, last)
        events = ctx.qualifying_events(start, end)
        user_days = events.select(uid=events.uid, day=day_number(events.timestamp, first, last, zone)).distinct()
        user_days = user_days.join(registered, user_days.uid == registered.user_id)
        user_days = user_days.select("uid", "user_type", "since", "until", "day")
        spans = runs(user_days, ["uid", "user_type", "since", "until"], length)
        spans = spans.select("uid", "user_type", lo=ibis.greatest(spans.lo, spans.since),
                             hi=ibis.least(spans.hi, spans.until))
        return {("active_spans",): fetched(ctx, spans.filter(spans.lo < spans.hi))}

    found: ir.Table = shared(ctx, "active_spans", days, compute)[("active_spans",)]
    return found


def overlap(table: ir.Table, los: Sequence[ir.IntegerValue], his: Sequence[ir.IntegerValue]) -> ir.Table:
    """``lo, hi``: the intersection of the intervals ``[los[i], his[i])``, kept when not empty."""
    spans = table.select(lo=ibis.greatest(*los), hi=ibis.least(*his))
    return spans.filter(spans.lo < spans.hi)


def _link_days(ctx: MetricContext, first: date, last: date) -> ir.Table:
    """Every pair ``(a, b)`` of :func:`_linked_pairs` by the end of ``last``, in both orders, with
    ``on``: the day number from which it is linked (an acceptance, or the later of the two parties'
    first collaborations on a shared client)."""
    zone = ctx.settings.timezone
    end = ibis.literal(Window(first, last + timedelta(days=1)).utc_bounds(zone)[1])
    sent = ctx.table("invitations")
    sent = sent.filter(sent.invitee_id.notnull(), sent.accepted_at.notnull(), sent.accepted_at < end)
    invited = sent.select(a=sent.inviter_id.cast("string"), b=sent.invitee_id.cast("string"),
                          on=day_number(sent.accepted_at, first, last, zone))

    worked = ctx.table("collaborations")
    worked = worked.filter(worked.started_at < end)
    started = day_number(worked.started_at, first, last, zone)
    parties = worked.select("client_id", party=worked.vendor_id.cast("string"), on=started).union(
        worked.select("client_id", party=worked.partner_id.cast("string"), on=started), distinct=False
    )
    parties = parties.group_by(["client_id", "party"]).aggregate(on=parties.on.min())
    other = parties.view()
    shared_client = parties.join(other, parties.client_id == other.client_id)
    shared_client = shared_client.select(a=parties.party, b=other.party,
                                         on=ibis.greatest(parties.on, other.on))

    pairs = invited.union(shared_client, distinct=False)
    pairs = pairs.union(pairs.select(a=pairs.b, b=pairs.a, on=pairs.on), distinct=False)
    return pairs.group_by(["a", "b"]).aggregate(on=pairs.on.min())


def network_totals_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`network_totals` of every day of ``days`` (windows of ``ctx``'s length), from three
    queries: the users' :func:`active_spans`, the connections as day intervals, and the totals
    from them, with, per active couple, the day intervals on which it has two or more connections."""

    def compute() -> Known:
        first, last, _start, _end = window_span(ctx, days)
        registered = registered_spans(ctx, first, last)
        active = active_spans(ctx, days)
        couples = active.filter(active.user_type == "couple").select(couple=active.uid, c_lo=active.lo,
                                                                     c_hi=active.hi)
        suppliers = active.filter(active.user_type == "supplier").select(supplier=active.uid, s_lo=active.lo,
                                                                         s_hi=active.hi)

        pairs = _link_days(ctx, first, last)
        ends_s = registered.filter(registered.user_type == "supplier").select(
            supplier_id="user_id", s_since="since", s_until="until")
        ends_c = registered.filter(registered.user_type == "couple").select(
            couple_id="user_id", c_since="since", c_until="until")
        linked = pairs.join(ends_s, pairs.a == ends_s.supplier_id).join(ends_c, pairs.b == ends_c.couple_id)
        found = linked.select("supplier_id", "couple_id", lo=ibis.greatest(linked.on, linked.s_since, linked.c_since),
                              hi=ibis.least(linked.s_until, linked.c_until))
        found = fetched(ctx, found.filter(found.lo < found.hi))

        with_couple = found.join(couples, found.couple_id == couples.couple)
        with_supplier = found.join(suppliers, found.supplier_id == suppliers.supplier)
        with_both = with_couple.join(suppliers, with_couple.supplier_id == suppliers.supplier)

        changes = found.select("couple_id", day=found.lo, delta=ibis.literal(1, "int64")).union(
            found.select("couple_id", day=found.hi, delta=ibis.literal(-1, "int64")), distinct=False)
        changes = changes.group_by(["couple_id", "day"]).aggregate(delta=changes.delta.sum())
        order = ibis.window(group_by=changes.couple_id, order_by=changes.day)
        running = ibis.cumulative_window(group_by=changes.couple_id, order_by=changes.day)
        degrees = changes.select("couple_id", lo=changes.day, hi=changes.day.lead().over(order),
                                 degree=changes.delta.sum().over(running))
        crossed = degrees.filter(degrees.degree >= 2)
        crossed = crossed.join(couples, crossed.couple_id == couples.couple)

        parts = {
            "active_couples": couples.select(lo=couples.c_lo, hi=couples.c_hi),
            "active_suppliers": suppliers.select(lo=suppliers.s_lo, hi=suppliers.s_hi),
            "couple_links": overlap(with_couple, [with_couple.lo, with_couple.c_lo],
                                     [with_couple.hi, with_couple.c_hi]),
            "supplier_links": overlap(with_supplier, [with_supplier.lo, with_supplier.s_lo],
                                       [with_supplier.hi, with_supplier.s_hi]),
            "active_connections": overlap(with_both, [with_both.lo, with_both.c_lo, with_both.s_lo],
                                           [with_both.hi, with_both.c_hi, with_both.s_hi]),
            "cross_connected_couples": overlap(crossed, [crossed.lo, crossed.c_lo], [crossed.hi, crossed.c_hi]),
        }
        grouped = [spans.group_by(["lo", "hi"]).aggregate(n=spans.count()).mutate(part=ibis.literal(name))
                   for name, spans in parts.items()]
        counts = interval_counts(((part, lo, hi, n) for lo, hi, n, part in
                                  rows_of(ctx, ibis.union(*grouped, distinct=False))), days)
        known: Known = {}
        for day in days:
            found_on = {name: counts.get((name, day), 0) for name in parts}
            known[ctx.at(day).memo_key(("network_totals",))] = NetworkTotals(**found_on)
        return known

    return shared(ctx, "network_totals", days, compute)
