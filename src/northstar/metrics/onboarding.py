"""Onboarding milestone metrics (METRICS.md, "Onboarding and journeys"): for each milestone of
:data:`northstar.metrics.milestones.MILESTONES`, the share of a signup cohort that achieved it and
the median time to reach it.

The *signup cohort* of a window is the registered users (``ctx.users()``, so split by user type and
traits) whose signup instant falls in the window's instants ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.milestones import (
    INVITATION_SENT,
    MILESTONES,
    Milestone,
    exact_median,
    first_reached,
    seconds_between,
)
from northstar.metrics.registry import USER_DIMENSIONS, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, ratio, undefined

SOURCE = "METRICS.md § Onboarding and journeys; seed 000 checkMilestones"


def cohort(ctx: MetricContext, milestone: Milestone) -> ir.Table:
    """The window's signup cohort, one row per user: ``uid``, ``signup_at``, ``first_at`` (when the
    user first reached ``milestone`` before the end of ``D``, else NULL) and ``seconds`` (whole
    seconds from signup to ``first_at``, 0 when a step is dated before the signup, NULL when not reached)."""
    start, end = ctx.bounds()
    users = ctx.users()
    users = users.filter(users.signup_at >= start, users.signup_at < end)
    users = users.select(uid=users.user_id, signup_at=users.signup_at)
    reached = first_reached(ctx, milestone).rename(reached_uid="uid")
    joined = users.left_join(reached, users.uid == reached.reached_uid)
    return joined.select(
        "uid", "signup_at", "first_at", seconds=ibis.greatest(seconds_between(joined.signup_at, joined.first_at), 0)
    )


def milestone_rate(milestone: Milestone) -> Callable[[MetricContext], Measurement]:
    """Of the cohort users whose deadline has passed by the end of ``D`` (signup + deadline before the
    end of ``D``, so the whole deadline was observed; every cohort user when there is no deadline), the
    share that reached ``milestone`` within it (at most ``deadline`` after signup, inclusive).
    Undefined when no cohort user's deadline has passed."""

    def compute(ctx: MetricContext) -> Measurement:
        users = cohort(ctx, milestone)
        if milestone.deadline is not None:
            users = users.filter(users.signup_at < ibis.literal(ctx.end_of_day - milestone.deadline))
        achieved = users.first_at.notnull()
        if milestone.deadline is not None:
            achieved = achieved & (users.seconds <= int(milestone.deadline.total_seconds()))
        row = users.aggregate(eligible=users.count(), achieved=ibis.ifelse(achieved, 1, 0).sum()).execute().iloc[0]
        eligible = int(row["eligible"])
        return ratio(int(row["achieved"]) if eligible else 0, eligible,
                     "no user who signed up in the window has reached the end of the deadline")

    return compute


def milestone_median_hours(milestone: Milestone) -> Callable[[MetricContext], Measurement]:
    """Median hours from signup to first reaching ``milestone``, over the cohort users who reached it
    by the end of ``D`` (within the deadline or not); exact. Undefined when none did."""

    def compute(ctx: MetricContext) -> Measurement:
        users = cohort(ctx, milestone)
        median = exact_median(users.filter(users.first_at.notnull()), "seconds")
        if median is None:
            return undefined(f"no user who signed up in the window has reached {milestone.name}")
        return measured(exact(median / 3600))

    return compute


def _spec(name: str, label: str, description: str, definition: str, **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, family="onboarding", grain="timeframe",
        dimensions=USER_DIMENSIONS, source=SOURCE, definition=definition, **extra,
    )


def _requires(milestone: Milestone) -> tuple[str, ...]:
    """Users, plus events unless an invitation (its own table) can reach the milestone."""
    return ("users",) if INVITATION_SENT in milestone.steps else ("users", "events")


def _reads(milestone: Milestone) -> tuple[str, ...]:
    """What a milestone reached by an invitation reads besides users: invitations and events."""
    return ("events", "invitations") if INVITATION_SENT in milestone.steps else ()


def metrics(settings: Settings) -> list[Metric]:
    """The onboarding family's catalog entries: ``<milestone>_rate`` and ``<milestone>_median_hours``
    for each milestone."""
    cohort_text = ("The signup cohort is the users who signed up (coalesce(created_at, first_seen_at)) in the "
                   "window, not deleted by the end of D.")
    entries: list[Metric] = []
    for milestone in MILESTONES:
        if milestone.deadline is None:
            eligible = "every cohort user is in the denominator"
        else:
            eligible = ("only cohort users whose deadline has passed by the end of D (signup + deadline before the "
                        "end of D) are in the denominator; those still inside it are left out")
        entries.append(Metric(_spec(
            f"{milestone.name}_rate", milestone.label, milestone.description,
            f"Share of the signup cohort who achieved {milestone.name}: {milestone.rule()} (deadline inclusive); "
            f"{eligible}. {cohort_text} Undefined when the denominator is empty.",
            unit="rate", direction="higher", kind="cohort", requires=_requires(milestone), reads=_reads(milestone),
        ), milestone_rate(milestone)))
        entries.append(Metric(_spec(
            f"{milestone.name}_median_hours", f"{milestone.label}: median time",
            f"Median hours from signup to the first {milestone.steps_text()}.",
            f"Median hours from signup to the first {milestone.steps_text()}, over the cohort users "
            f"who reached it by the end of D, within the deadline or not (exact median of whole seconds; a step "
            f"dated before the signup counts as 0). {cohort_text} Undefined when none reached it.",
            unit="duration", duration_unit="hours", direction="lower", kind="cohort", requires=_requires(milestone),
            reads=_reads(milestone),
        ), milestone_median_hours(milestone)))
    return entries
