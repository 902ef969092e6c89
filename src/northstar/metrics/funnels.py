"""Ordered conversion funnels (METRICS.md, "Onboarding and journeys": "ordered steps, conversion per
step within a window").

A funnel is a list of steps (see :mod:`northstar.metrics.milestones`: ``signup``, ``invitation_sent``
or an event name). The users counted are those whose first step happens in the window; a user's
funnel starts at their first step-1 occurrence in the window. The user *converts* to step ``k`` when,
after reaching step ``k − 1`` at ``t(k−1)``, they do step ``k`` at or after ``t(k−1)`` (``t(k)`` is the
earliest such instant), and — when ``within`` is given — no later than ``within`` after ``t(1)``. Steps
after the end of the window are not seen (the window's last day is the reporting day ``D``). A step
that repeats the previous one may be matched by the same occurrence. Instants are naive UTC.

It is a table, not a catalog metric; :func:`funnel` accepts the service an API route already has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.domain.errors import InvalidInput
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.milestones import INVITATION_SENT, SIGNUP, occurrences
from northstar.metrics.results import exact
from northstar.metrics.service import MetricsService

# The default onboarding funnel: signup → first client imported → form created → invitation sent.
ONBOARDING_FUNNEL: tuple[str, ...] = (SIGNUP, "Client Imported", "Form Created", INVITATION_SENT)


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """One step's result: ``users`` who converted to it, ``from_previous`` (users / the previous
    step's users) and ``from_first`` (users / the first step's users), fractions in ``[0, 1]``;
    ``None`` for the first step or when the denominator is 0 (undefined, never 0)."""

    step: str
    users: int
    from_previous: Decimal | None
    from_first: Decimal | None


@dataclass(frozen=True, slots=True)
class FunnelResult:
    """A funnel over ``window`` (reporting days ``[start, end)``): one :class:`FunnelStep` per step, in order."""

    window: Window
    within: timedelta | None
    user_type: str | None
    steps: tuple[FunnelStep, ...]


def funnel(
    source: MetricsService | MetricContext, steps: Sequence[str], window: Window, within: timedelta | None = None,
    user_type: str | None = None,
) -> FunnelResult:
    """The ordered funnel of ``steps`` for users (of ``user_type`` when given, else everyone, anonymous
    visitors included) whose first step happens in ``window``, each later step at or after the
    previous and, when ``within`` is given, at most ``within`` after the first. One query.

    ``source`` is the metrics service or a metric context (its filters also apply). Raises
    :class:`InvalidInput` when ``steps`` is empty or ``within`` is not positive.
    """
    if not steps:
        raise InvalidInput("steps", "a funnel needs at least one step")
    if within is not None and within <= timedelta(0):
        raise InvalidInput("within", "must be a positive duration")
    ctx = _context(source, window, user_type)
    start, end = ctx.bounds()
    first = occurrences(ctx, steps[0])
    first = first.filter(first.at >= start, first.at < end)
    reached = first.group_by("uid").aggregate(t0=first.at.min())
    for k, step in enumerate(steps[1:], start=1):
        reached = _next_step(ctx, reached, step, k, within)
    row = reached.aggregate(**{f"n{k}": reached[f"t{k}"].count() for k in range(len(steps))}).execute().iloc[0]
    counts = [int(row[f"n{k}"]) for k in range(len(steps))]
    return FunnelResult(window, within, user_type, tuple(
        FunnelStep(step, users, None if k == 0 else _share(users, counts[k - 1]),
                   None if k == 0 else _share(users, counts[0]))
        for k, (step, users) in enumerate(zip(steps, counts, strict=True))
    ))


def _context(source: MetricsService | MetricContext, window: Window, user_type: str | None) -> MetricContext:
    """A context whose reporting day is the window's last day, filtered on ``user_type`` when given."""
    last_day = window.end - timedelta(days=1)
    if isinstance(source, MetricsService):
        ctx = MetricContext(source.store.reader(), source.settings, last_day, window)
    else:
        ctx = replace(source, day=last_day, window=window)
    return ctx if user_type is None else replace(ctx, filters={**ctx.filters, "user_type": user_type})


def _next_step(ctx: MetricContext, reached: ir.Table, step: str, k: int, within: timedelta | None) -> ir.Table:
    """``reached`` (``uid``, ``t0`` … ``t(k−1)``) with ``t(k)``: the earliest occurrence of ``step``
    at or after ``t(k−1)`` (and at most ``within`` after ``t0``), NULL when there is none."""
    found = occurrences(ctx, step).rename(step_uid="uid", step_at="at")
    condition = (reached.uid == found.step_uid) & (found.step_at >= reached[f"t{k - 1}"])
    if within is not None:
        condition = condition & (found.step_at <= reached.t0 + ibis.interval(seconds=int(within.total_seconds())))
    joined = reached.left_join(found, condition)
    return joined.group_by(["uid", *(f"t{index}" for index in range(k))]).aggregate(
        **{f"t{k}": joined.step_at.min()}
    )


def _share(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else exact(Fraction(part, whole))
