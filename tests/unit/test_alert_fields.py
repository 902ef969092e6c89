"""Flat rule fields ⇄ rules (alerts/fields.py): defaults per condition type, validation naming
the field, and the round trip."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from northstar.alerts.defaults import DEFAULT_RULES
from northstar.alerts.fields import build_rule, rule_fields
from northstar.alerts.model import Rule
from northstar.config import Settings
from northstar.domain.errors import InvalidInput
from northstar.metrics.catalog import build_registry
from northstar.metrics.service import MetricsService

SETTINGS = Settings(database=":memory:")
REGISTRY = build_registry(SETTINGS)
# The filter check reads only the settings and the registry, never the store.
CHECKER = MetricsService(store=None, settings=SETTINGS, registry=REGISTRY)  # type: ignore[arg-type]
AT = datetime(2026, 3, 1, 8, 0)


def build(**fields: Any) -> Rule:
    return build_rule(fields, rule_id="r", created_at=AT, updated_at=AT, registry=REGISTRY, settings=SETTINGS,
                      check_filters=CHECKER.check_filters)


def test_every_default_rule_is_valid() -> None:
    rules = {key: build(**fields) for key, fields in DEFAULT_RULES.items()}
    assert rules["k_factor_below_1"].condition.model_dump() == {"type": "threshold", "comparison": "<",
                                                                "value": Decimal("1.0")}
    assert rules["error_rate_above_01pct"].severity == "critical"
    assert rules["uptime_below_999"].timeframe == "7d"


def test_defaults_of_each_condition_type_follow_the_metric_direction() -> None:
    change = build(metric_name="mrr", alert_type="change", threshold_value=10)
    assert (change.condition.comparison, change.condition.percent) == ("change_%", Decimal(10))
    assert build(metric_name="k_factor", alert_type="trend").condition.comparison == "decreasing"
    assert build(metric_name="error_rate", alert_type="trend").condition.comparison == "increasing"
    anomaly = build(metric_name="dau", alert_type="anomaly")
    assert (anomaly.condition.comparison, anomaly.condition.sensitivity, anomaly.condition.season_length,
            anomaly.condition.history) == ("outside", Decimal(3), 7, 28)
    # A target rule without a number takes the configured target: £50,000 MRR is 5,000,000 minor units.
    target = build(metric_name="mrr", alert_type="target", target_date=date(2027, 6, 30))
    assert (target.condition.comparison, target.condition.target) == ("below", Decimal(5_000_000))
    assert build(metric_name="monthly_churn_rate", alert_type="target",
                 target_date=date(2027, 1, 1)).condition.comparison == "above"
    assert target.name == "MRR projected below £50,000.00 by 2027-06-30"


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({}, "metric_name", "is required"),
    ({"metric_name": "k_factor", "alert_type": "sigh"}, "alert_type", "'sigh' is not one of threshold, change, "
     "trend, anomaly, target"),
    ({"metric_name": "k_factor", "alert_type": "trend", "threshold_value": 1}, "threshold_value",
     "a consecutive trend has no threshold; use trend_method=slope"),
    ({"metric_name": "k_factor", "alert_type": "trend", "trend_method": "slope"}, "threshold_value",
     "is required for a slope trend: the slope bound per period"),
    ({"metric_name": "nps_score", "alert_type": "target", "target_date": "2027-01-01"}, "threshold_value",
     "nps_score has no configured target; give the target"),
    ({"metric_name": "uptime_percentage", "alert_type": "target", "threshold_value": 99.9,
      "target_date": "2027-01-01"}, "threshold_value",
     "uptime_percentage is a rate (a fraction in [0, 1], e.g. 0.05 for 5 %)"),
    ({"metric_name": "k_factor", "alert_type": "trend", "periods": 1}, "periods",
     "Input should be greater than or equal to 2"),
    ({"metric_name": "k_factor", "comparison": "<", "threshold_value": "abc"}, "threshold_value",
     "'abc' is not a number"),
    ({"metric_name": "k_factor", "comparison": "<", "threshold_value": 1, "repeat_interval_minutes": 0},
     "repeat_interval_minutes", "Input should be greater than or equal to 1"),
    ({"metric_name": "k_factor", "comparison": "<", "threshold_value": 1,
      "escalation": [{"after_minutes": 0}]}, "escalation.after_minutes", "Input should be greater than or equal to 1"),
    ({"metric_name": "cac", "comparison": "<", "threshold_value": 1, "filters": {"plan": "pro"}}, "filters",
     "cac cannot be split by 'plan'; it can be split by nothing"),
])
def test_invalid_fields_name_the_field(fields: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        build(**fields)
    assert (raised.value.field, raised.value.reason) == (field, reason)


def test_round_trip_through_the_flat_fields() -> None:
    original = build(metric_name="dau", alert_type="anomaly", comparison="below", threshold_value="2.5",
                     season_length=7, history=35, grain="day", filters={"user_type": "supplier"},
                     severity="info", pending_evaluations=2, no_data="no_data", repeat_interval_minutes=60,
                     quiet_hours={"start": "22:00", "end": "06:30", "timezone": "Europe/London"},
                     escalation=[{"after_minutes": 15, "recipients": ["cto@example.com"]}],
                     notification_channels=["in_app"], recipients=["ops@example.com"])
    fields = rule_fields(original)
    assert (fields["alert_type"], fields["comparison"], fields["threshold_value"], fields["history"]) == (
        "anomaly", "below", Decimal("2.5"), 35)
    again = build(**{key: value for key, value in fields.items()
                     if key not in ("id", "default_key", "created_at", "updated_at")})
    assert again == original
    assert Rule.model_validate_json(original.model_dump_json()) == original
