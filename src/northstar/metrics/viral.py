"""Invitation metrics from ``invitations`` (METRICS.md, "Viral (invitations and the network)").

An invitation is *in the window* when its ``sent_at`` falls in the timeframe's instants; it is
*accepted* when ``accepted_at`` is set before the end of ``D``. An inviter's type is the
invitation's ``inviter_type``, else the inviter's ``user_type`` in ``users``. The network metrics
(``suppliers_per_couple`` …) are built on the connections of :mod:`northstar.metrics.network`;
:func:`viral_metrics` assembles the specification's ``ViralMetrics`` (seed 000).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import parse_timeframe
from northstar.metrics.context import MetricContext
from northstar.metrics.network import network_totals
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
    table = in_window(ctx)
    users = ctx.table("users").select(invitee_key="user_id", invitee_known_type="user_type")
    table = table.left_join(users, table.invitee_id == users.invitee_key)
    table = table.filter(ibis.coalesce(table.invitee_type, table.invitee_known_type) == "couple")
    activated = table.activated_at.notnull() & (table.activated_at < ibis.literal(ctx.end_of_day))
    row = table.aggregate(invited=table.count(), activated=ibis.ifelse(activated, 1, 0).sum()).execute().iloc[0]
    invited = int(row["invited"])
    return ratio(int(row["activated"]) if invited else 0, invited, "no couple invited in the window")


def viral_cycle_time_days(ctx: MetricContext) -> Measurement:
    """Median days from an inviter's signup (coalesce(created_at, first_seen_at)) to their
    invitee's signup (the invitation's ``accepted_at``), over invitations sent in the window and
    accepted by the end of ``D`` whose inviter's signup is known."""
    table = in_window(ctx)
    table = table.filter(table.accepted_at.notnull(), table.accepted_at < ibis.literal(ctx.end_of_day))
    median = median_seconds_after_signup(ctx, table, "accepted_at")
    if median is None:
        return undefined("no invitation sent in the window has been accepted")
    return measured(exact(median / 86400))


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
    table = invitations(ctx)
    table = table.filter(table.inviter_kind == "supplier", table.sent_at < end)
    first = table.group_by("inviter_id").aggregate(first_at=table.sent_at.min())
    first = first.filter(first.first_at >= start)
    median = median_seconds_after_signup(ctx, first, "first_at")
    if median is None:
        return undefined("no supplier sent a first invitation in the window")
    return measured(exact(median / 3600))


def median_seconds_after_signup(ctx: MetricContext, rows: ir.Table, instant: str) -> Fraction | None:
    """Exact median of ``rows[instant]`` − the signup (coalesce(created_at, first_seen_at)) of
    ``rows.inviter_id``, in seconds, over rows whose inviter's signup is known; ``None`` without any."""
    users = ctx.table("users")
    users = users.select(inviter_key="user_id", signup_at=ibis.coalesce(users.created_at, users.first_seen_at))
    joined = rows.join(users, rows.inviter_id == users.inviter_key)
    joined = joined.filter(joined.signup_at.notnull())
    seconds = joined.select(
        seconds=joined[instant].epoch_seconds() - joined.signup_at.epoch_seconds()
    ).execute()["seconds"]
    return None if seconds.empty else statistics.median(Fraction(int(value)) for value in seconds)


def _spec(name: str, label: str, description: str, unit: str, kind: str, definition: str,
          grain: Grain = "timeframe", **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=extra.pop("direction", "higher"),
        family="viral", kind=kind, grain=grain, dimensions=extra.pop("dimensions", USER_DIMENSIONS),
        definition=definition, source=extra.pop("source", SOURCE), requires=extra.pop("requires", REQUIRES), **extra,
    )


# Per-type and network metrics fix the user types they look at, so they split by traits only.
TRAIT_DIMENSIONS = ("user_traits",)
NETWORK: dict[str, object] = {"dimensions": TRAIT_DIMENSIONS, "requires": NETWORK_REQUIRES}
CONNECTION_TEXT = (
    "A connection is a distinct supplier–couple pair of registered users linked by an invitation accepted "
    "by the end of D (either direction) or by collaborations on the same client started by then; active = "
    "a qualifying event in the window."
)


