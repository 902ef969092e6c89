"""Sessions from events (METRICS.md, "Sessions").

Qualifying events of one canonical user form one session while the gap between consecutive events
is under ``settings.session_gap_minutes``; events that carry an explicit ``session_id`` form the
session of that id instead. A session's duration is its last event minus its first, in integer
microseconds (the store's timestamp precision, so sums are exact); a session is on a mobile device
when any of its events has ``device_type`` mobile or tablet (METRICS.md, ``mobile_usage_rate``).

A session seen from the end of reporting day D holds only its events before that end: the day's
metrics never read later data. :func:`session_day_totals` computes, for many days at once, what
:func:`session_totals` gives for each (``metrics/ranges.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir

from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import Known, _rows, day_number, interval_counts, shared, window_span

# Segment's context.device.type values (normalised at ingestion) that count as mobile usage.
MOBILE_DEVICES = ("mobile", "tablet")
MICROSECONDS_PER_MINUTE = 60_000_000


@dataclass(frozen=True, slots=True)
class SessionTotals:
    """Sessions that started in a window: how many, by how many distinct users, their summed
    duration in integer microseconds, and how many were on a mobile or tablet device."""

    sessions: int
    users: int
    duration_microseconds: int
    mobile_sessions: int


def microseconds(instant: ir.TimestampValue) -> ir.IntegerValue:
    """Microseconds since 1970-01-01 of naive-UTC ``instant``, as an exact integer on every backend
    (``epoch_seconds`` is a float on DuckDB)."""
    whole = instant.truncate("s").epoch_seconds().cast("int64")
    return whole * 1_000_000 + instant.microsecond().cast("int64")


def session_parts(ctx: MetricContext, start: datetime, end: datetime,
                  day: Callable[[ir.TimestampValue], ir.IntegerValue] | None = None) -> ir.Table:
    """The sessions that may have started at an instant in ``[start, end)``, from their qualifying
    events before ``end``: one row per ``(uid, kind, key)`` — ``kind`` ``explicit`` or ``gap``,
    ``key`` the session's id within its user and kind — or, given ``day`` (an event's day number),
    per ``(uid, kind, key, day)``; with ``earliest`` and ``latest`` (its events' first and last
    instants) and ``mobile`` (1 when one of them was on a mobile or tablet device, else 0). A
    session started in the range when its earliest event is in it.

    Explicit sessions: the events in the range of the ids that have no event before it (all
    earlier data is checked, through the session ids seen in the range only). Gap-cut sessions:
    the events from one gap before ``start``, enough to tell whether an event at or after ``start``
    opens a session."""
    gap_seconds = ctx.settings.session_gap_minutes * 60
    events = ctx.qualifying_events(start - timedelta(seconds=gap_seconds), end)
    events = events.select("uid", "timestamp", "session_id",
                           on_mobile=ibis.ifelse(events.device_type.isin(MOBILE_DEVICES), 1, 0))
    days = {} if day is None else {"day": day(events.timestamp)}
    keys = ["uid", "kind", "key", *days]

    def grouped(table: ir.Table) -> ir.Table:
        return table.group_by(keys).aggregate(earliest=table.timestamp.min(), latest=table.timestamp.max(),
                                              mobile=table.on_mobile.max())

    recent = events.filter(events.session_id.notnull(), events.timestamp >= start)
    explicit = grouped(recent.mutate(kind=ibis.literal("explicit"), key=recent.session_id, **days))
    begun = _begun_before(ctx, start, end)
    if begun is None:
        earlier = ctx.qualifying_events(None, start)
        earlier = earlier.filter(earlier.session_id.isin(explicit.key)).select(
            earlier_uid=earlier.uid, earlier_session=earlier.session_id).distinct()
        explicit = explicit.anti_join(earlier, (explicit.uid == earlier.earlier_uid)
                                      & (explicit.key == earlier.earlier_session))
    elif begun:
        # The ids first: the pairs' strings are only built for the sessions of those ids.
        explicit = explicit.filter(~(explicit.key.isin(sorted({key for _uid, key in begun}))
                                     & _pair(explicit.uid, explicit.key).isin(sorted(_pair_text(*pair)
                                                                                      for pair in begun))))

    untagged = events.filter(events.session_id.isnull())
    by_user = ibis.window(group_by=untagged.uid, order_by=[untagged.timestamp])
    untagged = untagged.mutate(previous=untagged.timestamp.lag().over(by_user))
    gap = ibis.interval(seconds=gap_seconds)
    untagged = untagged.mutate(opens=ibis.ifelse(
        untagged.previous.isnull() | (untagged.timestamp >= untagged.previous + gap), 1, 0))
    running = ibis.window(group_by=untagged.uid, order_by=[untagged.timestamp], preceding=None, following=0)
    untagged = untagged.mutate(number=untagged.opens.sum().over(running))
    implicit = grouped(untagged.mutate(kind=ibis.literal("gap"), key=untagged.number.cast("string"),
                                       **({} if day is None else {"day": day(untagged.timestamp)})))
    return explicit.union(implicit, distinct=False)


# Up to this many explicit sessions begun before a range are excluded by a list in the query,
# for ranges of up to this many days (a window, a drill-down: earlier data is most of the data).
_BEGUN_LIST_LIMIT = 1_000
_BEGUN_LIST_RANGE = timedelta(days=92)


def _pair(uid: ir.StringValue, key: ir.StringValue) -> ir.StringValue:
    """``uid`` and ``key`` as one unambiguous string: the length of ``uid``, a colon, both."""
    return uid.length().cast("string").concat(":", uid, key)


def _pair_text(uid: str, key: str) -> str:
    """:func:`_pair` of Python strings."""
    return f"{len(uid)}:{uid}{key}"


def _begun_before(ctx: MetricContext, start: datetime, end: datetime) -> set[tuple[str, str]] | None:
    """The explicit sessions ``(uid, session_id)`` with a qualifying event before ``start`` whose id
    events in ``[start, end)`` carry too; ``None`` when more than :data:`_BEGUN_LIST_LIMIT` ids of
    the range were used before it, or for a range longer than :data:`_BEGUN_LIST_RANGE` (then the
    query checks earlier data itself). Earlier events are read through the range's session ids on
    the raw table and the rule of qualifying events applied to the few found
    (:meth:`MetricContext.qualifies`): for a short range, filtering all earlier data by type and
    name first costs more than the rest of the sessions."""
    if end - start > _BEGUN_LIST_RANGE:
        return None
    events = ctx.table("events")
    recent = events.filter(events.timestamp >= start, events.timestamp < end, events.session_id.notnull())
    before = ctx.with_uid(events.filter(events.timestamp < start, events.session_id.isin(recent.session_id)))
    rows = _rows(before.select("uid", "session_id", "type", "event").distinct().limit(_BEGUN_LIST_LIMIT + 1))
    if len(rows) > _BEGUN_LIST_LIMIT:
        return None
    return {(uid, session) for uid, session, kind, event in rows if ctx.qualifies(kind, event)}


def sessions(ctx: MetricContext, start: datetime, end: datetime) -> ir.Table:
    """One row per session that started at an instant in ``[start, end)``, from events before
    ``end``: ``uid``, ``started_at``, ``duration_us`` (last event − first event, microseconds),
    ``mobile`` (1 when any event of the session was on a mobile or tablet device, else 0)."""
    found = session_parts(ctx, start, end)
    found = found.filter(found.earliest >= start)
    return found.select("uid", "mobile", started_at=found.earliest,
                        duration_us=microseconds(found.latest) - microseconds(found.earliest))


def session_totals(ctx: MetricContext, start: datetime, end: datetime) -> SessionTotals:
    """Counts and summed duration of the sessions that started in ``[start, end)`` (remembered)."""
    return ctx.remember(("sessions", start, end), lambda: _totals(ctx, start, end))


def _totals(ctx: MetricContext, start: datetime, end: datetime) -> SessionTotals:
    found = sessions(ctx, start, end)
    (count, users, duration, mobile), = _rows(found.aggregate(
        sessions=found.count(), users=found.uid.nunique(), duration=found.duration_us.sum(),
        mobile=found.mobile.sum(),
    ))
    if not count:
        return SessionTotals(0, 0, 0, 0)
    return SessionTotals(int(count), int(users), int(duration), int(mobile))


def session_day_totals(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`session_totals` of the window as long as ``ctx``'s ending on each of ``days``
    (ascending), under the keys it remembers them by, from three grouped queries over the range.

    A session started on day number ``s`` counts on the days ``[s, s + L)`` (L the window length);
    on day D its duration and mobile flag are those of its events up to the end of D, so each
    session contributes per day of its events ``d`` the values so far, on ``[d, next event day)``."""

    def compute() -> Known:
        zone, length = ctx.settings.timezone, ctx.window.days
        first, last, start, end = window_span(ctx, days)
        per_day = session_parts(ctx, start, end, lambda instant: day_number(instant, first, last, zone))
        per_day = per_day.mutate(first=microseconds(per_day.earliest), last=microseconds(per_day.latest))
        session = ibis.window(group_by=[per_day.uid, per_day.kind, per_day.key])
        per_day = per_day.mutate(started_at=per_day.earliest.min().over(session))
        per_day = per_day.filter(per_day.started_at >= start)
        per_day = per_day.mutate(since=day_number(per_day.started_at, first, last, zone))
        along = ibis.window(group_by=[per_day.uid, per_day.kind, per_day.key], order_by=per_day.day,
                            preceding=None, following=0)
        following = per_day.day.lead().over(ibis.window(group_by=[per_day.uid, per_day.kind, per_day.key],
                                                        order_by=per_day.day))
        stop = per_day.since + length
        steps = per_day.mutate(
            duration=per_day["last"].max().over(along) - per_day["first"].min().over(along),
            mobile_so_far=per_day.mobile.max().over(along),
            hi=ibis.ifelse(following.isnull(), stop, ibis.least(following, stop)),
        )
        spans = steps.group_by([steps.day, steps.hi]).aggregate(
            part=ibis.literal("span"), duration=steps.duration.sum(), mobile=steps.mobile_so_far.sum())
        starts = steps.filter(steps.day == steps.since)
        counts = starts.group_by("since").aggregate(
            part=ibis.literal("start"), hi=ibis.literal(0, "int64"), duration=starts.count(),
            mobile=ibis.literal(0, "int64"))
        user_days = starts.select("uid", "since").distinct()
        next_start = user_days.since.lead().over(ibis.window(group_by=user_days.uid, order_by=user_days.since))
        user_spans = user_days.mutate(hi=ibis.least(next_start, user_days.since + length).fill_null(
            user_days.since + length))
        user_spans = user_spans.group_by(["since", "hi"]).aggregate(
            part=ibis.literal("users"), duration=user_spans.count(), mobile=ibis.literal(0, "int64"))
        columns = ["part", "lo", "hi", "duration", "mobile"]
        parts = ibis.union(spans.rename(lo="day").select(*columns), counts.rename(lo="since").select(*columns),
                           user_spans.rename(lo="since").select(*columns), distinct=False)
        rows: list[tuple[str, int | None, int | None, int]] = []
        for part, lo, hi, amount, mobile in _rows(parts):
            if part == "span":
                rows += [("duration", lo, hi, amount), ("mobile", lo, hi, mobile)]
            elif part == "start":
                rows.append(("sessions", lo, lo + length, amount))
            else:
                rows.append(("users", lo, hi, amount))
        totals = interval_counts(rows, days)
        known: Known = {}
        for day in days:
            here = ctx.at(day)
            bounds = here.bounds()
            known[here.memo_key(("sessions", *bounds))] = SessionTotals(
                totals.get(("sessions", day), 0), totals.get(("users", day), 0),
                totals.get(("duration", day), 0), totals.get(("mobile", day), 0))
        return known

    return shared(ctx, "session_day_totals", days, compute)
