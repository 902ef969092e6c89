"""User counts from ``users`` and activity from ``events`` (METRICS.md, "Users").

A user's signup time is ``coalesce(created_at, first_seen_at)``; registered users are those signed
up by the end of ``D`` and not deleted by then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import ibis

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import (
    Known,
    _rows,
    day_number,
    days_via,
    interval_counts,
    registered_active_counts,
    registered_counts,
    window_span,
)
from northstar.metrics.registry import USER_DIMENSIONS, Grain, Metric, MetricSpec
from northstar.metrics.results import Measurement, measured

SOURCE = "METRICS.md § Users"


def registered(user_type: str | None) -> Callable[[MetricContext], Measurement]:
    """Registered, not deleted users (of ``user_type`` when given) at the end of ``D``."""

    def compute(ctx: MetricContext) -> Measurement:
        return measured(ctx.count_registered(user_type))

    return compute


def active_of_type(user_type: str) -> Callable[[MetricContext], Measurement]:
    """Registered users of ``user_type`` active in the 30 reporting days ending ``D``."""

    def compute(ctx: MetricContext) -> Measurement:
        return measured(ctx.count_registered_active(ctx.days_ending_on_day(30), user_type))

    return compute


def new_signups(ctx: MetricContext) -> Measurement:
    """Users who signed up in the timeframe's window (not deleted by the end of ``D``); remembered
    under ``("new_signups",)`` (:func:`new_signups_days` fills it for a range)."""

    def count() -> int:
        start, end = ctx.bounds()
        users = ctx.users()
        return int(ctx.scalar(users.filter(users.signup_at >= start, users.signup_at < end).count()))

    return measured(ctx.remember(("new_signups",), count))


def new_signups_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`new_signups` on each of ``days``, from one query grouping the users signed up in the
    range by signup day ``s`` and deletion day ``d``: such a user counts on the days
    ``[s, min(s + window, d))``."""
    zone, length = ctx.settings.timezone, ctx.window.days
    first, last, start, end = window_span(ctx, days)
    users = ctx.table("users")
    signup = ibis.coalesce(users.created_at, users.first_seen_at)
    users = users.filter(signup >= start, signup < end)
    grouped = users.group_by(
        since=day_number(signup, first, last, zone), until=day_number(users.deleted_at, first, last, zone),
    ).aggregate(users=users.count())
    counts = interval_counts(((None, since, since + length if until is None else min(since + length, until), count)
                              for since, until, count in _rows(grouped)), days)
    return {ctx.at(day).memo_key(("new_signups",)): counts.get((None, day), 0) for day in days}


def _spec(name: str, label: str, description: str, grain: Grain, definition: str, requires: tuple[str, ...],
          kind: str = "simple", additive: bool = False) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit="count", direction="higher", family="users",
        kind=kind, grain=grain, dimensions=USER_DIMENSIONS, definition=definition, source=SOURCE,
        requires=requires, additive=additive,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The users family's catalog entries."""
    registered_text = "Users signed up (coalesce(created_at, first_seen_at)) by the end of D and not deleted by then"
    active_text = ("Registered {kind} with at least one qualifying event in the 30 reporting days ending D "
                   "(events of aliased ids count for the user they were aliased to).")
    return [
        Metric(_spec("total_users", "Total users", "Registered users.", "end_of_day", registered_text + ".",
                     ("users",), "cumulative"), registered(None),
               compute_days=days_via(registered_counts, registered(None))),
        Metric(_spec("total_suppliers", "Suppliers", "Registered suppliers.", "end_of_day",
                     registered_text + ", of type supplier.", ("users",), "cumulative"), registered("supplier"),
               compute_days=days_via(registered_counts, registered("supplier"))),
        Metric(_spec("total_couples", "Couples", "Registered couples.", "end_of_day",
                     registered_text + ", of type couple.", ("users",), "cumulative"), registered("couple"),
               compute_days=days_via(registered_counts, registered("couple"))),
        Metric(_spec("active_suppliers", "Active suppliers", "Suppliers active in the last 30 days.", "30d",
                     active_text.format(kind="suppliers"), ("users", "events")), active_of_type("supplier"),
               compute_days=days_via(registered_active_counts, active_of_type("supplier"), single_day=True)),
        Metric(_spec("active_couples", "Active couples", "Couples active in the last 30 days.", "30d",
                     active_text.format(kind="couples"), ("users", "events")), active_of_type("couple"),
               compute_days=days_via(registered_active_counts, active_of_type("couple"), single_day=True)),
        Metric(_spec("new_signups", "New signups", "Users who signed up in the period.", "timeframe",
                     "Users whose signup time (coalesce(created_at, first_seen_at)) falls in the timeframe's "
                     "window, not deleted by the end of D.", ("users",), additive=True), new_signups,
               compute_days=days_via(new_signups_days, new_signups)),
    ]