def metrics(settings: Settings) -> list[Metric]:
    """The viral family's catalog entries."""
    return [
        Metric(_spec("invitations_sent", "Invitations sent", "Invitations sent in the period.", "count", "simple",
                     "Invitations whose sent_at falls in the window.", additive=True), invitations_sent),
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
        Metric(_spec("k_factor_supplier", "K-factor (suppliers)", "Viral coefficient of supplier inviters.",
                     "ratio", "derived", "k_factor over the invitations sent in the window by suppliers "
                     "(inviter_type, else the inviter's user_type); undefined when they sent none.",
                     dimensions=TRAIT_DIMENSIONS), k_factor_of("supplier")),
        Metric(_spec("k_factor_couple", "K-factor (couples)", "Viral coefficient of couple inviters.",
                     "ratio", "derived", "k_factor over the invitations sent in the window by couples "
                     "(inviter_type, else the inviter's user_type); undefined when they sent none.",
                     dimensions=TRAIT_DIMENSIONS), k_factor_of("couple")),
        Metric(_spec("supplier_invite_rate", "Supplier invite rate", "Share of active suppliers who invite.",
                     "rate", "ratio", "Registered suppliers who sent at least one invitation in the window / "
                     "registered suppliers active in the window, sending an invitation counting as activity "
                     "(keeps the rate in [0, 1]); undefined without active suppliers.",
                     requires=(*REQUIRES, "users")), supplier_invite_rate),
        Metric(_spec("couple_activation_rate", "Couple activation rate", "Share of invited couples who "
                     "activated.", "rate", "ratio", "Invitations to couples (invitee_type, else the invitee's "
                     "user_type) sent in the window whose invitee activated (activated_at) by the end of D / "
                     "those invitations; counted per invitation, as an invitee has no id before signing up."),
               couple_activation_rate),
        Metric(_spec("avg_invites_per_couple", "Invites per couple", "Invitations per inviting couple.",
                     "ratio", "ratio", "Invitations sent by couples in the window / distinct couples who sent "
                     "at least one (the specification's couple_metrics.avg_suppliers_invited)."),
               avg_invites_per_couple),
        Metric(_spec("connection_completion_rate", "Connection completion", "Share of couples' invitations "
                     "accepted.", "rate", "ratio", "Invitations sent by couples in the window and accepted by "
                     "the end of D / invitations sent by couples in the window (the specification's "
                     "couple_metrics.connection_completion_rate)."), connection_completion_rate),
        Metric(_spec("viral_cycle_time_days", "Viral cycle time", "Median days from an inviter's signup to "
                     "their invitee's.", "duration", "simple", "Median days from the inviter's signup "
                     "(coalesce(created_at, first_seen_at)) to the invitee's signup (accepted_at), over "
                     "invitations sent in the window and accepted by the end of D.", duration_unit="days",
                     direction="lower"), viral_cycle_time_days),
        Metric(_spec("suppliers_per_couple", "Suppliers per couple", "Suppliers an active couple is "
                     "connected to.", "ratio", "ratio", "Mean number of distinct suppliers each couple active "
                     "in the window is connected to. " + CONNECTION_TEXT, **NETWORK),
               suppliers_per_couple),
        Metric(_spec("couples_per_supplier", "Couples per supplier", "Couples an active supplier is "
                     "connected to.", "ratio", "ratio", "Mean number of distinct couples each supplier active "
                     "in the window is connected to. " + CONNECTION_TEXT, **NETWORK),
               couples_per_supplier),
        Metric(_spec("cross_connection_rate", "Cross-connection rate", "Share of active couples with 2+ "
                     "suppliers.", "rate", "ratio", "Couples active in the window connected to two or more "
                     "suppliers / couples active in the window. " + CONNECTION_TEXT, **NETWORK),
               cross_connection_rate),
        Metric(_spec("network_density", "Network density", "Share of possible supplier–couple connections "
                     "made.", "rate", "ratio", "Connections between suppliers and couples both active in the "
                     "window / (active suppliers × active couples). " + CONNECTION_TEXT, **NETWORK),
               network_density),
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
