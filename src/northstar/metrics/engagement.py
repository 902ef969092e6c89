"""Engagement metrics from ``events`` (METRICS.md, "Engagement").

Active = at least one qualifying event (every track/page/screen call except the events named in
``settings.non_qualifying_events``); users are canonical users (aliases resolved).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import (
    ACTIVE_LENGTHS,
    Known,
    _rows,
    active_counts,
    day_number,
    days_via,
    interval_counts,
    registered_activity,
    shared,
    window_span,
)
from northstar.metrics.registry import USER_DIMENSIONS, DaysFunction, Grain, Metric, MetricSpec
from northstar.metrics.results import Measurement, measured, ratio
from northstar.metrics.sessions import MICROSECONDS_PER_MINUTE, session_day_totals, session_totals

SOURCE = "METRICS.md § Engagement"
ACTIVITY = ("events",)

# METRICS.md names of the features the specification lists; any other declared feature F is
# ``F_adoption``.
FEATURE_METRIC_NAMES: dict[str, str] = {
    "forms": "forms_usage_rate",
    "journey_builder": "journey_builder_adoption",
    "ai_features": "ai_features_usage",
    "template_marketplace": "template_marketplace_purchases",
}


# Labels of the specification's features; any other feature is labelled from its name.
FEATURE_LABELS: dict[str, str] = {"ai_features": "AI features"}


def feature_metric_name(feature: str) -> str:
    """The catalog name of the adoption rate of declared feature ``feature``."""
    return FEATURE_METRIC_NAMES.get(feature, f"{feature}_adoption")


def completion_metric_name(feature: str) -> str:
    """The catalog name of the completion rate of declared feature ``feature``."""
    return f"{feature}_completion_rate"


# A use of a feature is a successful completion when its event name ends with one of these, or
# when the event's ``properties.success`` is JSON ``true`` (the seed's ``feature_usage`` table).
COMPLETION_SUFFIXES: tuple[str, ...] = ("Completed", "Purchased", "Published")


def completed_use(events: ir.Table) -> ir.BooleanValue:
    """Whether each event of ``events`` is a successful completion (see :data:`COMPLETION_SUFFIXES`)."""
    named = ibis.or_(*(events.event.endswith(suffix) for suffix in COMPLETION_SUFFIXES))
    return named | events.properties["success"].unwrap_as("boolean").fill_null(False)


def active_in_days(days: int) -> Callable[[MetricContext], Measurement]:
    """Distinct active users in the ``days`` reporting days ending ``D`` (dau 1, wau 7, mau 30)."""

    def compute(ctx: MetricContext) -> Measurement:
        return measured(ctx.count_active(ctx.days_ending_on_day(days)))

    return compute


def stickiness(ctx: MetricContext) -> Measurement:
    """``dau / mau`` on ``D``; undefined when nobody was active in the 30 days."""
    dau = ctx.count_active(ctx.days_ending_on_day(1))
    mau = ctx.count_active(ctx.days_ending_on_day(30))
    return ratio(dau, mau, "no active users in the 30 days ending D")


def _active_days(days: int) -> DaysFunction:
    """:func:`active_in_days` on many days from one grouped query (``metrics/ranges.py``)."""
    return days_via(active_counts, active_in_days(days), single_day=True)


def _rate_days(days: int, user_type: str | None) -> DaysFunction:
    """:func:`active_rate` on many days from grouped queries (``metrics/ranges.py``)."""
    return days_via(registered_activity, active_rate(days, user_type), single_day=True)


def active_rate(days: int, user_type: str | None) -> Callable[[MetricContext], Measurement]:
    """Registered users (of ``user_type``) active in the ``days`` days ending ``D`` / registered
    users (of ``user_type``) at the end of ``D``; undefined when there are none."""

    def compute(ctx: MetricContext) -> Measurement:
        denominator = ctx.count_registered(user_type)
        numerator = ctx.count_registered_active(ctx.days_ending_on_day(days), user_type)
        who = f"{user_type} users" if user_type else "users"
        return ratio(numerator, denominator, f"no registered {who} at the end of D")

    return compute


def avg_session_duration_minutes(ctx: MetricContext) -> Measurement:
    """Mean duration in minutes of the sessions that started in the window; undefined without any."""
    totals = session_totals(ctx, *ctx.bounds())
    return ratio(Fraction(totals.duration_microseconds, MICROSECONDS_PER_MINUTE), totals.sessions,
                 "no sessions started in the window")


def sessions_per_user(ctx: MetricContext) -> Measurement:
    """Sessions started in the window / distinct users who started them."""
    totals = session_totals(ctx, *ctx.bounds())
    return ratio(totals.sessions, totals.users, "no sessions started in the window")


def mobile_usage_rate(ctx: MetricContext) -> Measurement:
    """Sessions started in the window on a mobile or tablet device / all sessions started in it."""
    totals = session_totals(ctx, *ctx.bounds())
    return ratio(totals.mobile_sessions, totals.sessions, "no sessions started in the window")


def feature_users(ctx: MetricContext) -> tuple[int, dict[str, int]]:
    """Distinct active users in the window, and per declared feature the distinct users with a
    qualifying event of it in the window: one query for every feature."""
    start, end = ctx.bounds()
    events = ctx.qualifying_events(start, end)
    features = [(feature, list(names)) for feature, names in ctx.settings.features.items() if names]
    columns = {f"f{index}": ibis.ifelse(events.event.isin(names), events.uid, ibis.null()).nunique()
               for index, (_feature, names) in enumerate(features)}
    row = events.aggregate(active=events.uid.nunique(), **columns).execute().iloc[0]
    used = {feature: int(row[f"f{index}"]) for index, (feature, _names) in enumerate(features)}
    return int(row["active"]), {feature: used.get(feature, 0) for feature in ctx.settings.features}


def feature_completions(ctx: MetricContext) -> dict[str, tuple[int, int]]:
    """Per declared feature, ``(uses, successful completions)`` in the window: its qualifying events
    (of users matching the filters) and those of them that are successful completions; one query
    for every feature."""
    start, end = ctx.bounds()
    events = ctx.qualifying_events(start, end)
    completed = completed_use(events)
    features = [(feature, list(names)) for feature, names in ctx.settings.features.items() if names]
    columns = {}
    for index, (_feature, names) in enumerate(features):
        used = events.event.isin(names)
        columns[f"u{index}"] = events.count(where=used)
        columns[f"c{index}"] = events.count(where=used & completed)
    row = events.aggregate(**columns).execute().iloc[0] if columns else {}
    counted = {feature: (int(row[f"u{index}"]), int(row[f"c{index}"]))
               for index, (feature, _names) in enumerate(features)}
    return {feature: counted.get(feature, (0, 0)) for feature in ctx.settings.features}


def completion_rate(feature: str | None) -> Callable[[MetricContext], Measurement]:
    """Successful completions / uses of ``feature`` in the window (every declared feature together
    when ``None``); undefined when it was not used."""

    def compute(ctx: MetricContext) -> Measurement:
        counts = ctx.remember(("feature_completions",), lambda: feature_completions(ctx))
        chosen = list(counts) if feature is None else [feature]
        uses = sum(counts[name][0] for name in chosen)
        completions = sum(counts[name][1] for name in chosen)
        return ratio(completions, uses, "no uses of the feature in the window")

    return compute


def feature_adoption(feature: str) -> Callable[[MetricContext], Measurement]:
    """Distinct users with a qualifying event of ``feature`` (its declared event names) in the window
    / distinct active users in the window; undefined when nobody was active."""

    def compute(ctx: MetricContext) -> Measurement:
        active, users = ctx.remember(("feature_users",), lambda: feature_users(ctx))
        return ratio(users[feature], active, "no active users in the window")

    return compute


def _range_events(ctx: MetricContext, days: Sequence[date]) -> ir.Table:
    """Qualifying events in the windows as long as ``ctx``'s ending on ``days``, with ``day``, their
    reporting day number (``metrics/ranges.py``)."""
    first, last, start, end = window_span(ctx, days)
    events = ctx.qualifying_events(start, end)
    return events.mutate(day=day_number(events.timestamp, first, last, ctx.settings.timezone))


def _declared(settings: Settings) -> list[tuple[str, list[str]]]:
    return [(feature, list(names)) for feature, names in settings.features.items() if names]


def feature_user_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`feature_users` of the window as long as ``ctx``'s ending on each of ``days``, from one
    grouped query: distinct ``(who, uid, day)`` for every declared feature and for all activity
    (``who`` ``""``), each counting on the days ``[day, next day of the user + window)``. For the
    windows DAU, WAU and MAU have, all activity is their :func:`active_counts` instead."""

    def compute() -> Known:
        length = ctx.window.days
        events = _range_events(ctx, days)
        active = active_counts(ctx, days) if length in ACTIVE_LENGTHS else None
        branches = [] if active is not None else [events.select(who=ibis.literal(""), uid=events.uid, day=events.day)]
        for feature, names in _declared(ctx.settings):
            used = events.filter(events.event.isin(names))
            branches.append(used.select(who=ibis.literal(feature), uid=used.uid, day=used.day))
        grouped = []
        if branches:
            user_days = ibis.union(*branches, distinct=False).distinct()
            following = user_days.day.lead().over(ibis.window(group_by=[user_days.who, user_days.uid],
                                                              order_by=user_days.day))
            spans = user_days.mutate(gap=ibis.least(following - user_days.day, length).fill_null(length))
            grouped = _rows(spans.group_by(["who", "day", "gap"]).aggregate(users=spans.count()))
        counts = interval_counts(((who, day, day + gap, users) for who, day, gap, users in grouped), days)
        known: Known = {}
        for day in days:
            here = ctx.at(day)
            everyone = (counts.get(("", day), 0) if active is None
                        else active[here.memo_key(("active", here.days_ending_on_day(length)))])
            known[here.memo_key(("feature_users",))] = (
                everyone, {feature: counts.get((feature, day), 0) for feature in ctx.settings.features})
        return known

    return shared(ctx, "feature_user_days", days, compute)


