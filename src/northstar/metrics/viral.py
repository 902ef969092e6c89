"""Invitation metrics from ``invitations`` (METRICS.md, "Viral (invitations and the network)").

An invitation is *in the window* when its ``sent_at`` falls in the timeframe's instants; it is
*accepted* when ``accepted_at`` is set before the end of ``D``. An inviter's type is the
invitation's ``inviter_type``, else the inviter's ``user_type`` in ``users``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.registry import USER_DIMENSIONS, Grain, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, ratio, undefined

SOURCE = "METRICS.md § Viral (invitations and the network)"
REQUIRES = ("invitations",)


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


def k_factor(ctx: MetricContext) -> Measurement:
    """``(sent / distinct inviters) × (accepted / sent)`` over the window; undefined when none was sent."""
    found = totals(ctx)
    if found.sent == 0:
        return undefined("no invitations sent in the window")
    invites_per_inviter = Fraction(found.sent, found.inviters)
    conversion = Fraction(found.accepted, found.sent)
    return measured(exact(invites_per_inviter * conversion))


def avg_invites_per_inviter(ctx: MetricContext) -> Measurement:
    """Invitations sent in the window / distinct inviters who sent them."""
    found = totals(ctx)
    return ratio(found.sent, found.inviters, "no invitations sent in the window")


def avg_invites_per_supplier(ctx: MetricContext) -> Measurement:
    """Invitations sent by suppliers in the window / distinct suppliers who sent at least one."""
    found = totals(ctx, "supplier")
    return ratio(found.sent, found.inviters, "no supplier sent an invitation in the window")


def time_to_first_invite_hours(ctx: MetricContext) -> Measurement:
    """Median hours from a supplier's signup to their first invitation, over suppliers whose first
    invitation (ever, up to the end of ``D``) falls in the window and whose signup is known."""
    start, end = ctx.bounds()
    table = invitations(ctx)
    table = table.filter(table.inviter_kind == "supplier", table.sent_at < end)
    first = table.group_by("inviter_id").aggregate(first_at=table.sent_at.min())
    first = first.filter(first.first_at >= start)
    users = ctx.table("users")
    users = users.select("user_id", signup_at=ibis.coalesce(users.created_at, users.first_seen_at))
    joined = first.join(users, first.inviter_id == users.user_id)
    joined = joined.filter(joined.signup_at.notnull())
    seconds = joined.select(
        seconds=joined.first_at.epoch_seconds() - joined.signup_at.epoch_seconds()
    ).execute()["seconds"]
    if seconds.empty:
        return undefined("no supplier sent a first invitation in the window")
    return measured(exact(statistics.median(Fraction(int(value)) for value in seconds) / 3600))


def _spec(name: str, label: str, description: str, unit: str, kind: str, definition: str,
          grain: Grain = "timeframe", **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=extra.pop("direction", "higher"),
        family="viral", kind=kind, grain=grain, dimensions=USER_DIMENSIONS, definition=definition,
        source=extra.pop("source", SOURCE), requires=REQUIRES, **extra,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The viral family's catalog entries."""
    return [
        Metric(_spec("invitations_sent", "Invitations sent", "Invitations sent in the period.", "count", "simple",
                     "Invitations whose sent_at falls in the window."), invitations_sent),
        Metric(_spec("invitations_accepted", "Invitations accepted", "Of those sent in the period, accepted.",
                     "count", "simple", "Invitations sent in the window and accepted (accepted_at) by the end "
                     "of D."), invitations_accepted),
        Metric(_spec("invitation_conversion_rate", "Invitation conversion", "Share of invitations accepted.",
                     "rate", "ratio", "Accepted / sent, for invitations sent in the window; undefined when none "
                     "was sent."), invitation_conversion_rate),
        Metric(_spec("k_factor", "K-factor", "Viral coefficient.", "ratio", "derived",
                     "(invitations sent / distinct inviters) × invitation_conversion_rate over the window; "
                     "undefined when none was sent.", benchmark="Above 1.0 the network grows by itself."),
               k_factor),
        Metric(_spec("avg_invites_per_inviter", "Invites per inviter", "Invitations per user who sent one.",
                     "ratio", "ratio", "Invitations sent in the window / distinct inviters who sent them (the "
                     "first factor of k_factor; the specification's avg_invites_per_user).",
                     source="seed 000 MetricsOverview.avg_invites_per_user, METRICS.md § Viral k_factor"),
               avg_invites_per_inviter),
        Metric(_spec("avg_invites_per_supplier", "Invites per supplier", "Invitations per inviting supplier.",
                     "ratio", "ratio", "Invitations sent by suppliers in the window / distinct suppliers who "
                     "sent at least one."), avg_invites_per_supplier),
        Metric(_spec("time_to_first_invite_hours", "Time to first invite", "Median hours from signup to the "
                     "first invitation.", "duration", "simple", "Median hours from a supplier's signup "
                     "(coalesce(created_at, first_seen_at)) to their first invitation, over suppliers whose "
                     "first invitation falls in the window.", duration_unit="hours", direction="lower"),
               time_to_first_invite_hours),
    ]
