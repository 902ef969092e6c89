"""One user's journey on reporting day ``D`` (METRICS.md, "Onboarding and journeys"; seed 000's
``analyzeUserJourney``): time to first value, onboarding progress, engagement score, viral actions and
churn-risk score, each an :class:`Analysis` explained by its :class:`Factor` list.

Only data up to the end of ``D`` is seen; "the last 30 days" are the 30 reporting days ending ``D``.
Every score is a transparent points model (no learning): each factor earns ``points`` out of its
``weight`` by the rule in its ``explanation``; the score is the sum of the points.

- **Time to first value**: hours from signup to the first of: form created (``Form Created``),
  invitation sent (``invitations`` or an ``Invitation Sent`` event), client imported
  (``Client Imported``). Undefined until one happens.
- **Onboarding progress**: the share of :data:`~northstar.metrics.milestones.MILESTONES` achieved
  (reached within their deadline); each milestone is a factor with its hours from signup.
- **Engagement score** (0–100): recency 30 (``30 − days since the last active day``, at least 0),
  frequency 30 (1 per active day in the last 30), sessions 10 (1 per session started in the last 30
  days, up to 10), session length 10 (half a point per minute of mean session duration, up to 20
  minutes), feature breadth 20 (share of declared features used in the last 30 days × 20).
- **Viral actions**: invitations sent by the user (``invitations`` rows), accepted and activated by
  the end of ``D``, and collaborations the user is part of (as vendor or partner).
- **Churn-risk score** (0–100): inactivity 40 (never active or 30+ days since the last active day 40,
  14–29 days 25, 7–13 days 10), decline 20 (active days in the last 14 days against the 14 before:
  ``20 × (previous − recent) / previous`` when fewer), subscription 30 (state of the user's most
  recently changed subscription: canceled 30, past_due 20, trialing with its ``period_end`` (the
  trial's end, when imported) before 7 days after ``D`` 10), support 10 (5 per ticket still
  unresolved at the end of ``D``, up to 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir

from northstar.domain.errors import InvalidInput
from northstar.domain.time import Window, reporting_day
from northstar.metrics.context import MetricContext
from northstar.metrics.milestones import INVITATION_SENT, MILESTONES, Milestone, occurrences
from northstar.metrics.results import Value, exact
from northstar.metrics.service import MetricsService
from northstar.metrics.sessions import MICROSECONDS_PER_MINUTE, session_totals

FIRST_VALUE_STEPS: tuple[str, ...] = ("Form Created", INVITATION_SENT, "Client Imported")
RECENT_DAYS = 30
TRIAL_ENDING_DAYS = 7

FactorValue = Value | str | None


@dataclass(frozen=True, slots=True)
class Factor:
    """One input of an analysis: its ``value`` in ``unit`` (``None`` when it does not exist yet), the
    ``points`` it contributes out of ``weight`` (both ``None`` when the analysis is not a score) and
    the ``explanation`` of the value and the rule."""

    factor: str
    value: FactorValue
    unit: str
    points: Decimal | None
    weight: int | None
    explanation: str


@dataclass(frozen=True, slots=True)
class Analysis:
    """One part of a journey: its ``value`` in ``unit`` (``None`` when undefined), the rule as
    ``explanation``, and the factors it is computed from."""

    value: Value | None
    unit: str
    explanation: str
    factors: tuple[Factor, ...]


@dataclass(frozen=True, slots=True)
class Journey:
    """User ``user_id``'s journey on reporting day ``day``; ``signup_at`` is naive UTC."""

    user_id: str
    user_type: str | None
    day: date
    signup_at: datetime
    time_to_first_value: Analysis
    onboarding: Analysis
    engagement: Analysis
    viral_actions: Analysis
    churn_risk: Analysis


@dataclass(frozen=True, slots=True)
class _Activity:
    """The user's activity seen from ``D``: last active reporting day, active reporting days in the
    last 30, the declared features used in them, and sessions started in them."""

    last_active: date | None
    active_days: frozenset[date]
    features_used: frozenset[str]
    sessions: int
    session_microseconds: int


