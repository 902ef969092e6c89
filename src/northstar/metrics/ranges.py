"""Computing a metric on many reporting days at once (``Metric.compute_days``, DESIGN.md,
"Computing metrics").

A range computation never re-implements a definition: it computes, in a few grouped queries, the
intermediate results the per-day definitions :meth:`MetricContext.remember` (distinct active
users of a window, registered users, registered active users, ...) for every day, then runs the
per-day function on each day with those results known (:meth:`MetricContext.knowing`), so every
value is the one the per-day computation gives.

Reporting days in queries are day numbers (days since 1970-01-01 in the reporting timezone),
computed from UTC instants with the zone's offsets over the range (:func:`day_number`). Counts
over sliding windows use intervals: a row that counts on the days ``[lo, hi)`` adds one at ``lo``
and removes it at ``hi`` (:func:`interval_counts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from northstar.domain.time import Window, day_start_utc
from northstar.metrics.context import MetricContext
from northstar.metrics.registry import DaysFunction, MetricFunction
from northstar.metrics.results import Measurement

EPOCH = date(1970, 1, 1)
Known = dict[tuple[object, ...], Any]
Prefetch = Callable[[MetricContext, Sequence[date]], Known]


def number_of(day: date) -> int:
    """The day number of reporting day ``day``."""
    return (day - EPOCH).days


def day_of(number: int) -> date:
    """The reporting day of day number ``number``."""
    return EPOCH + timedelta(days=number)


def _offset(instant: datetime, zone: ZoneInfo) -> int:
    offset = instant.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offsets(first: date, last: date, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """The UTC offsets (seconds) of ``zone`` from the start of ``first`` to the end of ``last``:
    ``(from_instant, offset)`` pairs, ascending, the first from the range's start (naive UTC)."""
    start = day_start_utc(first, zone)
    found = [(start, _offset(start, zone))]
    day = first
    while day <= last:
        low, high = day_start_utc(day, zone), day_start_utc(day + timedelta(days=1), zone)
        if _offset(high, zone) != found[-1][1]:
            while (high - low) > timedelta(seconds=1):  # zones change offsets on whole seconds
                middle = low + timedelta(seconds=(high - low) // timedelta(seconds=2))
                low, high = (middle, high) if _offset(middle, zone) == found[-1][1] else (low, middle)
            found.append((high, _offset(high, zone)))
        day += timedelta(days=1)
    return found


def day_number(instant: ir.TimestampValue, first: date, last: date, zone: ZoneInfo) -> ir.IntegerValue:
    """The day number of naive-UTC ``instant`` in ``zone``, exact for instants within reporting
    days ``[first, last]``; an earlier instant gives ``number_of(first) - 1``, a later one
    ``number_of(last) + 1`` (a null instant stays null)."""
    spans = offsets(first, last, zone)
    offset: ir.IntegerValue = ibis.literal(spans[0][1])
    for since, seconds in spans[1:]:
        offset = ibis.ifelse(instant >= ibis.literal(since), seconds, offset)
    local = (instant.epoch_seconds() + offset) // 86400
    return ibis.cases(
        (instant < ibis.literal(day_start_utc(first, zone)), number_of(first) - 1),
        (instant >= ibis.literal(day_start_utc(last + timedelta(days=1), zone)), number_of(last) + 1),
        else_=local.cast("int64"),
    )


def interval_counts(rows: Iterable[tuple[Any, int | None, int | None, int]], days: Sequence[date]) -> dict[
        tuple[Any, date], int]:
    """Per ``(key, day)`` of ``days``: the sum of ``count`` over the rows ``(key, lo, hi, count)``
    whose day numbers ``[lo, hi)`` hold the day (``hi`` ``None``: no end)."""
    changes: dict[Any, dict[int, int]] = {}
    for key, lo, hi, count in rows:
        if lo is None or (hi is not None and hi <= lo):
            continue
        marks = changes.setdefault(key, {})
        marks[int(lo)] = marks.get(int(lo), 0) + int(count)
        if hi is not None:
            marks[int(hi)] = marks.get(int(hi), 0) - int(count)
    out: dict[tuple[Any, date], int] = {}
    wanted = sorted(number_of(day) for day in days)
    for key, marks in changes.items():
        points = sorted(marks)
        total, index = 0, 0
        for number in wanted:
            while index < len(points) and points[index] <= number:
                total += marks[points[index]]
                index += 1
            out[(key, day_of(number))] = total
    return out


def window_span(ctx: MetricContext, days: Sequence[date]) -> tuple[date, date, datetime, datetime]:
    """``(first, last, start, end)``: the reporting days ``[first, last]`` that the windows as long
    as ``ctx``'s ending on ``days`` (ascending) cover, and their naive-UTC instants ``[start, end)``."""
    first, last = days[0] - timedelta(days=ctx.window.days - 1), days[-1]
    start, end = Window(first, last + timedelta(days=1)).utc_bounds(ctx.settings.timezone)
    return first, last, start, end


def days_via(prefetch: Prefetch, compute: MetricFunction, single_day: bool = False) -> DaysFunction:
    """A ``compute_days`` running ``compute`` on each day with what ``prefetch(ctx, days)``
    computed for all the days known (full memo keys, see :meth:`MetricContext.memo_key`). With
    filters, the days are computed one by one (the prefetches count every user). A single day is
    computed on its own too — its per-day queries read one window and beat the range's grouped ones
    — unless ``single_day``: a prefetch one query of which answers many metrics (the activity
    counts behind DAU, WAU, MAU and the active rates) is worth it for one day as well."""

    def compute_days(ctx: MetricContext, days: Sequence[date]) -> dict[date, Measurement]:
        if ctx.filters or (len(days) == 1 and not single_day):
            return {day: compute(ctx.at(day)) for day in days}
        known = prefetch(ctx, days)
        return {day: compute(ctx.at(day).knowing(known)) for day in days}

    return compute_days


def shared(ctx: MetricContext, name: str, days: Sequence[date], compute: Callable[[], Known]) -> Known:
    """``compute()`` remembered in the service's memo for the range ``days`` under ``name``, so the
    metrics of one refresh chunk or series built on the same parts query them once."""
    return ctx.memo((name, tuple(days), ctx.window.days), compute)  # type: ignore[no-any-return]


# --- activity -----------------------------------------------------------------------------------

ACTIVE_LENGTHS = (1, 7, 30)


def _user_days(ctx: MetricContext, days: Sequence[date]) -> ir.Table:
    """Distinct ``(uid, day)`` of qualifying events on the days that windows of up to 30 days ending
    on ``days`` cover, with ``gap``: days to the user's next active day, capped at 30 (30 when none)."""
    zone = ctx.settings.timezone
    first, last = days[0] - timedelta(days=max(ACTIVE_LENGTHS) - 1), days[-1]
    start, end = Window(first, last + timedelta(days=1)).utc_bounds(zone)
    events = ctx.qualifying_events(start, end)
    user_days = events.select(uid=events.uid, day=day_number(events.timestamp, first, last, zone)).distinct()
    following = user_days.day.lead().over(ibis.window(group_by=user_days.uid, order_by=user_days.day))
    cap = max(ACTIVE_LENGTHS)
    return user_days.mutate(gap=ibis.least(following - user_days.day, cap).fill_null(cap))


def activity_groups(ctx: MetricContext, days: Sequence[date]) -> list[tuple[Any, ...]]:
    """The active user-days of ``days``' windows (:func:`_user_days`) with their user's registration,
    counted per ``(user_type, day, gap, since, until)`` (``since`` null: not a registered user, see
    :func:`_registered_users`): one query, shared by the active counts and the active rates."""

    def compute() -> list[tuple[Any, ...]]:
        user_days = _user_days(ctx, days)
        users = _registered_users(ctx, days)
        joined = user_days.left_join(users, user_days.uid == users.user_id)
        return _rows(joined.group_by(["user_type", "day", "gap", "since", "until"]).aggregate(users=joined.count()))

    return shared(ctx, "activity_groups", days, compute)  # type: ignore[no-any-return]


def active_counts(ctx: MetricContext, days: Sequence[date]) -> Known:
    """``count_active`` of the 1, 7 and 30 days ending on each of ``days`` (registered or not)."""

    def compute() -> Known:
        counts = interval_counts(((length, day, day + min(length, gap), users)
                                  for _kind, day, gap, _since, _until, users in activity_groups(ctx, days)
                                  for length in ACTIVE_LENGTHS), days)
        known: Known = {}
        for day in days:
            here = ctx.at(day)
            for length in ACTIVE_LENGTHS:
                window = Window.ending_on(day, length)
                known[here.memo_key(("active", window))] = counts.get((length, day), 0)
        return known

    return shared(ctx, "active_counts", days, compute)


def _registered_users(ctx: MetricContext, days: Sequence[date]) -> ir.Table:
    """Every user with ``user_type`` and the day numbers ``[since, until)`` on whose ends they are
    registered (signed up by then, not deleted), exact within ``days`` (``until`` null: never deleted)."""
    zone = ctx.settings.timezone
    users = ctx.table("users")
    signup = ibis.coalesce(users.created_at, users.first_seen_at)
    users = users.filter(signup.notnull())
    first, last = days[0], days[-1]
    return users.select(
        "user_id", "user_type",
        since=day_number(signup, first, last, zone),
        until=ibis.ifelse(users.deleted_at.isnull(), ibis.null("int64"),
                          day_number(users.deleted_at, first, last, zone)),
    )


def registered_counts(ctx: MetricContext, days: Sequence[date]) -> Known:
    """``count_registered`` for every user type and for all users, on each of ``days``: one query."""

    def compute() -> Known:
        users = _registered_users(ctx, days)
        grouped = _rows(users.group_by(["user_type", "since", "until"]).aggregate(users=users.count()))
        per_type = interval_counts(grouped, days)
        known: Known = {}
        for day in days:
            here = ctx.at(day)
            known[here.memo_key(("registered", None))] = sum(
                value for (_kind, on), value in per_type.items() if on == day)
            for kind in {kind for kind, *_ in grouped} | {"supplier", "couple"}:
                if kind is not None:
                    known[here.memo_key(("registered", kind))] = per_type.get((kind, day), 0)
        return known

    return shared(ctx, "registered_counts", days, compute)


def registered_active_counts(ctx: MetricContext, days: Sequence[date]) -> Known:
    """``count_registered_active`` of the 1, 7 and 30 days ending on each of ``days``, for every
    user type and for all users, from :func:`activity_groups`."""

    def compute() -> Known:
        # A user active on ``day`` with ``gap`` days to their next active day counts on the days
        # ``[day, day + min(gap, length))`` on which they are registered, ``[since, until)``.
        rows = []
        for kind, day, gap, since, until, count in activity_groups(ctx, days):
            if since is None:
                continue
            for length in ACTIVE_LENGTHS:
                lo, hi = max(day, since), day + min(gap, length)
                if until is not None:
                    hi = min(hi, until)
                if lo < hi:
                    rows.append(((length, kind), lo, hi, count))
        per_type = interval_counts(rows, days)
        known: Known = {}
        kinds = {kind for (_length, kind), *_ in rows} | {"supplier", "couple"}
        for day in days:
            here = ctx.at(day)
            for length in ACTIVE_LENGTHS:
                window = Window.ending_on(day, length)
                known[here.memo_key(("registered_active", window, None))] = sum(
                    value for ((size, _kind), on), value in per_type.items() if size == length and on == day)
                for kind in kinds:
                    if kind is not None:
                        known[here.memo_key(("registered_active", window, kind))] = per_type.get(
                            ((length, kind), day), 0)
        return known

    return shared(ctx, "registered_active_counts", days, compute)


def registered_activity(ctx: MetricContext, days: Sequence[date]) -> Known:
    """Registered users and registered active users on ``days`` (the active rates' parts)."""
    return {**registered_counts(ctx, days), **registered_active_counts(ctx, days)}


def _rows(table: ir.Table) -> list[tuple[Any, ...]]:
    """The rows of ``table``, executed, as tuples of Python values (``None`` for nulls)."""
    return [tuple(row.values()) for row in table.to_pyarrow().to_pylist()]
