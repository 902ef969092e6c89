"""A rule as the flat fields of the specification's ``metric_alerts`` (``metric_name``,
``alert_type``, ``threshold_value``, ``comparison``, ``severity``, ``is_active``,
``notification_channels``, ``recipients``), extended with the options of each condition type — and
back. The API, the CLI and the shipped defaults speak these fields; :func:`build_rule` validates
them into a :class:`Rule`, raising :class:`InvalidInput` naming the flat field.

``threshold_value`` carries each type's number: the bound (``threshold``), the percent
(``change``), the slope bound (``trend`` by ``slope``), the sensitivity (``anomaly``) and the target
(``target``, default: the metric's target in ``settings.targets``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import TypeAdapter, ValidationError

from northstar.alerts.model import ALERT_TYPES, COMPARISONS, Condition, Rule
from northstar.config import Settings
from northstar.domain.errors import InvalidInput, UnknownMetric
from northstar.metrics.registry import MetricSpec, Registry

# Condition attribute → the flat field that carries it.
_CONDITION_FIELD = {"value": "threshold_value", "percent": "threshold_value", "slope": "threshold_value",
                    "sensitivity": "threshold_value", "target": "threshold_value", "method": "trend_method"}
_CONDITION = TypeAdapter(Condition)
# Flat fields that only some condition types use.
_TYPE_OPTIONS = {
    "days_earlier": ("change",), "trend_method": ("trend",), "periods": ("trend", "target"),
    "season_length": ("anomaly",), "history": ("anomaly",), "target_date": ("target",),
}
RULE_OPTIONS = ("filters", "timeframe", "grain", "severity", "is_active", "pending_evaluations", "no_data",
                "repeat_interval_minutes", "quiet_hours", "escalation", "notification_channels", "recipients")


def rule_fields(rule: Rule) -> dict[str, Any]:
    """The flat fields of ``rule`` (what :func:`build_rule` takes back), plus ``id``,
    ``default_key``, ``created_at`` and ``updated_at``."""
    condition = rule.condition
    number = {"threshold": "value", "change": "percent", "trend": "slope", "anomaly": "sensitivity",
              "target": "target"}[condition.type]
    dumped = condition.model_dump()
    out: dict[str, Any] = {
        "id": rule.id, "name": rule.name, "metric_name": rule.metric_name, "alert_type": condition.type,
        "comparison": condition.comparison, "threshold_value": dumped.get(number),
        **{option: None for option in _TYPE_OPTIONS},
        "default_key": rule.default_key, "created_at": rule.created_at, "updated_at": rule.updated_at,
    }
    for option in ("days_earlier", "periods", "season_length", "history", "target_date"):
        if option in dumped:
            out[option] = dumped[option]
    if condition.type == "trend":
        out["trend_method"] = dumped["method"]
    for option in RULE_OPTIONS:
        value = getattr(rule, option)
        out[option] = value
    out["filters"] = dict(rule.filters)
    out["quiet_hours"] = rule.quiet_hours.model_dump() if rule.quiet_hours else None
    out["escalation"] = [step.model_dump() for step in rule.escalation]
    out["notification_channels"] = list(rule.notification_channels)
    out["recipients"] = list(rule.recipients)
    return out


def build_rule(
    fields: Mapping[str, Any], *, rule_id: str, created_at: datetime, updated_at: datetime,
    registry: Registry, settings: Settings, check_filters: Callable[[MetricSpec, Mapping[str, str], str], Any],
    default_key: str | None = None,
) -> Rule:
    """Validate flat ``fields`` into a :class:`Rule`.

    ``check_filters(spec, filters, field)`` is the metrics service's filter check. Raises
    :class:`InvalidInput` naming the field: ``metric_name`` (missing or not in the registry),
    ``alert_type``, ``comparison`` (absent where required, or not one the type accepts),
    ``threshold_value`` (missing, a percent ≤ 0, a rate outside [0, 1] for a threshold or target on
    a rate metric, a target without one configured…), an option the type does not use, or any
    other field breaking its bounds.
    """
    for key, value in fields.items():
        if _has_nul(value):
            raise InvalidInput(key, "must not contain NUL characters")
    metric_name = fields.get("metric_name")
    if not metric_name:
        raise InvalidInput("metric_name", "is required")
    try:
        spec = registry.spec(str(metric_name))
    except UnknownMetric as exc:
        raise InvalidInput("metric_name", f"{metric_name!r} is not a catalog metric (GET /api/v1/metrics)") from exc
    alert_type = fields.get("alert_type") or "threshold"
    if alert_type not in ALERT_TYPES:
        raise InvalidInput("alert_type", f"{alert_type!r} is not one of {', '.join(ALERT_TYPES)}")
    for option, types in _TYPE_OPTIONS.items():
        if fields.get(option) is not None and alert_type not in types:
            raise InvalidInput(option, f"only used by {' and '.join(types)} rules, not {alert_type}")
    condition = _condition(alert_type, fields, spec, settings)
    filters = dict(fields.get("filters") or {})
    check_filters(spec, filters, "filters")
    options = {option: fields[option] for option in RULE_OPTIONS if fields.get(option) is not None}
    options["filters"] = filters
    name = fields.get("name") or _default_name(spec, condition, settings.reporting_currency)
    try:
        return Rule(id=rule_id, name=name, metric_name=spec.name, condition=condition, created_at=created_at,
                    updated_at=updated_at, default_key=default_key, **options)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _condition(alert_type: str, fields: Mapping[str, Any], spec: MetricSpec, settings: Settings) -> Any:
    comparison = fields.get("comparison")
    if comparison is not None and comparison not in COMPARISONS[alert_type]:
        raise InvalidInput("comparison", f"{comparison!r} does not fit a {alert_type} rule; use one of "
                           f"{', '.join(COMPARISONS[alert_type])}")
    number = _decimal(fields.get("threshold_value"))
    higher = spec.direction == "higher"
    data: dict[str, Any] = {"type": alert_type}
    if alert_type == "threshold":
        if comparison is None:
            raise InvalidInput("comparison", "is required for a threshold rule (>, >=, <, <=, =)")
        if number is None:
            raise InvalidInput("threshold_value", "is required for a threshold rule")
        _check_rate(spec, number)
        data.update(comparison=comparison, value=number)
    elif alert_type == "change":
        if number is None:
            raise InvalidInput("threshold_value", "is required for a change rule: the percent, e.g. 10")
        if number <= 0:
            raise InvalidInput("threshold_value", "a change percent must be greater than 0")
        data.update(comparison=comparison or "change_%", percent=number, days_earlier=fields.get("days_earlier"))
    elif alert_type == "trend":
        method = fields.get("trend_method") or "consecutive"
        if method == "consecutive" and number is not None:
            raise InvalidInput("threshold_value", "a consecutive trend has no threshold; use trend_method=slope")
        if method == "slope" and number is None:
            raise InvalidInput("threshold_value", "is required for a slope trend: the slope bound per period")
        data.update(comparison=comparison or ("decreasing" if higher else "increasing"), method=method,
                    slope=number, periods=fields.get("periods") or 3)
    elif alert_type == "anomaly":
        data.update(comparison=comparison or "outside", sensitivity=number if number is not None else Decimal(3),
                    season_length=fields.get("season_length") or 7, history=fields.get("history") or 28)
    else:
        if number is None:
            configured = settings.targets.get(spec.name)
            if configured is None:
                raise InvalidInput("threshold_value", f"{spec.name} has no configured target; give the target")
            number = configured.value
        _check_rate(spec, number)
        if fields.get("target_date") is None:
            raise InvalidInput("target_date", "is required for a target rule")
        data.update(comparison=comparison or ("below" if higher else "above"), target=number,
                    target_date=fields["target_date"], periods=fields.get("periods") or 6)
    try:
        return _CONDITION.validate_python(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _check_rate(spec: MetricSpec, number: Decimal) -> None:
    if spec.unit == "rate" and not Decimal(0) <= number <= Decimal(1):
        raise InvalidInput("threshold_value", f"{spec.name} is a rate (a fraction in [0, 1], e.g. 0.05 for 5 %)")


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput("threshold_value", f"{value!r} is not a number") from exc
    if not number.is_finite():
        raise InvalidInput("threshold_value", "must be a finite number")
    return number


def _invalid(exc: ValidationError) -> InvalidInput:
    """The first error of ``exc`` as :class:`InvalidInput` naming the flat field."""
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"] if not str(part).isdigit()]
    path = [part for part in location if part not in ALERT_TYPES]
    field = _CONDITION_FIELD.get(path[0], path[0]) if path else "condition"
    if path and path[0] in ("quiet_hours", "escalation"):
        field = ".".join(path)
    message = str(error["msg"]).removeprefix("Value error, ")
    if ": " in message and message.split(": ", 1)[0] in ("slope", "history"):
        field, message = message.split(": ", 1)
        field = _CONDITION_FIELD.get(field, field)
    return InvalidInput(field, message)


def _default_name(spec: MetricSpec, condition: Any, currency: str) -> str:
    from northstar.alerts.text import condition_text

    return condition_text(spec, condition, currency)
