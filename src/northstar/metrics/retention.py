"""N-day retention from ``users`` and ``events`` (METRICS.md, "Retention and cohorts"), and the
portable reporting-timezone clock that cohorts share.

Reporting days are calendar days in ``settings.reporting_timezone``. The database cannot be asked
to convert time zones the same way on every backend, so :func:`local_clock` turns a naive-UTC
timestamp column into local wall-clock time with a ``CASE`` over the zone's UTC-offset changes
(computed here, in Python, for the span of instants the query reads): exact across DST changes,
identical SQL semantics on DuckDB and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import Window, day_start_utc
from northstar.metrics.context import MetricContext
from northstar.metrics.registry import USER_DIMENSIONS, Metric, MetricSpec
from northstar.metrics.results import Measurement, ratio

SOURCE = "METRICS.md § Retention and cohorts"
REQUIRES = ("users", "events")
RETENTION_DAYS = (1, 7, 30, 90)
EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400


def _offset_seconds(zone: ZoneInfo, instant: datetime) -> int:
    offset = instant.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The UTC offsets of ``zone`` over the naive-UTC instants ``[start, end]``: a list of
    ``(from_instant, offset_seconds)``, the first starting at ``start``, each later one at the
    exact second (naive UTC) the offset changes. Scans day by day and bisects each change."""
    changes = [(start, _offset_seconds(zone, start))]
    step = timedelta(days=1)
    before = start
    while before < end:
        after = min(before + step, end)
        if _offset_seconds(zone, after) != changes[-1][1]:
            low, high = before, after
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_seconds(zone, middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high.replace(microsecond=0), _offset_seconds(zone, high)))
        before = after
    return changes


def local_clock(column: ir.TimestampValue, zone: ZoneInfo, start: datetime, end: datetime) -> ir.TimestampValue:
    """``column`` (naive UTC) as naive wall-clock time in ``zone``, exact for instants in
    ``[start, end]`` (outside, the nearest offset of that span applies)."""
    changes = offset_changes(zone, start, end)
    shifted = [column + ibis.interval(seconds=offset) for _at, offset in changes]
    if len(changes) == 1:
        return shifted[0]
    branches = [(column < changes[index + 1][0], shifted[index]) for index in range(len(changes) - 1)]
    return ibis.cases(*branches, else_=shifted[-1])


def day_number(local: ir.TimestampValue) -> ir.IntegerValue:
    """Days since 1970-01-01 of a local wall-clock timestamp (see :func:`local_clock`)."""
    return (local.epoch_seconds() // SECONDS_PER_DAY).cast("int64")


def day_index(day: date) -> int:
    """Days since 1970-01-01 of ``day``: the Python twin of :func:`day_number`."""
    return (day - EPOCH).days


@dataclass(frozen=True, slots=True)
class RetentionCounts:
    """For one N: users who signed up on a day S of the window with S+N ≤ D (``cohort``), of whom
    ``exact`` were active on day S+N and ``unbounded`` on some day from S+N to D."""

    cohort: int
    exact: int
    unbounded: int


def retention_counts(ctx: MetricContext, days: int) -> RetentionCounts:
    """:class:`RetentionCounts` for N = ``days`` on ``ctx.day`` over ``ctx.window``, in one query.

    Users are ``ctx.users()`` (registered, not deleted by the end of D, matching the filters);
    activity is a qualifying event (``ctx.qualifying_events``); days are reporting days."""
    last_signup_day = ctx.day - timedelta(days=days)
    if last_signup_day < ctx.window.start:
        return RetentionCounts(0, 0, 0)
    start, end = ctx.bounds(Window(ctx.window.start, last_signup_day + timedelta(days=1)))
    zone = ctx.settings.timezone

    users = ctx.users()
    users = users.filter(users.signup_at >= start, users.signup_at < end)
    users = users.select(member=users.user_id, signup_day=day_number(local_clock(users.signup_at, zone, start, end)))

    events = ctx.qualifying_events(day_start_utc(ctx.window.start + timedelta(days=days), zone), ctx.end_of_day)
    events = events.select(
        "uid", active_day=day_number(local_clock(events.timestamp, zone, start, ctx.end_of_day))
    ).distinct()

    joined = users.left_join(
        events, [users.member == events.uid, events.active_day >= users.signup_day + days]
    )
    row = joined.aggregate(
        cohort=joined.member.nunique(),
        exact=ibis.ifelse(joined.active_day == joined.signup_day + days, joined.member, ibis.null()).nunique(),
        unbounded=ibis.ifelse(joined.active_day.notnull(), joined.member, ibis.null()).nunique(),
    ).execute().iloc[0]
    return RetentionCounts(int(row["cohort"]), int(row["exact"]), int(row["unbounded"]))


def retention(days: int, unbounded: bool) -> Callable[[MetricContext], Measurement]:
    """``d{days}_retention`` (active on exactly day S+N) or its unbounded variant (active on S+N or
    any later day up to D): a share of the users who signed up on a day S of the window with
    S+N ≤ D; undefined when there are none."""

    def compute(ctx: MetricContext) -> Measurement:
        counts = ctx.remember(("retention", days), lambda: retention_counts(ctx, days))
        retained = counts.unbounded if unbounded else counts.exact
        return ratio(retained, counts.cohort, f"no user in the window signed up at least {days} days before D")

    return compute


def _spec(days: int, unbounded: bool) -> MetricSpec:
    name = f"d{days}_retention" + ("_unbounded" if unbounded else "")
    when = f"on day S+{days} or any later day up to D" if unbounded else f"on day S+{days} exactly"
    label = f"Day-{days} retention" + (" (unbounded)" if unbounded else "")
    return MetricSpec(
        name=name, label=label, family="retention", kind="cohort", grain="timeframe", unit="rate",
        direction="higher", dimensions=USER_DIMENSIONS, source=SOURCE, requires=REQUIRES,
        description=f"Share of new users active {when}.",
        definition=(
            f"Of the users who signed up (coalesce(created_at, first_seen_at)) on a reporting day S of the window "
            f"with S+{days} ≤ D, not deleted by the end of D, the share with a qualifying event {when}; days are "
            f"calendar days in the reporting timezone. Users whose day S+{days} has not passed by D are left out of "
            "the denominator; undefined when no user is left."
        ),
    )


def metrics(settings: Settings) -> list[Metric]:
    """The retention family's catalog entries: exact-day and unbounded N-day retention."""
    return [Metric(_spec(days, unbounded), retention(days, unbounded))
            for unbounded in (False, True) for days in RETENTION_DAYS]
