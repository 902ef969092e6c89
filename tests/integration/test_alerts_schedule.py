"""Alert evaluation on a schedule (APScheduler, as inside ``northstar serve``) and after each
snapshot refresh, on both backends."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from northstar.alerts.scheduler import start_scheduler
from northstar.alerts.service import alerts_for
from northstar.app import Northstar
from northstar.config import Settings
from northstar.metrics.refresher import start_refresher


def failed_requests(northstar: Northstar) -> None:
    """Two API requests yesterday, one failed: error rate 50 %, above the default 0.1 %."""
    noon = datetime.now(UTC).replace(tzinfo=None, hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    northstar.write({"performance_samples": [
        {"sample_id": "a", "kind": "api_request", "recorded_at": noon, "duration_ms": 100.0, "ok": True},
        {"sample_id": "b", "kind": "api_request", "recorded_at": noon, "duration_ms": 100.0, "ok": False},
    ]}, source="test")


def state_within(northstar: Northstar, rule_id: str, wanted: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    state = alerts_for(northstar).get(rule_id).state.state
    while state != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
        state = alerts_for(northstar).get(rule_id).state.state
    return state


def test_the_scheduler_evaluates_every_interval(database: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=database, alerts={"evaluation_interval_seconds": 1}))
    failed_requests(northstar)
    scheduler = start_scheduler(northstar)
    assert scheduler is not None
    try:
        assert state_within(northstar, "default-error_rate_above_01pct", "firing", 60) == "firing"
        assert str(alerts_for(northstar).get("default-error_rate_above_01pct").state.value) == "0.5"
    finally:
        scheduler.shutdown(wait=True)
        northstar.close()


def test_no_scheduler_with_a_zero_interval(make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(alerts={"evaluation_interval_seconds": 0}))
    assert start_scheduler(northstar) is None
    northstar.close()


def test_a_snapshot_refresh_is_followed_by_an_evaluation(database: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=database, alerts={"evaluation_interval_seconds": 0}))
    alerts = alerts_for(northstar)
    refresher = start_refresher(northstar, delay=0.05, after_refresh=alerts.evaluate_all)
    try:
        failed_requests(northstar)
        assert state_within(northstar, "default-error_rate_above_01pct", "firing", 120) == "firing"
    finally:
        refresher.close()
        northstar.close()
