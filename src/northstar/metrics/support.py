"""Support and satisfaction from ``support_tickets`` and ``survey_responses`` (METRICS.md,
"Support and satisfaction").

Tickets are in the window when ``opened_at`` falls in its instants; a ticket counts as answered
(resolved) on ``D`` when ``first_response_at`` (``resolved_at``) is set before the end of ``D``.
Survey answers are in the window when ``responded_at`` falls in it. With filters, only tickets and
answers of users matching them count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.ranges import Known, Prefetch, _rows, day_number, days_via, interval_counts, window_span
from northstar.metrics.registry import USER_DIMENSIONS, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, ratio, undefined

SOURCE = "METRICS.md § Support and satisfaction"
TICKETS = ("support_tickets",)
SURVEYS = ("survey_responses",)
CSAT, NPS = (1, 5), (0, 10)  # the valid scores of each survey; answers outside them are ignored


def _of_matching_users(ctx: MetricContext, table: ir.Table) -> ir.Table:
    if ctx.filters:
        users = ctx.users()
        table = table.semi_join(users, table.user_id == users.user_id)
    return table


def tickets(ctx: MetricContext) -> ir.Table:
    """Tickets opened in the window (of users matching the filters)."""
    start, end = ctx.bounds()
    table = ctx.table("support_tickets")
    return _of_matching_users(ctx, table.filter(table.opened_at >= start, table.opened_at < end))


def ticket_times(ctx: MetricContext, column: str) -> tuple[int, int, int]:
    """The window's tickets: how many were opened, how many have ``column`` set before the end of
    ``D``, and the sum of those tickets' whole microseconds from ``opened_at`` to ``column``.

    Microseconds are counted as integers (a difference of timestamps, exact on every backend): a
    sum of fractional epoch seconds as doubles depends on the order in which the engine adds them.
    Remembered under ``("ticket_times", column)`` (:func:`ticket_times_days` fills it for a range)."""

    def compute() -> tuple[int, int, int]:
        table = tickets(ctx)
        done = table[column].notnull() & (table[column] < ibis.literal(ctx.end_of_day))
        micros = table[column].delta(table.opened_at, unit="microsecond")
        ((opened, count, total),) = _rows(table.aggregate(
            opened=table.count(), done=table.count(where=done), micros=micros.sum(where=done)))
        return int(opened), int(count), int(total or 0)

    return ctx.remember(("ticket_times", column), compute)  # type: ignore[no-any-return]


def ticket_times_days(column: str) -> Prefetch:
    """:func:`ticket_times` of ``column`` on each of ``days``, from one grouped query: a ticket
    opened on day ``o`` and done (``column`` set) on day ``d`` counts as opened on the days
    ``[o, o + window)`` and as done on ``[max(o, d), o + window)``."""

    def prefetch(ctx: MetricContext, days: Sequence[date]) -> Known:
        zone, length = ctx.settings.timezone, ctx.window.days
        first, last, start, end = window_span(ctx, days)
        table = ctx.table("support_tickets")
        table = table.filter(table.opened_at >= start, table.opened_at < end)
        grouped = table.group_by(
            opened=day_number(table.opened_at, first, last, zone), done=day_number(table[column], first, last, zone),
        ).aggregate(tickets=table.count(), micros=table[column].delta(table.opened_at, unit="microsecond").sum())
        rows: list[tuple[str, int, int, int]] = []
        for opened, done, count, micros in _rows(grouped):
            rows.append(("opened", opened, opened + length, count))
            if done is not None:
                rows += [("done", max(opened, done), opened + length, count),
                         ("micros", max(opened, done), opened + length, micros)]
        counts = interval_counts(rows, days)
        return {ctx.at(day).memo_key(("ticket_times", column)): tuple(
            counts.get((part, day), 0) for part in ("opened", "done", "micros")) for day in days}

    return prefetch


def mean_time_to(column: str, seconds_per_unit: int, what: str) -> Callable[[MetricContext], Measurement]:
    """Mean time from ``opened_at`` to ``column``, in units of ``seconds_per_unit`` seconds, over
    the window's tickets whose ``column`` is set before the end of ``D`` (the others are left out);
    undefined when there are none, the reason saying whether tickets were opened at all."""

    def compute(ctx: MetricContext) -> Measurement:
        opened, count, micros = ticket_times(ctx, column)
        if opened == 0:
            return undefined("no tickets opened in the window")
        if count == 0:
            return undefined(f"no ticket opened in the window has been {what} yet ({opened} opened)")
        return measured(exact(Fraction(micros, 1_000_000) / (seconds_per_unit * count)))

    return compute


def survey_answers(ctx: MetricContext, survey: str, low: int, high: int) -> ir.Table:
    """Answers to ``survey`` given in the window with a score in ``[low, high]``."""
    start, end = ctx.bounds()
    table = ctx.table("survey_responses")
    table = table.filter(table.survey == survey, table.responded_at >= start, table.responded_at < end,
                         table.score >= low, table.score <= high)
    return _of_matching_users(ctx, table)


def survey_scores(ctx: MetricContext, survey: str, low: int, high: int) -> dict[int, int]:
    """How many of the window's answers to ``survey`` gave each score in ``[low, high]`` (scores
    nobody gave are absent); remembered under ``("survey_scores", survey, low, high)`` (:func:`survey_scores_days`
    fills it for a range)."""

    def compute() -> dict[int, int]:
        table = survey_answers(ctx, survey, low, high)
        return {int(score): int(count) for score, count in _rows(table.group_by("score").aggregate(
            answers=table.count()))}

    return ctx.remember(("survey_scores", survey, low, high), compute)  # type: ignore[no-any-return]


def survey_scores_days(survey: str, low: int, high: int) -> Prefetch:
    """:func:`survey_scores` on each of ``days``, from one query grouping the range's answers by
    day and score: an answer given on day ``r`` counts on the days ``[r, r + window)``."""

    def prefetch(ctx: MetricContext, days: Sequence[date]) -> Known:
        zone, length = ctx.settings.timezone, ctx.window.days
        first, last, start, end = window_span(ctx, days)
        table = ctx.table("survey_responses")
        table = table.filter(table.survey == survey, table.responded_at >= start, table.responded_at < end,
                             table.score >= low, table.score <= high)
        grouped = table.group_by("score", day=day_number(table.responded_at, first, last, zone)).aggregate(
            answers=table.count())
        counts = interval_counts(((score, day, day + length, count) for score, day, count in _rows(grouped)), days)
        known: Known = {ctx.at(day).memo_key(("survey_scores", survey, low, high)): {} for day in days}
        for (score, day), count in sorted(counts.items()):
            if count:
                known[ctx.at(day).memo_key(("survey_scores", survey, low, high))][int(score)] = count
        return known

    return prefetch


def csat_score(ctx: MetricContext) -> Measurement:
    """Mean CSAT rating (1–5) of the answers given in the window; undefined without any."""
    scores = survey_scores(ctx, "csat", *CSAT)
    count = sum(scores.values())
    return ratio(sum(score * answers for score, answers in scores.items()), count, "no CSAT answers in the window")


def nps_score(ctx: MetricContext) -> Measurement:
    """Net promoter score of the NPS answers (0–10) given in the window: ``100 × (promoters (9–10)
    − detractors (0–6)) / answers``, rounded half-even to an integer in ``[−100, 100]``; undefined
    without answers."""
    scores = survey_scores(ctx, "nps", *NPS)
    count = sum(scores.values())
    if count == 0:
        return undefined("no NPS answers in the window")
    promoters = sum(answers for score, answers in scores.items() if score >= 9)
    detractors = sum(answers for score, answers in scores.items() if score <= 6)
    score = Fraction(100 * (promoters - detractors), count)
    return measured(int((Decimal(score.numerator) / Decimal(score.denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_EVEN)))


def _spec(name: str, label: str, description: str, unit: str, definition: str, requires: tuple[str, ...],
          **extra: object) -> MetricSpec:
    return MetricSpec(
        name=name, label=label, description=description, unit=unit, direction=extra.pop("direction", "higher"),
        family="support", kind="simple", grain="timeframe", dimensions=USER_DIMENSIONS, definition=definition,
        source=SOURCE, requires=requires, **extra,
    )


def metrics(settings: Settings) -> list[Metric]:
    """The support family's catalog entries."""
    response = mean_time_to("first_response_at", 60, "answered")
    resolution = mean_time_to("resolved_at", 3600, "resolved")
    return [
        Metric(_spec("avg_first_response_minutes", "Avg first response", "Mean minutes to support's first "
                     "answer.", "duration", "Mean minutes from opened_at to first_response_at over tickets "
                     "opened in the window and answered by the end of D; unanswered tickets are left out.",
                     TICKETS, duration_unit="minutes", direction="lower"), response,
               compute_days=days_via(ticket_times_days("first_response_at"), response)),
        Metric(_spec("avg_resolution_hours", "Avg resolution time", "Mean hours to resolve a ticket.",
                     "duration", "Mean hours from opened_at to resolved_at over tickets opened in the window "
                     "and resolved by the end of D; unresolved tickets are left out.", TICKETS,
                     duration_unit="hours", direction="lower"), resolution,
               compute_days=days_via(ticket_times_days("resolved_at"), resolution)),
        Metric(_spec("csat_score", "CSAT", "Mean customer satisfaction rating (1–5).", "score",
                     "Mean score of the csat answers given in the window (scores outside 1–5 are ignored); "
                     "undefined without any.", SURVEYS), csat_score,
               compute_days=days_via(survey_scores_days("csat", *CSAT), csat_score)),
        Metric(_spec("nps_score", "NPS", "Net promoter score (−100 to 100).", "score",
                     "100 × (promoters (9–10) − detractors (0–6)) / nps answers given in the window, rounded "
                     "half-even to an integer; undefined without any.", SURVEYS), nps_score,
               compute_days=days_via(survey_scores_days("nps", *NPS), nps_score)),
    ]