def user_journey(service: MetricsService, user_id: str, day: date) -> Journey:
    """The journey of ``user_id`` (registered by the end of ``day`` and not deleted) on ``day``.

    Raises :class:`InvalidInput` (field ``user_id``) for an unknown user. About ten small queries,
    each restricted to this user.
    """
    if not user_id:
        raise InvalidInput("user_id", "must not be empty")
    ctx = MetricContext(service.store.reader(), service.settings, day, Window.ending_on(day, RECENT_DAYS),
                        filters={"user_id": user_id})
    found = _rows(ctx.users().select("user_type", "signup_at"))
    if not found:
        raise InvalidInput("user_id", f"unknown user {user_id!r} on {day}")
    user_type, signup_at = found[0]["user_type"], found[0]["signup_at"]
    firsts = _first_steps(ctx, {step for milestone in MILESTONES for step in milestone.steps} | set(FIRST_VALUE_STEPS))
    activity = _activity(ctx)
    return Journey(
        user_id=user_id, user_type=user_type, day=day, signup_at=signup_at,
        time_to_first_value=_time_to_first_value(signup_at, firsts),
        onboarding=_onboarding(ctx, signup_at, firsts),
        engagement=_engagement(ctx, activity),
        viral_actions=_viral_actions(ctx, user_id),
        churn_risk=_churn_risk(ctx, user_id, activity),
    )


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    """``expr``'s rows as dicts of Python values (datetimes, ``None`` for NULL)."""
    return expr.to_pyarrow().to_pylist()


