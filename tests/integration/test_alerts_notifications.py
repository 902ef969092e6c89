"""From rule to bell: a firing rule's notifications reach the in-app inbox through the real
delivery (alerts/notify.py), with the rule's quiet hours stored beside them; a manual resolution
sends ``resolved``; a recipient URL gets its own delivery. On both backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from northstar.alerts.inbox import list_in_app
from northstar.alerts.service import alerts_for
from northstar.app import Northstar
from northstar.config import Settings


def test_firing_and_resolved_reach_the_bell(database: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=database, alerts={"install_defaults": False}))
    now = datetime.now(UTC).replace(tzinfo=None)
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    northstar.write({"performance_samples": [
        {"sample_id": f"s{index}", "kind": "api_request", "recorded_at": noon, "duration_ms": 100.0, "ok": index > 0}
        for index in range(8)
    ]}, source="test")  # 1 failed of 8: 12.5 %
    try:
        alerts = alerts_for(northstar)
        rule = alerts.create({
            "metric_name": "error_rate", "comparison": ">", "threshold_value": 0.1, "timeframe": "7d",
            "severity": "warning", "notification_channels": ["in_app"],
            "recipients": ["json://127.0.0.1:9/hook"],
            "quiet_hours": {"start": f"{now - timedelta(hours=1):%H:%M}",
                            "end": f"{now + timedelta(hours=1):%H:%M}", "timezone": "UTC"},
        })
        report = alerts.evaluate_all()
        assert (report.firing, report.enqueued) == ((rule.rule.id,), 1)
        inbox = list_in_app(northstar.store)
        # In-app notifications are stored at once even in quiet hours (the bell makes no noise).
        assert [(item.event, item.severity, item.rule_id) for item in inbox] == [("firing", "warning", rule.rule.id)]
        assert inbox[0].title == "[WARNING] Error rate is firing: 12.5% (Error rate > 10.0%)"
        assert inbox[0].link.endswith("/metrics/error_rate")
        rows = northstar.store.query(
            "SELECT kind, event, alert_id, status, quiet_hours FROM notification_deliveries ORDER BY kind")
        by_kind = {row[0]: row for row in rows}
        assert set(by_kind) == {"in_app", "apprise"}
        firing_alert = alerts.get(rule.rule.id).state.alert_id
        assert by_kind["apprise"][1:3] == ("firing", firing_alert)
        # The warning to the URL waits for the end of the quiet hours, which travel with the delivery.
        assert by_kind["apprise"][3] == "held"
        quiet = by_kind["apprise"][4]
        assert (json.loads(quiet) if isinstance(quiet, str) else quiet)["timezone"] == "UTC"

        alerts.resolve(rule.rule.id, "fixed")
        alerts.deliver()
        events = [item.event for item in list_in_app(northstar.store)]
        assert sorted(events) == ["firing", "resolved"]
    finally:
        northstar.close()
