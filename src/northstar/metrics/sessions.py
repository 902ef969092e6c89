"""Sessions from events (METRICS.md, "Sessions").

Qualifying events of one canonical user form one session while the gap between consecutive events
is under ``settings.session_gap_minutes``; events that carry an explicit ``session_id`` form the
session of that id instead. A session's duration is its last event minus its first; a session is
on a mobile device when any of its events has ``device_type`` mobile or tablet (METRICS.md,
``mobile_usage_rate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir

from northstar.metrics.context import MetricContext

# Segment's context.device.type values (normalised at ingestion) that count as mobile usage.
MOBILE_DEVICES = ("mobile", "tablet")


@dataclass(frozen=True, slots=True)
class SessionTotals:
    """Sessions that started in a window: how many, by how many distinct users, their summed
    duration in whole seconds, and how many were on a mobile or tablet device."""

    sessions: int
    users: int
    duration_seconds: int
    mobile_sessions: int


def sessions(ctx: MetricContext, start: datetime, end: datetime) -> ir.Table:
    """One row per session that started at an instant in ``[start, end)``, from events before
    ``end``: ``uid``, ``started_at``, ``duration_seconds``, ``mobile`` (1 when any event of the session
    was on a mobile or tablet device, else 0).

    Gap-cut sessions look back one gap before ``start``, enough to tell whether an event at or after
    ``start`` opens a session; explicit sessions take their first event from all earlier data.
    """
    gap_seconds = ctx.settings.session_gap_minutes * 60
    lookback = start - timedelta(seconds=gap_seconds)
    events = ctx.qualifying_events(None, end).select("uid", "timestamp", "session_id", "device_type")
    events = events.mutate(seconds=events.timestamp.epoch_seconds(),
                           on_mobile=ibis.ifelse(events.device_type.isin(MOBILE_DEVICES), 1, 0))

    explicit = events.filter(events.session_id.notnull())
    explicit = explicit.group_by(["uid", "session_id"]).aggregate(
        started_at=explicit.timestamp.min(), first=explicit.seconds.min(), last=explicit.seconds.max(),
        mobile=explicit.on_mobile.max(),
    )

    implicit = events.filter(events.session_id.isnull(), events.timestamp >= lookback)
    by_user = ibis.window(group_by=implicit.uid, order_by=[implicit.timestamp])
    implicit = implicit.mutate(previous=implicit.seconds.lag().over(by_user))
    implicit = implicit.mutate(
        opens=ibis.ifelse(implicit.previous.isnull() | (implicit.seconds - implicit.previous >= gap_seconds), 1, 0)
    )
    running = ibis.window(group_by=implicit.uid, order_by=[implicit.timestamp], preceding=None, following=0)
    implicit = implicit.mutate(number=implicit.opens.sum().over(running))
    implicit = implicit.group_by(["uid", "number"]).aggregate(
        started_at=implicit.timestamp.min(), first=implicit.seconds.min(), last=implicit.seconds.max(),
        mobile=implicit.on_mobile.max(),
    )

    columns = ["uid", "started_at", "first", "last", "mobile"]
    every = explicit.select(*columns).union(implicit.select(*columns), distinct=False)
    every = every.filter(every.started_at >= start, every.started_at < end)
    return every.select("uid", "started_at", "mobile", duration_seconds=every["last"] - every["first"])


def session_totals(ctx: MetricContext, start: datetime, end: datetime) -> SessionTotals:
    """Counts and summed duration of the sessions that started in ``[start, end)`` (remembered)."""
    return ctx.remember(("sessions", start, end), lambda: _totals(ctx, start, end))


def _totals(ctx: MetricContext, start: datetime, end: datetime) -> SessionTotals:
    found = sessions(ctx, start, end)
    row = found.aggregate(
        sessions=found.count(), users=found.uid.nunique(), seconds=found.duration_seconds.sum(),
        mobile=found.mobile.sum(),
    ).execute()
    count, users, seconds, mobile = row.iloc[0]
    if count == 0:
        return SessionTotals(0, 0, 0, 0)
    return SessionTotals(int(count), int(users), int(seconds), int(mobile))
