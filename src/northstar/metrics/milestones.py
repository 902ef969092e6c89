"""Onboarding steps and milestones, declared as data (METRICS.md, "Onboarding and journeys"; seed 000's
``checkMilestones``).

A *step* is something a user does, found in the store:

- ``signup``: the user's signup, ``coalesce(created_at, first_seen_at)`` in ``users``;
- ``invitation_sent``: a row of ``invitations`` (its ``inviter_id`` at ``sent_at``) or a track event
  named ``Invitation Sent``;
- any other name: a track event of that name (e.g. ``Form Created``, ``Client Imported``).

A :class:`Milestone` is reached the first time its user does one of its steps; it is *achieved* when
that happens within its deadline after signup (no deadline: whenever it happens). All instants are
naive UTC; only what happened before the end of reporting day ``D`` is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.metrics.context import MetricContext

SIGNUP = "signup"
INVITATION_SENT = "invitation_sent"
INVITATION_EVENT = "Invitation Sent"


@dataclass(frozen=True, slots=True)
class Milestone:
    """One onboarding milestone: its catalog ``name``, a ``label``, the ``steps`` that reach it (the
    first of them counts), the ``deadline`` after signup within which reaching it achieves it
    (``None``: no deadline; inclusive) and a one-line ``description``."""

    name: str
    label: str
    steps: tuple[str, ...]
    deadline: timedelta | None
    description: str

    def steps_text(self) -> str:
        """The steps that reach the milestone, as text."""
        return " or ".join(_step_text(step) for step in self.steps)

    def rule(self) -> str:
        """The milestone's definition as text, for the catalog and the journey's explanations."""
        within = "at any time" if self.deadline is None else f"within {_duration_text(self.deadline)} of signup"
        return f"first {self.steps_text()} {within}"


# The specification's milestones (seed 000 ``checkMilestones``). A customer's own milestones are more
# entries of the same shape.
MILESTONES: tuple[Milestone, ...] = (
    Milestone("fast_activation", "Fast activation", ("Form Created",), timedelta(hours=24),
              "First form created within 24 hours of signup."),
    Milestone("viral_activation", "Viral activation", (INVITATION_SENT,), timedelta(days=3),
              "First invitation sent within 3 days of signup."),
    Milestone("onboarding_complete", "Onboarding complete", ("Client Imported",), None,
              "First client imported."),
)


def _duration_text(deadline: timedelta) -> str:
    hours = int(deadline.total_seconds()) // 3600
    return f"{hours // 24} days" if hours % 24 == 0 and hours > 24 else f"{hours} hours"


def _step_text(step: str) -> str:
    if step == SIGNUP:
        return "signup"
    if step == INVITATION_SENT:
        return f"invitation sent (invitations.sent_at or an {INVITATION_EVENT!r} event)"
    return f"{step!r} event"


def occurrences(ctx: MetricContext, step: str) -> ir.Table:
    """Every time a user did ``step`` before the end of ``D``: columns ``uid`` (text, the canonical
    user) and ``at`` (naive UTC). Restricted to users matching ``ctx.filters`` when there are any."""
    if step == SIGNUP:
        users = ctx.users()
        return _shaped(users, users.user_id, users.signup_at)
    end = ibis.literal(ctx.end_of_day)
    names = [INVITATION_EVENT] if step == INVITATION_SENT else [step]
    events = ctx.events()
    events = events.filter(events.type == "track", events.event.isin(names), events.timestamp < end)
    found = _shaped(events, events.uid, events.timestamp)
    if step == INVITATION_SENT:
        sent = ctx.table("invitations")
        sent = sent.filter(sent.sent_at < end)
        found = found.union(_shaped(sent, sent.inviter_id, sent.sent_at), distinct=False)
    if ctx.filters:
        users = ctx.users()
        found = found.semi_join(users, found.uid == users.user_id)
    return found


def _shaped(table: ir.Table, uid: ir.StringColumn, at: ir.TimestampColumn) -> ir.Table:
    """``table``'s ``uid`` and ``at`` as nullable text and timestamp, so occurrences of every source union."""
    return table.select(uid=uid.cast("string"), at=at.cast("timestamp"))


def first_reached(ctx: MetricContext, milestone: Milestone) -> ir.Table:
    """One row per user who reached ``milestone`` before the end of ``D``: ``uid`` and ``first_at``,
    the first instant they did one of its steps."""
    found = occurrences(ctx, milestone.steps[0])
    for step in milestone.steps[1:]:
        found = found.union(occurrences(ctx, step), distinct=False)
    return found.group_by("uid").aggregate(first_at=found.at.min())


def seconds_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds from ``start`` to ``end`` (both truncated to the second, so both backends agree)."""
    return (end.truncate("s").epoch_seconds() - start.truncate("s").epoch_seconds()).cast("int64")


def exact_median(table: ir.Table, column: str) -> Fraction | None:
    """The median of integer ``column`` over ``table``'s rows, exactly: the database ranks the values
    and returns only the middle one or two (positions ``p`` with ``n − 2 ≤ 2p ≤ n``, 0-based), whose
    mean is taken here. ``None`` when ``table`` is empty. One round trip."""
    values = table.select(value=table[column])
    ranked = values.mutate(position=ibis.row_number().over(order_by=values.value), size=values.value.count().over())
    middle = ranked.filter(ranked.position * 2 >= ranked.size - 2, ranked.position * 2 <= ranked.size)
    found = [int(value) for value in middle.select("value").execute()["value"]]
    return Fraction(sum(found), len(found)) if found else None
