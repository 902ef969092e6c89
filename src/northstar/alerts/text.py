"""Rule conditions as short text for people: "K-factor < 1.00", "MRR falls by more than 10 %"."""

from __future__ import annotations

from decimal import Decimal

from northstar.alerts.model import Condition
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import format_value


def condition_text(spec: MetricSpec, condition: Condition, currency: str) -> str:
    """``condition`` on metric ``spec`` in words, values formatted in the metric's unit (money in
    ``currency``)."""
    label = spec.label
    if condition.type == "threshold":
        return f"{label} {condition.comparison} {format_value(spec, condition.value, currency)}"
    if condition.type == "change":
        verb = {"increase": "rises", "decrease": "falls", "change_%": "changes"}[condition.comparison]
        since = f"{condition.days_earlier} days earlier" if condition.days_earlier else "the previous period"
        return f"{label} {verb} by more than {_number(condition.percent)} % vs {since}"
    if condition.type == "trend":
        if condition.method == "slope":
            sign = "-" if condition.comparison == "decreasing" else "+"
            return (f"{label} {condition.comparison} faster than {sign}{_number(condition.slope or Decimal(0))} "
                    f"per period over {condition.periods} periods")
        return f"{label} {condition.comparison} {condition.periods - 1} periods in a row"
    if condition.type == "anomaly":
        side = {"outside": "outside", "above": "above", "below": "below"}[condition.comparison]
        return f"{label} {side} its expected band ({_number(condition.sensitivity)} σ)"
    return (f"{label} projected {condition.comparison} {format_value(spec, condition.target, currency)} "
            f"by {condition.target_date}")


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")