def feature_completion_days(ctx: MetricContext, days: Sequence[date]) -> Known:
    """:func:`feature_completions` of the window as long as ``ctx``'s ending on each of ``days``,
    from one grouped query: uses and completions per feature and day, summed over each window."""

    def compute() -> Known:
        length = ctx.window.days
        events = _range_events(ctx, days)
        branches = []
        for feature, names in _declared(ctx.settings):
            used = events.filter(events.event.isin(names))
            branches.append(used.select(feature=ibis.literal(feature), day=used.day,
                                        completed=ibis.ifelse(completed_use(used), 1, 0)))
        sums: dict[tuple[object, date], int] = {}
        if branches:
            uses = ibis.union(*branches, distinct=False)
            grouped = _rows(uses.group_by(["feature", "day"]).aggregate(uses=uses.count(),
                                                                       completions=uses.completed.sum()))
            sums = interval_counts([((feature, "uses"), day, day + length, used)
                                    for feature, day, used, _done in grouped]
                                   + [((feature, "completions"), day, day + length, done)
                                      for feature, day, _used, done in grouped], days)
        return {ctx.at(day).memo_key(("feature_completions",)): {
            feature: (sums.get(((feature, "uses"), day), 0), sums.get(((feature, "completions"), day), 0))
            for feature in ctx.settings.features} for day in days}

    return shared(ctx, "feature_completion_days", days, compute)


