"""The values a rule is evaluated on, read through the metrics service (``series``).

- ``day`` grain: one value per reporting day, each over the rule's ``timeframe`` ending on that
  day (as ``GET /api/v1/metrics/{name}?date=D&timeframe=…``), the last being the evaluation day.
- ``week``/``month`` grain: one value per *completed* ISO week or calendar month (the period
  itself for timeframe metrics, the state at its end for the others), the last being the period
  completed before the evaluation day — a period still running would look like a drop.

Only as many values as the condition needs are read: the current one (``threshold``), it and its
baseline (``change``), ``periods`` (``trend``, ``target``) or ``history + 1`` (``anomaly``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from northstar.alerts.model import ChangeCondition, Rule, Sample
from northstar.domain.time import add_months, month_start, parse_timeframe
from northstar.metrics.service import MetricsService


def baseline_days(rule: Rule) -> int | None:
    """Days between a ``change`` rule's current value and its baseline on a day grain (its
    ``days_earlier``, else one timeframe); ``None`` otherwise (the baseline is the previous period)."""
    condition = rule.condition
    if not isinstance(condition, ChangeCondition) or rule.grain != "day":
        return None
    return condition.days_earlier or parse_timeframe(rule.timeframe)


def needed(rule: Rule) -> int:
    """How many consecutive periods, ending with the current one, the condition reads."""
    condition = rule.condition
    if condition.type == "anomaly":
        return condition.history + 1
    if condition.type in ("trend", "target"):
        return condition.periods
    if condition.type == "change" and rule.grain != "day":
        return 2
    return 1


def rule_samples(metrics: MetricsService, rule: Rule, day: date) -> list[Sample]:
    """The samples ``rule`` is evaluated on for reporting ``day``, oldest first (see the module)."""
    return preview_samples(metrics, rule, day, 1)


def preview_samples(metrics: MetricsService, rule: Rule, day: date, points: int) -> list[Sample]:
    """Samples for judging the condition on each of the last ``points`` periods up to ``day``:
    those periods plus the history the first of them needs, and for a day-grain ``change`` rule
    the baseline days. Oldest first, one per day/period."""
    last = current_period_end(rule, day)
    samples = _range(metrics, rule, last, points + needed(rule) - 1)
    offset = baseline_days(rule)
    if offset is not None:
        known = {sample.day for sample in samples}
        baselines = [sample for sample in _range(metrics, rule, last - timedelta(days=offset), points)
                     if sample.day not in known]
        samples = sorted([*samples, *baselines], key=lambda sample: sample.day)
    return samples


def current_period_end(rule: Rule, day: date) -> date:
    """The last day of the period a rule's current value covers: ``day`` itself on a day grain, else
    the end of the last ISO week (Sunday) or calendar month completed before ``day``."""
    if rule.grain == "day":
        return day
    if rule.grain == "week":
        return day - timedelta(days=day.weekday() + 1)
    return month_start(day) - timedelta(days=1)


def _range(metrics: MetricsService, rule: Rule, last: date, count: int) -> list[Sample]:
    if rule.grain == "day":
        first, timeframe = last - timedelta(days=count - 1), rule.timeframe
    elif rule.grain == "week":
        first, timeframe = last - timedelta(days=7 * count - 1), None
    else:
        first, timeframe = add_months(month_start(last), 1 - count), None
    series = metrics.series(rule.metric_name, first, last, rule.grain, filters=rule.filters, timeframe=timeframe)
    return [Sample(point.day, None if point.value is None else Decimal(point.value), point.reason)
            for point in series.lines[0].points]
