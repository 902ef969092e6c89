"""Invitation metrics from ``invitations`` (METRICS.md, "Viral (invitations and the network)").

An invitation is *in the window* when its ``sent_at`` falls in the timeframe's instants; it is
*accepted* when ``accepted_at`` is set before the end of ``D``. An inviter's type is the
invitation's ``inviter_type``, else the inviter's ``user_type`` in ``users``. The network metrics
(``suppliers_per_couple`` …) are built on the connections of :mod:`northstar.metrics.network`;
:func:`viral_metrics` assembles the specification's ``ViralMetrics`` (seed 000).

Each metric asks for its intermediate results with :meth:`MetricContext.remember`; the ``*_days``
prefetches compute them for many days at once (``Metric.compute_days``, ``metrics/ranges.py``):
an invitation sent on day number ``s`` counts in the windows of ``L`` days ending on the days
``[s, s + L)``, and from its acceptance (or activation) day on, if later. Medians are taken per day
in Python over the few rows of the range.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import Window, parse_timeframe
from northstar.metrics.context import MetricContext
from northstar.metrics.network import (
    active_spans,
    network_totals,
    network_totals_days,
    overlap,
    registered_spans,
    rows_of,
    runs,
)
from northstar.metrics.ranges import Known, _rows, day_number, days_via, interval_counts, number_of, shared, window_span
from northstar.metrics.registry import USER_DIMENSIONS, Grain, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, json_number, measured, ratio, undefined

if TYPE_CHECKING:
    from northstar.metrics.service import MetricsService

SOURCE = "METRICS.md § Viral (invitations and the network)"
REQUIRES = ("invitations",)
NETWORK_REQUIRES = ("users", "events")
# How many periods ``k_factor_trend`` of :func:`viral_metrics` covers, the requested one last.
TREND_PERIODS = 8


@dataclass(frozen=True, slots=True)
class InvitationTotals:
    """Invitations sent in the window, how many of them were accepted by the end of ``D``, and the
    distinct inviters who sent them."""

    sent: int
    accepted: int
    inviters: int


def invitations(ctx: MetricContext) -> ir.Table:
    """Every invitation with ``inviter_kind`` (its inviter_type, else the inviter's user_type),
    restricted to inviters matching the filters."""
    sent = ctx.table("invitations")
    users = ctx.table("users").select(user_key="user_id", known_type="user_type")
    joined = sent.left_join(users, sent.inviter_id == users.user_key)
    joined = joined.select(
        *(joined[name] for name in sent.columns), inviter_kind=ibis.coalesce(joined.inviter_type, joined.known_type)
    )
    if ctx.filters:
        matching = ctx.users()
        joined = joined.semi_join(matching, joined.inviter_id == matching.user_id)
    return joined


def in_window(ctx: MetricContext, inviter_kind: str | None = None) -> ir.Table:
    """Invitations sent in the window (by inviters of ``inviter_kind`` when given)."""
    start, end = ctx.bounds()
    table = invitations(ctx)
    table = table.filter(table.sent_at >= start, table.sent_at < end)
    if inviter_kind is not None:
        table = table.filter(table.inviter_kind == inviter_kind)
    return table


def totals(ctx: MetricContext, inviter_kind: str | None = None) -> InvitationTotals:
    """:class:`InvitationTotals` of the window (remembered)."""
    return ctx.remember(("invitation_totals", inviter_kind), lambda: _totals(ctx, inviter_kind))


def _totals(ctx: MetricContext, inviter_kind: str | None) -> InvitationTotals:
    table = in_window(ctx, inviter_kind)
    accepted = table.accepted_at.notnull() & (table.accepted_at < ibis.literal(ctx.end_of_day))
    row = table.aggregate(
        sent=table.count(), accepted=ibis.ifelse(accepted, 1, 0).sum(), inviters=table.inviter_id.nunique()
    ).execute().iloc[0]
    sent = int(row["sent"])
    return InvitationTotals(sent, int(row["accepted"]) if sent else 0, int(row["inviters"]))


def invitations_sent(ctx: MetricContext) -> Measurement:
    """Invitations sent in the window."""
    return measured(totals(ctx).sent)


def invitations_accepted(ctx: MetricContext) -> Measurement:
    """Invitations sent in the window and accepted by the end of ``D``."""
    return measured(totals(ctx).accepted)


def invitation_conversion_rate(ctx: MetricContext) -> Measurement:
    """Accepted / sent, for invitations sent in the window; undefined when none was sent."""
    found = totals(ctx)
    return ratio(found.accepted, found.sent, "no invitations sent in the window")


def _k_factor(found: InvitationTotals, who: str) -> Measurement:
    if found.sent == 0:
        return undefined(f"no invitations sent{who} in the window")
    invites_per_inviter = Fraction(found.sent, found.inviters)
    conversion = Fraction(found.accepted, found.sent)
    return measured(exact(invites_per_inviter * conversion))


def k_factor(ctx: MetricContext) -> Measurement:
    """``(sent / distinct inviters) × (accepted / sent)`` over the window; undefined when none was sent."""
    return _k_factor(totals(ctx), "")


def k_factor_of(inviter_kind: str) -> Callable[[MetricContext], Measurement]:
    """:func:`k_factor` over the invitations whose inviter is of ``inviter_kind`` (the invitation's
    inviter_type, else the inviter's user_type); undefined when they sent none."""

    def compute(ctx: MetricContext) -> Measurement:
        return _k_factor(totals(ctx, inviter_kind), f" by {inviter_kind}s")

    return compute


def avg_invites_per_inviter(ctx: MetricContext) -> Measurement:
    """Invitations sent in the window / distinct inviters who sent them."""
    found = totals(ctx)
    return ratio(found.sent, found.inviters, "no invitations sent in the window")


def avg_invites_per_supplier(ctx: MetricContext) -> Measurement:
    """Invitations sent by suppliers in the window / distinct suppliers who sent at least one."""
    found = totals(ctx, "supplier")
    return ratio(found.sent, found.inviters, "no supplier sent an invitation in the window")


def avg_invites_per_couple(ctx: MetricContext) -> Measurement:
    """Invitations sent by couples in the window / distinct couples who sent at least one (the
    specification's ``couple_metrics.avg_suppliers_invited``)."""
    found = totals(ctx, "couple")
    return ratio(found.sent, found.inviters, "no couple sent an invitation in the window")


def connection_completion_rate(ctx: MetricContext) -> Measurement:
    """Of the invitations couples sent in the window, the share accepted by the end of ``D``: the
    connections couples asked for that were made."""
    found = totals(ctx, "couple")
    return ratio(found.accepted, found.sent, "no couple sent an invitation in the window")


def supplier_invite_rate(ctx: MetricContext) -> Measurement:
    """Registered suppliers who sent at least one invitation in the window / registered suppliers
    active in the window, where sending an invitation counts as activity (so the rate stays in
    ``[0, 1]`` when invitations are imported without matching events). Undefined without any."""

    def count() -> tuple[int, int]:
        suppliers = ctx.users("supplier")
        active = ctx.active_users(ctx.window)
        sent = in_window(ctx)
        senders = suppliers.semi_join(sent, suppliers.user_id == sent.inviter_id).select("user_id", sent_one=1)
        others = suppliers.semi_join(active, suppliers.user_id == active.uid).select("user_id", sent_one=0)
        both = senders.union(others, distinct=False)
        both = both.group_by("user_id").aggregate(sent_one=both.sent_one.max())
        row = both.aggregate(active=both.count(), inviting=both.sent_one.sum()).execute().iloc[0]
        active_count = int(row["active"])
        return (int(row["inviting"]) if active_count else 0), active_count

    inviting, active_count = ctx.remember(("supplier_invite_rate",), count)
    return ratio(inviting, active_count, "no active suppliers in the window")


def couple_activation_rate(ctx: MetricContext) -> Measurement:
    """Of the invitations to couples sent in the window (invitee_type, else the invitee's user_type,
    is couple), the share whose invitee activated (``activated_at``) by the end of ``D``. Counted
    per invitation: an invitee has no id until they sign up."""

    def count() -> tuple[int, int]:
        table = to_couples(ctx, in_window(ctx))
        activated = table.activated_at.notnull() & (table.activated_at < ibis.literal(ctx.end_of_day))
        row = table.aggregate(invited=table.count(), activated=ibis.ifelse(activated, 1, 0).sum()).execute().iloc[0]
        invited = int(row["invited"])
        return (int(row["activated"]) if invited else 0), invited

    activated, invited = ctx.remember(("couple_activation",), count)
    return ratio(activated, invited, "no couple invited in the window")


def to_couples(ctx: MetricContext, table: ir.Table) -> ir.Table:
    """The invitations of ``table`` to couples: invitee_type, else the invitee's user_type."""
    users = ctx.table("users").select(invitee_key="user_id", invitee_known_type="user_type")
    table = table.left_join(users, table.invitee_id == users.invitee_key)
    return table.filter(ibis.coalesce(table.invitee_type, table.invitee_known_type) == "couple")


def viral_cycle_time_days(ctx: MetricContext) -> Measurement:
    """Median days from an inviter's signup (coalesce(created_at, first_seen_at)) to their
    invitee's signup (the invitation's ``accepted_at``), over invitations sent in the window and
    accepted by the end of ``D`` whose inviter's signup is known."""

    def find() -> Fraction | None:
        table = in_window(ctx)
        table = table.filter(table.accepted_at.notnull(), table.accepted_at < ibis.literal(ctx.end_of_day))
        return median_of(seconds_after_signup(ctx, table, "accepted_at"))

    found = ctx.remember(("viral_cycle_seconds",), find)
    if found is None:
        return undefined("no invitation sent in the window has been accepted")
    return measured(exact(found / 86400))


def suppliers_per_couple(ctx: MetricContext) -> Measurement:
    """Mean number of suppliers an active couple is connected to (couples without any count as 0)."""
    found = network_totals(ctx)
    return ratio(found.couple_links, found.active_couples, "no active couples in the window")


def couples_per_supplier(ctx: MetricContext) -> Measurement:
    """Mean number of couples an active supplier is connected to (suppliers without any count as 0)."""
    found = network_totals(ctx)
    return ratio(found.supplier_links, found.active_suppliers, "no active suppliers in the window")


def cross_connection_rate(ctx: MetricContext) -> Measurement:
    """Active couples connected to two or more suppliers / active couples."""
    found = network_totals(ctx)
    return ratio(found.cross_connected_couples, found.active_couples, "no active couples in the window")


def network_density(ctx: MetricContext) -> Measurement:
    """Connections between active suppliers and active couples / (active suppliers × active couples)."""
    found = network_totals(ctx)
    return ratio(found.active_connections, found.active_suppliers * found.active_couples,
                 "no active supplier or no active couple in the window")


def time_to_first_invite_hours(ctx: MetricContext) -> Measurement:
    """Median hours from a supplier's signup to their first invitation, over suppliers whose first
    invitation (ever, up to the end of ``D``) falls in the window and whose signup is known."""
    start, end = ctx.bounds()

    def find() -> Fraction | None:
        first = first_invitations(ctx, end)
        return median_of(seconds_after_signup(ctx, first.filter(first.first_at >= start), "first_at"))

    found = ctx.remember(("first_invite_seconds",), find)
    if found is None:
        return undefined("no supplier sent a first invitation in the window")
    return measured(exact(found / 3600))


def first_invitations(ctx: MetricContext, end: datetime) -> ir.Table:
    """Per supplier inviter (the invitation's inviter kind), ``first_at``: their first invitation
    sent before ``end`` (naive UTC). Columns ``inviter_id, first_at``."""
    table = invitations(ctx)
    table = table.filter(table.inviter_kind == "supplier", table.sent_at < end)
    return table.group_by("inviter_id").aggregate(first_at=table.sent_at.min())


def seconds_after_signup(ctx: MetricContext, rows: ir.Table, instant: str) -> ir.Table:
    """``rows`` with ``seconds``: the seconds (a float, with the instants' fractions) from the signup
    (coalesce(created_at, first_seen_at)) of ``rows.inviter_id`` to ``rows[instant]``, for rows
    whose inviter's signup is known; the medians take them truncated toward zero (:func:`whole`)."""
    users = ctx.table("users")
    users = users.select(inviter_key="user_id", signup_at=ibis.coalesce(users.created_at, users.first_seen_at))
    joined = rows.join(users, rows.inviter_id == users.inviter_key)
    joined = joined.filter(joined.signup_at.notnull())
    # The backends' epoch seconds keep the fractions of a second whatever Ibis declares: a float.
    seconds = (joined[instant].epoch_seconds() - joined.signup_at.epoch_seconds()).cast("float64")
    return joined.mutate(seconds=seconds)


def whole(seconds: float) -> int:
    """``seconds`` truncated toward zero: the whole seconds the median of a duration counts."""
    return int(seconds)


def median_of(rows: ir.Table) -> Fraction | None:
    """Exact median of ``rows.seconds``; ``None`` without rows."""
    return median([whole(value) for value in rows.select("seconds").to_pyarrow().column(0).to_pylist()])


def median(values: list[int]) -> Fraction | None:
    """Exact median of ``values`` (the mean of the two middle ones for an even count); ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return Fraction(ordered[middle]) if len(ordered) % 2 else Fraction(ordered[middle - 1] + ordered[middle], 2)


# --- many days at once ----------------------------------------------------------------------------


def dated_invitations(ctx: MetricContext, first: date, last: date) -> ir.Table:
    """:func:`invitations` sent on reporting days ``[first, last]``, with the day numbers ``sent``,
    ``accepted`` and ``activated`` of their instants (null when unset; exact within the days, see
    :func:`northstar.metrics.ranges.day_number`)."""
    zone = ctx.settings.timezone
    start, end = Window(first, last + timedelta(days=1)).utc_bounds(zone)
    table = invitations(ctx)
    table = table.filter(table.sent_at >= start, table.sent_at < end)
    return table.mutate(sent=day_number(table.sent_at, first, last, zone),
                        accepted=day_number(table.accepted_at, first, last, zone),
                        activated=day_number(table.activated_at, first, last, zone))


def _known(ctx: MetricContext, key: tuple[object, ...], values: Mapping[date, object]) -> Known:
    """``values`` (day → the result remembered under ``key``) as the full memo keys of each day."""
    return {ctx.at(day).memo_key(key): value for day, value in values.items()}


def invitation_totals_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`totals` of every day of ``days``, for all inviters and for each inviter kind found
    (and suppliers and couples), from one grouped query over the invitations of the range: counts
    per (kind, sent day, accepted day), and the runs of sending days of each inviter, per kind and
    over all kinds."""

    def compute() -> Known:
        length = ctx.window.days
        first, last, _start, _end = window_span(ctx, days)
        table = dated_invitations(ctx, first, last)
        counts = table.group_by(["inviter_kind", "sent", "accepted"]).aggregate(n=table.count())
        by_kind = runs(table.select("inviter_kind", "inviter_id", day=table.sent).distinct(),
                       ["inviter_kind", "inviter_id"], length)
        every = runs(table.select("inviter_id", day=table.sent).distinct(), ["inviter_id"], length)
        parts = [
            counts.select(part=ibis.literal("counts"), kind="inviter_kind", a="sent", b="accepted", n="n"),
            by_kind.group_by(["inviter_kind", "lo", "hi"]).aggregate(n=by_kind.count()).select(
                part=ibis.literal("by_kind"), kind="inviter_kind", a="lo", b="hi", n="n"),
            every.group_by(["lo", "hi"]).aggregate(n=every.count()).select(
                part=ibis.literal("every"), kind=ibis.null("string"), a="lo", b="hi", n="n"),
        ]
        rows = _rows(ibis.union(*parts, distinct=False))
        sent: list[tuple[str | None, int, int, int]] = []
        accepted: list[tuple[str | None, int, int, int]] = []
        inviters: list[tuple[str | None, int, int, int]] = []
        for part, kind, a, b, n in rows:
            if part == "counts":
                for key in {None, kind}:  # every invitation counts for all inviters and for its kind
                    sent.append((key, a, a + length, n))
                    if b is not None:
                        accepted.append((key, max(a, b), a + length, n))
            elif part == "every" or kind is not None:
                inviters.append((kind, a, b, n))
        sums = [interval_counts(rows, days) for rows in (sent, accepted, inviters)]
        known: Known = {}
        for kind in {kind for _part, kind, *_ in rows} | {None, "supplier", "couple"}:
            found = {}
            for day in days:
                number = sums[0].get((kind, day), 0)
                found[day] = InvitationTotals(number, sums[1].get((kind, day), 0) if number else 0,
                                              sums[2].get((kind, day), 0))
            known.update(_known(ctx, ("invitation_totals", kind), found))
        return known

    return shared(ctx, "invitation_totals", days, compute)


def supplier_invite_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """The counts of :func:`supplier_invite_rate` on every day of ``days``, from one query: the
    day intervals on which a registered supplier has sent an invitation in the window, and, with
    the suppliers' :func:`active_spans`, those on which it is active or has sent one (the two
    counts, less the days it is both)."""

    def compute() -> Known:
        first, last, _start, _end = window_span(ctx, days)
        registered = registered_spans(ctx, first, last)
        suppliers = registered.filter(registered.user_type == "supplier")
        table = dated_invitations(ctx, first, last)
        sends = table.select(uid=table.inviter_id, day=table.sent).distinct()
        sends = sends.semi_join(suppliers, sends.uid == suppliers.user_id)
        sending = runs(sends, ["uid"], ctx.window.days)
        sending = sending.join(suppliers, sending.uid == suppliers.user_id)
        sending = sending.select("uid", lo=ibis.greatest(sending.lo, sending.since),
                                 hi=ibis.least(sending.hi, sending.until))
        sending = sending.filter(sending.lo < sending.hi)
        active = active_spans(ctx, days)
        active = active.filter(active.user_type == "supplier").select(active_uid="uid", active_lo="lo",
                                                                      active_hi="hi")
        both = sending.join(active, sending.uid == active.active_uid)
        parts = {
            "inviting": sending.select("lo", "hi"),
            "active": active.select(lo="active_lo", hi="active_hi"),
            "both": overlap(both, [both.lo, both.active_lo], [both.hi, both.active_hi]),
        }
        grouped = [spans.group_by(["lo", "hi"]).aggregate(n=spans.count()).mutate(part=ibis.literal(name))
                   for name, spans in parts.items()]
        counts = interval_counts(((part, lo, hi, n) for lo, hi, n, part in
                                  rows_of(ctx, ibis.union(*grouped, distinct=False))), days)
        found = {}
        for day in days:
            inviting = counts.get(("inviting", day), 0)
            active_count = counts.get(("active", day), 0) + inviting - counts.get(("both", day), 0)
            found[day] = (inviting if active_count else 0), active_count
        return _known(ctx, ("supplier_invite_rate",), found)

    return shared(ctx, "supplier_invite", days, compute)


def couple_activation_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """The counts of :func:`couple_activation_rate` on every day of ``days``, from one query:
    invitations to couples per (sent day, activation day)."""

    def compute() -> Known:
        length = ctx.window.days
        table = to_couples(ctx, dated_invitations(ctx, *window_span(ctx, days)[:2]))
        rows = _rows(table.group_by(["sent", "activated"]).aggregate(n=table.count()))
        invited = interval_counts((("invited", on, on + length, n) for on, _, n in rows), days)
        activated = interval_counts((("activated", max(on, done), on + length, n)
                                     for on, done, n in rows if done is not None), days)
        found = {}
        for day in days:
            number = invited.get(("invited", day), 0)
            found[day] = (activated.get(("activated", day), 0) if number else 0), number
        return _known(ctx, ("couple_activation",), found)

    return shared(ctx, "couple_activation", days, compute)


def _window_medians(rows: list[tuple[int, int, float]], days: Sequence[date], length: int) -> dict[
        date, Fraction | None]:
    """Per day of ``days``: the :func:`median` of :func:`whole` ``seconds`` over the rows ``(on, since, seconds)``
    whose day number ``on`` is in the ``length`` days ending then and ``since`` is not after it."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for on, since, seconds in rows:
        by_day.setdefault(on, []).append((since, whole(seconds)))
    found = {}
    for day in days:
        number = number_of(day)
        found[day] = median([seconds for on in range(number - length + 1, number + 1)
                             for since, seconds in by_day.get(on, ()) if since <= number])
    return found


def first_invite_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """The median of :func:`time_to_first_invite_hours` (seconds) on every day of ``days``: one
    query for the supplier inviters whose first invitation is in the range (a first invitation
    before the end of a later day is the same one), the medians per day here."""

    def compute() -> Known:
        first, last, start, end = window_span(ctx, days)
        firsts = first_invitations(ctx, end)
        rows = seconds_after_signup(ctx, firsts.filter(firsts.first_at >= start), "first_at")
        on = day_number(rows.first_at, first, last, ctx.settings.timezone)
        found = _rows(rows.select(on=on, since=on, seconds=rows.seconds))
        return _known(ctx, ("first_invite_seconds",), _window_medians(found, days, ctx.window.days))

    return shared(ctx, "first_invite", days, compute)


def viral_cycle_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """The median of :func:`viral_cycle_time_days` (seconds) on every day of ``days``: one query
    for the accepted invitations sent in the range, the medians per day here."""

    def compute() -> Known:
        table = dated_invitations(ctx, *window_span(ctx, days)[:2])
        rows = seconds_after_signup(ctx, table.filter(table.accepted.notnull()), "accepted_at")
        found = _rows(rows.select("sent", "accepted", "seconds"))
        return _known(ctx, ("viral_cycle_seconds",), _window_medians(found, days, ctx.window.days))

    return shared(ctx, "viral_cycle", days, compute)


def _spec(name: str, label: str, description: str, unit: str, kind: str, definition: str,
          grain: Grain = "timeframe", **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=extra.pop("direction", "higher"),
        family="viral", kind=kind, grain=grain, dimensions=extra.pop("dimensions", USER_DIMENSIONS),
        definition=definition, source=extra.pop("source", SOURCE), requires=extra.pop("requires", REQUIRES), **extra,
    )


# Per-type and network metrics fix the user types they look at, so they split by traits only.
TRAIT_DIMENSIONS = ("user_traits",)
NETWORK: dict[str, object] = {"dimensions": TRAIT_DIMENSIONS, "requires": NETWORK_REQUIRES,
                              "reads": ("invitations", "collaborations")}
CONNECTION_TEXT = (
    "A connection is a distinct supplier–couple pair of registered users linked by an invitation accepted "
    "by the end of D (either direction) or by collaborations on the same client started by then; active = "
    "a qualifying event in the window."
)


def metrics(settings: Settings) -> list[Metric]:
    """The viral family's catalog entries."""
    return [
        Metric(_spec("invitations_sent", "Invitations sent", "Invitations sent in the period.", "count", "simple",
                     "Invitations whose sent_at falls in the window.", additive=True), invitations_sent,
               compute_days=days_via(invitation_totals_days, invitations_sent)),
        Metric(_spec("invitations_accepted", "Invitations accepted", "Of those sent in the period, accepted.",
                     "count", "simple", "Invitations sent in the window and accepted (accepted_at) by the end "
                     "of D."), invitations_accepted,
               compute_days=days_via(invitation_totals_days, invitations_accepted)),
        Metric(_spec("invitation_conversion_rate", "Invitation conversion", "Share of invitations accepted.",
                     "rate", "ratio", "Accepted / sent, for invitations sent in the window; undefined when none "
                     "was sent."), invitation_conversion_rate,
               compute_days=days_via(invitation_totals_days, invitation_conversion_rate)),
        Metric(_spec("k_factor", "K-factor", "Viral coefficient.", "ratio", "derived",
                     "(invitations sent / distinct inviters) × invitation_conversion_rate over the window; "
                     "undefined when none was sent.", benchmark="Above 1.0 the network grows by itself."),
               k_factor, compute_days=days_via(invitation_totals_days, k_factor)),
        Metric(_spec("avg_invites_per_inviter", "Invites per inviter", "Invitations per user who sent one.",
                     "ratio", "ratio", "Invitations sent in the window / distinct inviters who sent them (the "
                     "first factor of k_factor; the specification's avg_invites_per_user).",
                     source="seed 000 MetricsOverview.avg_invites_per_user, METRICS.md § Viral k_factor"),
               avg_invites_per_inviter, compute_days=days_via(invitation_totals_days, avg_invites_per_inviter)),
        Metric(_spec("avg_invites_per_supplier", "Invites per supplier", "Invitations per inviting supplier.",
                     "ratio", "ratio", "Invitations sent by suppliers in the window / distinct suppliers who "
                     "sent at least one."), avg_invites_per_supplier,
               compute_days=days_via(invitation_totals_days, avg_invites_per_supplier)),
        Metric(_spec("time_to_first_invite_hours", "Time to first invite", "Median hours from signup to the "
                     "first invitation.", "duration", "simple", "Median hours from a supplier's signup "
                     "(coalesce(created_at, first_seen_at)) to their first invitation, over suppliers whose "
                     "first invitation falls in the window.", duration_unit="hours", direction="lower"),
               time_to_first_invite_hours, compute_days=days_via(first_invite_days, time_to_first_invite_hours)),
        Metric(_spec("k_factor_supplier", "K-factor (suppliers)", "Viral coefficient of supplier inviters.",
                     "ratio", "derived", "k_factor over the invitations sent in the window by suppliers "
                     "(inviter_type, else the inviter's user_type); undefined when they sent none.",
                     dimensions=TRAIT_DIMENSIONS), k_factor_of("supplier"),
               compute_days=days_via(invitation_totals_days, k_factor_of("supplier"))),
        Metric(_spec("k_factor_couple", "K-factor (couples)", "Viral coefficient of couple inviters.",
                     "ratio", "derived", "k_factor over the invitations sent in the window by couples "
                     "(inviter_type, else the inviter's user_type); undefined when they sent none.",
                     dimensions=TRAIT_DIMENSIONS), k_factor_of("couple"),
               compute_days=days_via(invitation_totals_days, k_factor_of("couple"))),
        Metric(_spec("supplier_invite_rate", "Supplier invite rate", "Share of active suppliers who invite.",
                     "rate", "ratio", "Registered suppliers who sent at least one invitation in the window / "
                     "registered suppliers active in the window, sending an invitation counting as activity "
                     "(keeps the rate in [0, 1]); undefined without active suppliers.",
                     requires=(*REQUIRES, "users"), reads=("events",)), supplier_invite_rate,
               compute_days=days_via(supplier_invite_days, supplier_invite_rate)),
        Metric(_spec("couple_activation_rate", "Couple activation rate", "Share of invited couples who "
                     "activated.", "rate", "ratio", "Invitations to couples (invitee_type, else the invitee's "
                     "user_type) sent in the window whose invitee activated (activated_at) by the end of D / "
                     "those invitations; counted per invitation, as an invitee has no id before signing up."),
               couple_activation_rate, compute_days=days_via(couple_activation_days, couple_activation_rate)),
        Metric(_spec("avg_invites_per_couple", "Invites per couple", "Invitations per inviting couple.",
                     "ratio", "ratio", "Invitations sent by couples in the window / distinct couples who sent "
                     "at least one (the specification's couple_metrics.avg_suppliers_invited)."),
               avg_invites_per_couple, compute_days=days_via(invitation_totals_days, avg_invites_per_couple)),
        Metric(_spec("connection_completion_rate", "Connection completion", "Share of couples' invitations "
                     "accepted.", "rate", "ratio", "Invitations sent by couples in the window and accepted by "
                     "the end of D / invitations sent by couples in the window (the specification's "
                     "couple_metrics.connection_completion_rate)."), connection_completion_rate,
               compute_days=days_via(invitation_totals_days, connection_completion_rate)),
        Metric(_spec("viral_cycle_time_days", "Viral cycle time", "Median days from an inviter's signup to "
                     "their invitee's.", "duration", "simple", "Median days from the inviter's signup "
                     "(coalesce(created_at, first_seen_at)) to the invitee's signup (accepted_at), over "
                     "invitations sent in the window and accepted by the end of D.", duration_unit="days",
                     direction="lower"), viral_cycle_time_days,
               compute_days=days_via(viral_cycle_days, viral_cycle_time_days)),
        Metric(_spec("suppliers_per_couple", "Suppliers per couple", "Suppliers an active couple is "
                     "connected to.", "ratio", "ratio", "Mean number of distinct suppliers each couple active "
                     "in the window is connected to. " + CONNECTION_TEXT, **NETWORK),
               suppliers_per_couple, compute_days=days_via(network_totals_days, suppliers_per_couple)),
        Metric(_spec("couples_per_supplier", "Couples per supplier", "Couples an active supplier is "
                     "connected to.", "ratio", "ratio", "Mean number of distinct couples each supplier active "
                     "in the window is connected to. " + CONNECTION_TEXT, **NETWORK),
               couples_per_supplier, compute_days=days_via(network_totals_days, couples_per_supplier)),
        Metric(_spec("cross_connection_rate", "Cross-connection rate", "Share of active couples with 2+ "
                     "suppliers.", "rate", "ratio", "Couples active in the window connected to two or more "
                     "suppliers / couples active in the window. " + CONNECTION_TEXT, **NETWORK),
               cross_connection_rate, compute_days=days_via(network_totals_days, cross_connection_rate)),
        Metric(_spec("network_density", "Network density", "Share of possible supplier–couple connections "
                     "made.", "rate", "ratio", "Connections between suppliers and couples both active in the "
                     "window / (active suppliers × active couples). " + CONNECTION_TEXT, **NETWORK),
               network_density, compute_days=days_via(network_totals_days, network_density)),
    ]


# ViralMetrics section → field → catalog metric (seed 000).
VIRAL_FIELDS: dict[str, dict[str, str]] = {
    "supplier_metrics": {
        "active_inviters_percentage": "supplier_invite_rate",
        "avg_invites_per_supplier": "avg_invites_per_supplier",
        "time_to_first_invite_hours": "time_to_first_invite_hours",
    },
    "couple_metrics": {
        "activation_rate": "couple_activation_rate",
        "avg_suppliers_invited": "avg_invites_per_couple",
        "connection_completion_rate": "connection_completion_rate",
    },
    "network_effects": {
        "suppliers_per_couple": "suppliers_per_couple",
        "couples_per_supplier": "couples_per_supplier",
        "cross_connection_rate": "cross_connection_rate",
        "network_density": "network_density",
    },
}


def viral_metrics(service: MetricsService, day: date, timeframe: str) -> dict[str, object]:
    """The specification's ``ViralMetrics`` (seed 000) on reporting ``day`` over ``timeframe``.

    Returns ``{"date", "timeframe", "k_factor", "k_factor_trend", "supplier_metrics": {...},
    "couple_metrics": {...}, "network_effects": {...}, "reasons": {...}}``: values are JSON numbers
    (rates as fractions in ``[0, 1]``, so ``active_inviters_percentage`` is a fraction too;
    durations in hours) or ``None``;
    ``k_factor_trend`` is ``k_factor`` over the :data:`TREND_PERIODS` consecutive periods of
    ``timeframe`` ending on ``day``, oldest first; ``reasons`` maps the dotted path of every
    ``None`` (``network_effects.network_density``, ``k_factor_trend.3``) to why it is undefined.
    Raises :class:`northstar.domain.errors.InvalidInput` for a bad timeframe.
    """
    reasons: dict[str, str] = {}

    def value(path: str, name: str, on: date = day) -> float | int | None:
        result = service.compute(name, on, timeframe)
        if result.reason is not None:
            reasons[path] = result.reason
        return json_number(result.value)

    days = parse_timeframe(timeframe)
    shape: dict[str, object] = {
        "date": day.isoformat(),
        "timeframe": timeframe,
        "k_factor": value("k_factor", "k_factor"),
        "k_factor_trend": [
            value(f"k_factor_trend.{index}", "k_factor", day - timedelta(days=days * (TREND_PERIODS - 1 - index)))
            for index in range(TREND_PERIODS)
        ],
    }
    for section, fields in VIRAL_FIELDS.items():
        shape[section] = {field: value(f"{section}.{field}", name) for field, name in fields.items()}
    shape["reasons"] = reasons
    return shape