def _spec(name: str, label: str, description: str, unit: str, kind: str, grain: Grain, definition: str,
          **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction="higher", family="engagement",
        kind=kind, grain=grain, dimensions=USER_DIMENSIONS, definition=definition, source=SOURCE,
        requires=extra.pop("requires", ACTIVITY), **extra,
    )


COMPLETION_TEXT = (
    "A use is a qualifying event named by one of the feature's declared events, each use being a start (the "
    "seed's feature_usage table); a successful completion is a use whose event name ends with Completed, "
    "Purchased or Published, or whose properties.success is true. Undefined when the feature was not used.")


def _rate_text(days: int, who: str) -> str:
    period = "on D" if days == 1 else f"in the {days} reporting days ending D"
    return (f"Registered {who} active {period} / registered {who} at the end of D (signed up by then, not "
            "deleted); undefined when there are none.")


def metrics(settings: Settings) -> list[Metric]:
    """The engagement family's catalog entries, with one adoption rate per declared feature."""
    gap = settings.session_gap_minutes
    session_text = (f"Qualifying events of one user with gaps under {gap} minutes form one session, unless "
                    "they carry an explicit session_id; duration = last event − first event.")
    entries = [
        Metric(_spec("dau", "DAU", "Daily active users.", "count", "simple", "day",
                     "Distinct users with a qualifying event on D."), active_in_days(1), compute_days=_active_days(1)),
        Metric(_spec("wau", "WAU", "Weekly active users.", "count", "simple", "7d",
                     "Distinct users with a qualifying event in the 7 reporting days ending D."), active_in_days(7),
               compute_days=_active_days(7)),
        Metric(_spec("mau", "MAU", "Monthly active users.", "count", "simple", "30d",
                     "Distinct users with a qualifying event in the 30 reporting days ending D."), active_in_days(30),
               compute_days=_active_days(30)),
        Metric(_spec("stickiness", "Stickiness", "Share of monthly users active today.", "rate", "ratio", "day",
                     "dau / mau on D; undefined when mau is 0."), stickiness,
               compute_days=days_via(active_counts, stickiness, single_day=True)),
        Metric(_spec("dau_rate", "DAU rate", "Share of registered users active today.", "rate", "ratio", "day",
                     _rate_text(1, "users"), requires=("users", "events")), active_rate(1, None),
               compute_days=_rate_days(1, None)),
        Metric(_spec("wau_rate", "WAU rate", "Share of registered users active this week.", "rate", "ratio", "7d",
                     _rate_text(7, "users"), requires=("users", "events")), active_rate(7, None),
               compute_days=_rate_days(7, None)),
        Metric(_spec("supplier_dau_rate", "Supplier DAU rate", "Share of suppliers active today.", "rate", "ratio",
                     "day", _rate_text(1, "suppliers"), requires=("users", "events")), active_rate(1, "supplier"),
               compute_days=_rate_days(1, "supplier")),
        Metric(_spec("supplier_wau_rate", "Supplier WAU rate", "Share of suppliers active this week.", "rate",
                     "ratio", "7d", _rate_text(7, "suppliers"), requires=("users", "events")),
               active_rate(7, "supplier"), compute_days=_rate_days(7, "supplier")),
        Metric(_spec("couple_wau_rate", "Couple WAU rate", "Share of couples active this week.", "rate", "ratio",
                     "7d", _rate_text(7, "couples"), requires=("users", "events")), active_rate(7, "couple"),
               compute_days=_rate_days(7, "couple")),
        Metric(_spec("avg_session_duration_minutes", "Avg session duration", "Mean session length.", "duration",
                     "ratio", "timeframe", "Mean duration of the sessions that started in the window. " + session_text,
                     duration_unit="minutes"), avg_session_duration_minutes,
               compute_days=days_via(session_day_totals, avg_session_duration_minutes)),
        Metric(_spec("sessions_per_user", "Sessions per user", "Sessions per user who had one.", "ratio", "ratio",
                     "timeframe", "Sessions that started in the window / distinct users who started them. "
                     + session_text), sessions_per_user, compute_days=days_via(session_day_totals, sessions_per_user)),
        Metric(_spec("mobile_usage_rate", "Mobile usage", "Share of sessions on phones and tablets.", "rate", "ratio",
                     "timeframe", "Sessions that started in the window with an event whose device type "
                     "(context.device.type, else parsed from the user agent at ingestion) is mobile or tablet / "
                     "all sessions that started in the window. " + session_text), mobile_usage_rate,
               compute_days=days_via(session_day_totals, mobile_usage_rate)),
    ]
    for feature, events in settings.features.items():
        label = FEATURE_LABELS.get(feature, feature.replace("_", " ").capitalize())
        entries.append(Metric(
            _spec(feature_metric_name(feature), f"{label} adoption", f"Share of active users who used {label}.",
                  "rate", "ratio", "timeframe",
                  f"Distinct users with a qualifying event named {', '.join(events) or '(none declared)'} in the "
                  "window / distinct active users in the window; undefined when nobody was active."),
            feature_adoption(feature), compute_days=days_via(feature_user_days, feature_adoption(feature))))
        entries.append(Metric(
            _spec(completion_metric_name(feature), f"{label} completion rate",
                  f"Share of uses of {label} that were successful completions.", "rate", "ratio", "timeframe",
                  f"Successful completions / uses of {label} in the window. {COMPLETION_TEXT}"),
            completion_rate(feature), compute_days=days_via(feature_completion_days, completion_rate(feature))))
    entries.append(Metric(
        _spec("feature_completion_rate", "Feature completion rate",
              "Share of uses of declared features that were successful completions.", "rate", "ratio", "timeframe",
              f"Successful completions / uses of every declared feature together in the window. {COMPLETION_TEXT}"),
        completion_rate(None), compute_days=days_via(feature_completion_days, completion_rate(None))))
    return entries