def _seconds(start: datetime, end: datetime) -> int:
    """Whole seconds from ``start`` to ``end`` (both truncated to the second, as the milestone metrics
    count them), at least 0."""
    return max((end.replace(microsecond=0) - start.replace(microsecond=0)) // timedelta(seconds=1), 0)


def _hours(start: datetime, end: datetime) -> Decimal:
    """:func:`_seconds` in hours."""
    return exact(Fraction(_seconds(start, end), 3600))


def _first_steps(ctx: MetricContext, steps: set[str]) -> dict[str, datetime]:
    """The first instant the user did each of ``steps`` (steps never done are absent). One query."""
    ordered = sorted(steps)
    union = None
    for step in ordered:
        found = occurrences(ctx, step).select("at", step=ibis.literal(step))
        union = found if union is None else union.union(found, distinct=False)
    grouped = union.group_by("step").aggregate(first_at=union.at.min())
    return {row["step"]: row["first_at"] for row in _rows(grouped)}


def _time_to_first_value(signup_at: datetime, firsts: dict[str, datetime]) -> Analysis:
    factors = tuple(
        Factor(step, _hours(signup_at, firsts[step]) if step in firsts else None, "hours", None, None,
               f"first {step} {_hours(signup_at, firsts[step]):.1f} h after signup, at {firsts[step]} UTC"
               if step in firsts else f"no {step} yet")
        for step in FIRST_VALUE_STEPS
    )
    reached = [factor.value for factor in factors if factor.value is not None]
    return Analysis(min(reached) if reached else None, "hours",
                    "Hours from signup to the first of: " + ", ".join(FIRST_VALUE_STEPS) + "; undefined until one "
                    "happens.", factors)


def _onboarding(ctx: MetricContext, signup_at: datetime, firsts: dict[str, datetime]) -> Analysis:
    factors = tuple(_milestone_factor(ctx, milestone, signup_at, firsts) for milestone in MILESTONES)
    achieved = sum(int(factor.points or 0) for factor in factors)
    return Analysis(exact(Fraction(achieved, len(MILESTONES))), "rate",
                    "Share of the onboarding milestones achieved (reached within their deadline) by the end of D.",
                    factors)


def _milestone_factor(ctx: MetricContext, milestone: Milestone, signup_at: datetime,
                      firsts: dict[str, datetime]) -> Factor:
    times = [firsts[step] for step in milestone.steps if step in firsts]
    deadline = milestone.deadline
    if not times:
        pending = deadline is not None and signup_at + deadline >= ctx.end_of_day
        state = "not reached yet, deadline still ahead" if pending else "not reached"
        return Factor(milestone.name, None, "hours", Decimal(0), 1, f"{milestone.rule()}: {state}")
    hours = _hours(signup_at, min(times))
    achieved = deadline is None or _seconds(signup_at, min(times)) <= deadline // timedelta(seconds=1)
    state = "achieved" if achieved else "reached after the deadline"
    return Factor(milestone.name, hours, "hours", Decimal(int(achieved)), 1,
                  f"{milestone.rule()}: reached {hours:.1f} h after signup, at {min(times)} UTC ({state})")


def _activity(ctx: MetricContext) -> _Activity:
    start, end = ctx.bounds()
    zone = ctx.settings.timezone
    recent = _rows(ctx.qualifying_events(start, end).select("timestamp", "event"))
    every = ctx.qualifying_events(None, end)
    last = _rows(every.aggregate(last=every.timestamp.max()))[0]["last"]
    used = {feature for feature, names in ctx.settings.features.items()
            if any(row["event"] in names for row in recent)}
    totals = session_totals(ctx, start, end)
    return _Activity(
        last_active=None if last is None else reporting_day(last, zone),
        active_days=frozenset(reporting_day(row["timestamp"], zone) for row in recent),
        features_used=frozenset(used), sessions=totals.sessions, session_microseconds=totals.duration_microseconds,
    )


def _engagement(ctx: MetricContext, activity: _Activity) -> Analysis:
    since = None if activity.last_active is None else (ctx.day - activity.last_active).days
    features = [feature for feature, names in ctx.settings.features.items() if names]
    mean_minutes = (Fraction(activity.session_microseconds, MICROSECONDS_PER_MINUTE * activity.sessions)
                    if activity.sessions else None)
    factors = (
        Factor("recency", since, "days", Decimal(max(0, RECENT_DAYS - since) if since is not None else 0), 30,
               "never active" if since is None else f"last active {since} days before D; 30 − days, at least 0"),
        Factor("frequency", len(activity.active_days), "days", Decimal(len(activity.active_days)), 30,
               f"active on {len(activity.active_days)} of the last 30 days; 1 point per active day"),
        Factor("sessions", activity.sessions, "count", Decimal(min(activity.sessions, 10)), 10,
               f"{activity.sessions} sessions started in the last 30 days; 1 point per session, up to 10"),
        Factor("session_duration", None if mean_minutes is None else exact(mean_minutes), "minutes",
               Decimal(0) if mean_minutes is None else exact(min(mean_minutes, Fraction(20)) / 2), 10,
               "no session in the last 30 days" if mean_minutes is None else
               f"mean session {exact(mean_minutes):.1f} min; half a point per minute, up to 20 minutes"),
        Factor("feature_breadth", len(activity.features_used), "count",
               exact(Fraction(20 * len(activity.features_used), len(features))) if features else Decimal(0), 20,
               f"used {', '.join(sorted(activity.features_used)) or 'no feature'} of {len(features)} declared "
               "features in the last 30 days; share × 20"),
    )
    return _score(factors, "Engagement score 0–100: the sum of the factors' points (weights 30, 30, 10, 10, 20).")


def _score(factors: Sequence[Factor], explanation: str) -> Analysis:
    """The score of ``factors``: the sum of their points (the weights sum to 100)."""
    return Analysis(sum((factor.points or Decimal(0) for factor in factors), Decimal(0)), "score", explanation,
                    tuple(factors))


def _viral_actions(ctx: MetricContext, user_id: str) -> Analysis:
    end = ibis.literal(ctx.end_of_day)
    sent = ctx.table("invitations")
    sent = sent.filter(sent.inviter_id == user_id, sent.sent_at < end)
    row = _rows(sent.aggregate(
        sent=sent.count(),
        accepted=ibis.ifelse(sent.accepted_at.notnull() & (sent.accepted_at < end), 1, 0).sum(),
        activated=ibis.ifelse(sent.activated_at.notnull() & (sent.activated_at < end), 1, 0).sum(),
    ))[0]
    together = ctx.table("collaborations")
    together = together.filter((together.vendor_id == user_id) | (together.partner_id == user_id),
                               together.started_at < end)
    collaborations = int(ctx.scalar(together.count()))
    counts = {"invitations_sent": int(row["sent"]), "invitations_accepted": int(row["accepted"] or 0),
              "invitations_activated": int(row["activated"] or 0), "collaborations": collaborations}
    texts = {
        "invitations_sent": "invitations the user sent by the end of D",
        "invitations_accepted": "of those, accepted (the invitee signed up) by the end of D",
        "invitations_activated": "of those, whose invitee reached activation by the end of D",
        "collaborations": "collaborations started by the end of D with the user as vendor or partner",
    }
    return Analysis(counts["invitations_sent"], "count", "Invitations sent by the user (invitations table), "
                    "with how many were accepted and activated, and the user's collaborations.",
                    tuple(Factor(name, number, "count", None, None, texts[name]) for name, number in counts.items()))


def _churn_risk(ctx: MetricContext, user_id: str, activity: _Activity) -> Analysis:
    since = None if activity.last_active is None else (ctx.day - activity.last_active).days
    inactivity = 40 if since is None or since >= 30 else 25 if since >= 14 else 10 if since >= 7 else 0
    recent = sum(1 for day in activity.active_days if (ctx.day - day).days < 14)
    previous = sum(1 for day in activity.active_days if 14 <= (ctx.day - day).days < 28)
    decline = exact(Fraction(20 * (previous - recent), previous)) if recent < previous else Decimal(0)
    status, subscription_points, subscription_text = _subscription_risk(ctx, user_id)
    open_tickets = _open_tickets(ctx, user_id)
    factors = (
        Factor("inactivity", since, "days", Decimal(inactivity), 40,
               ("never active" if since is None else f"last active {since} days before D")
               + "; 30+ days or never 40, 14–29 days 25, 7–13 days 10, else 0"),
        Factor("activity_decline", recent - previous, "days", decline, 20,
               f"active on {recent} of the last 14 days against {previous} of the 14 before; "
               "20 × (previous − recent) / previous when fewer, else 0"),
        Factor("subscription", status, "status", Decimal(subscription_points), 30, subscription_text),
        Factor("unresolved_tickets", open_tickets, "count", Decimal(min(5 * open_tickets, 10)), 10,
               f"{open_tickets} support tickets unresolved at the end of D; 5 points each, up to 10"),
    )
    return _score(factors, "Churn-risk score 0–100: the sum of the factors' points (weights 40, 20, 30, 10).")


def _subscription_risk(ctx: MetricContext, user_id: str) -> tuple[str | None, int, str]:
    """The state of the user's most recently changed subscription at the end of ``D``, its points and
    the explanation."""
    history = ctx.table("subscription_history")
    history = history.filter(history.customer_id == user_id, history.effective_at < ibis.literal(ctx.end_of_day))
    latest = _rows(history.order_by([history.effective_at.desc(), history.recorded_at.desc(),
                                     history.change_id.desc()]).limit(1).select("status", "period_end"))
    rule = "canceled 30, past_due 20, trial ending within 7 days 10, else 0"
    if not latest:
        return None, 0, f"no subscription; {rule}"
    status, period_end = latest[0]["status"], latest[0]["period_end"]
    if status == "trialing":
        ending = period_end is not None and period_end < ctx.end_of_day + timedelta(days=TRIAL_ENDING_DAYS)
        if ending:
            return "trial_ending", 10, f"trial ends at {period_end} UTC, within 7 days; {rule}"
        return status, 0, f"trialing, {'end unknown' if period_end is None else f'ends at {period_end} UTC'}; {rule}"
    points = {"canceled": 30, "past_due": 20}.get(status, 0)
    return status, points, f"latest subscription state {status}; {rule}"


def _open_tickets(ctx: MetricContext, user_id: str) -> int:
    end = ibis.literal(ctx.end_of_day)
    tickets = ctx.table("support_tickets")
    tickets = tickets.filter(tickets.user_id == user_id, tickets.opened_at < end,
                             tickets.resolved_at.isnull() | (tickets.resolved_at >= end))
    return int(ctx.scalar(tickets.count()))
