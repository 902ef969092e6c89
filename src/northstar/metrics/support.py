"""Support and satisfaction from ``support_tickets`` and ``survey_responses`` (METRICS.md,
"Support and satisfaction").

Tickets are in the window when ``opened_at`` falls in its instants; a ticket counts as answered
(resolved) on ``D`` when ``first_response_at`` (``resolved_at``) is set before the end of ``D``.
Survey answers are in the window when ``responded_at`` falls in it. With filters, only tickets and
answers of users matching them count.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.metrics.context import MetricContext
from northstar.metrics.registry import USER_DIMENSIONS, Metric, MetricSpec
from northstar.metrics.results import Measurement, exact, measured, ratio, undefined

SOURCE = "METRICS.md § Support and satisfaction"
TICKETS = ("support_tickets",)
SURVEYS = ("survey_responses",)


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


def mean_time_to(column: str, seconds_per_unit: int, what: str) -> Callable[[MetricContext], Measurement]:
    """Mean time from ``opened_at`` to ``column``, in units of ``seconds_per_unit`` seconds, over
    the window's tickets whose ``column`` is set before the end of ``D`` (the others are left out);
    undefined when there are none, the reason saying whether tickets were opened at all."""

    def compute(ctx: MetricContext) -> Measurement:
        table = tickets(ctx)
        done = table[column].notnull() & (table[column] < ibis.literal(ctx.end_of_day))
        seconds = table[column].epoch_seconds() - table.opened_at.epoch_seconds()
        row = table.aggregate(
            opened=table.count(),
            done=ibis.ifelse(done, 1, 0).sum(),
            seconds=ibis.ifelse(done, seconds, ibis.null()).sum(),
        ).execute().iloc[0]
        opened = int(row["opened"])
        if opened == 0:
            return undefined("no tickets opened in the window")
        count = int(row["done"])
        if count == 0:
            return undefined(f"no ticket opened in the window has been {what} yet ({opened} opened)")
        return measured(exact(Fraction(Decimal(str(row["seconds"]))) / (seconds_per_unit * count)))

    return compute


def survey_answers(ctx: MetricContext, survey: str, low: int, high: int) -> ir.Table:
    """Answers to ``survey`` given in the window with a score in ``[low, high]``."""
    start, end = ctx.bounds()
    table = ctx.table("survey_responses")
    table = table.filter(table.survey == survey, table.responded_at >= start, table.responded_at < end,
                         table.score >= low, table.score <= high)
    return _of_matching_users(ctx, table)


def csat_score(ctx: MetricContext) -> Measurement:
    """Mean CSAT rating (1–5) of the answers given in the window; undefined without any."""
    table = survey_answers(ctx, "csat", 1, 5)
    row = table.aggregate(count=table.count(), total=table.score.sum()).execute().iloc[0]
    count = int(row["count"])
    return ratio(int(row["total"]) if count else 0, count, "no CSAT answers in the window")


def nps_score(ctx: MetricContext) -> Measurement:
    """Net promoter score of the NPS answers (0–10) given in the window: ``100 × (promoters (9–10)
    − detractors (0–6)) / answers``, rounded half-even to an integer in ``[−100, 100]``; undefined
    without answers."""
    table = survey_answers(ctx, "nps", 0, 10)
    row = table.aggregate(
        count=table.count(),
        promoters=ibis.ifelse(table.score >= 9, 1, 0).sum(),
        detractors=ibis.ifelse(table.score <= 6, 1, 0).sum(),
    ).execute().iloc[0]
    count = int(row["count"])
    if count == 0:
        return undefined("no NPS answers in the window")
    score = Fraction(100 * (int(row["promoters"]) - int(row["detractors"])), count)
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
    return [
        Metric(_spec("avg_first_response_minutes", "Avg first response", "Mean minutes to support's first "
                     "answer.", "duration", "Mean minutes from opened_at to first_response_at over tickets "
                     "opened in the window and answered by the end of D; unanswered tickets are left out.",
                     TICKETS, duration_unit="minutes", direction="lower"),
               mean_time_to("first_response_at", 60, "answered")),
        Metric(_spec("avg_resolution_hours", "Avg resolution time", "Mean hours to resolve a ticket.",
                     "duration", "Mean hours from opened_at to resolved_at over tickets opened in the window "
                     "and resolved by the end of D; unresolved tickets are left out.", TICKETS,
                     duration_unit="hours", direction="lower"), mean_time_to("resolved_at", 3600, "resolved")),
        Metric(_spec("csat_score", "CSAT", "Mean customer satisfaction rating (1–5).", "score",
                     "Mean score of the csat answers given in the window (scores outside 1–5 are ignored); "
                     "undefined without any.", SURVEYS), csat_score),
        Metric(_spec("nps_score", "NPS", "Net promoter score (−100 to 100).", "score",
                     "100 × (promoters (9–10) − detractors (0–6)) / nps answers given in the window, rounded "
                     "half-even to an integer; undefined without any.", SURVEYS), nps_score),
    ]
