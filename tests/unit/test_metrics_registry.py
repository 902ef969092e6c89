"""The catalog is validated as a whole, with errors naming the metric (DESIGN.md, practice 1)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from northstar.config import Settings
from northstar.domain.errors import UnknownMetric
from northstar.metrics.catalog import build_registry
from northstar.metrics.registry import Metric, MetricSpec, Registry, RegistryError
from northstar.metrics.results import Measurement, measured


def _spec(name: str = "widgets", **changes: object) -> MetricSpec:
    fields: dict[str, object] = {
        "name": name, "label": "Widgets", "description": "Widgets made.", "unit": "count", "direction": "higher",
        "family": "users", "kind": "simple", "grain": "timeframe", "definition": "Widgets made in the window.",
        "source": "METRICS.md § Users",
    }
    fields.update(changes)
    return MetricSpec(**fields)


def _compute(_ctx: object) -> Measurement:
    return measured(1)


def test_the_built_in_catalog_is_valid_and_covers_the_overview() -> None:
    registry = build_registry(Settings(database=":memory:"))
    for name in ("mrr", "arr", "mrr_growth_rate", "paid_users", "arpa", "trial_to_paid_conversion", "total_users",
                 "dau", "wau", "mau", "stickiness", "dau_rate", "wau_rate", "avg_session_duration_minutes",
                 "forms_usage_rate", "journey_builder_adoption", "ai_features_usage", "template_marketplace_purchases",
                 "k_factor", "invitation_conversion_rate", "time_to_first_invite_hours", "avg_page_load_time_ms",
                 "uptime_percentage", "error_rate"):
        assert name in registry
    assert registry.spec("mrr").unit == "money"
    assert registry.spec("time_to_first_invite_hours").direction == "lower"


def test_a_declared_feature_gets_an_adoption_rate() -> None:
    registry = build_registry(Settings(database=":memory:", features={"guest_list": ["Guest Added"]}))
    assert registry.spec("guest_list_adoption").unit == "rate"
    assert "Guest Added" in registry.spec("guest_list_adoption").definition
    assert "forms_usage_rate" not in registry


def test_duplicate_names_missing_functions_and_unknown_tables_are_named() -> None:
    with pytest.raises(RegistryError) as problem:
        Registry(
            [Metric(_spec(), _compute), Metric(_spec(), _compute),
             Metric(_spec("gadgets"), None),  # type: ignore[arg-type]
             Metric(_spec("gizmos", requires=("gizmo_table",)), _compute),
             Metric(_spec("doohickeys", reads=("doohickey_table",)), _compute)],
            known_tables={"events"},
        )
    message = str(problem.value)
    assert "widgets: declared more than once" in message
    assert "gadgets: has no compute function" in message
    assert "gizmos: requires or reads unknown table 'gizmo_table'" in message
    assert "doohickeys: requires or reads unknown table 'doohickey_table'" in message


def test_specs_are_frozen_and_checked() -> None:
    spec = _spec()
    with pytest.raises(ValidationError):
        spec.label = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="widgets"):
        _spec(unit="duration")
    with pytest.raises(ValidationError):
        _spec(kind="magic")
    with pytest.raises(ValidationError):
        _spec(source="")


def test_unknown_metric() -> None:
    registry = Registry([Metric(_spec(), _compute)], known_tables=())
    assert registry.names == ("widgets",)
    with pytest.raises(UnknownMetric):
        registry.get("gadgets")
