"""The notification API over a real server (uvicorn) on both stores: channel CRUD, the test
button against a real webhook receiver, in-app notifications and the delivery log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from northstar.alerts.model import Notification
from northstar.alerts.notify import deliver_due, enqueue
from northstar.app import Northstar
from northstar.config import Settings
from northstar.ingest.keys import create_key
from tests.conftest import LiveServer, free_port
from tests.integration.notification_receivers import SMTPServer, WebhookReceiver, plain_text

CHANNELS = "/api/v1/notification-channels"


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        yield http


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    started = WebhookReceiver(None).start()
    yield started
    started.stop()


def test_a_webhook_channel_is_created_tested_changed_and_deleted(
    client: httpx.Client, receiver: WebhookReceiver, live_server: LiveServer,
) -> None:
    created = client.post(CHANNELS, json={"name": "ops-hook", "type": "webhook", "target": receiver.url})
    assert created.status_code == 201, created.text
    channel = created.json()
    secret = channel["secret"]
    assert secret.startswith("whsec_")
    assert (channel["name"], channel["type"], channel["target"], channel["enabled"], channel["secret_hint"]) == (
        "ops-hook", "webhook", receiver.url, True, f"…{secret[-4:]}")
    receiver.secret = secret

    # The secret is shown once: never again in a listing or a read.
    [listed] = client.get(CHANNELS).json()
    assert listed["id"] == channel["id"] and listed["secret"] is None
    assert client.get(f"{CHANNELS}/{channel['id']}").json()["secret"] is None

    outcome = client.post(f"{CHANNELS}/{channel['id']}/test").json()
    assert (outcome["status"], outcome["error"]) == ("delivered", None)
    [payload] = receiver.received
    assert (payload["event"], payload["delivery_id"], receiver.rejected) == ("test", outcome["delivery_id"], 0)

    renamed = client.patch(f"{CHANNELS}/{channel['id']}", json={"name": "pager-hook", "enabled": False}).json()
    assert (renamed["name"], renamed["enabled"], renamed["secret"]) == ("pager-hook", False, None)
    disabled = client.post(f"{CHANNELS}/{channel['id']}/test").json()
    assert (disabled["status"], disabled["error"]) == ("failed", "channel 'pager-hook' is disabled")

    rotated = client.patch(f"{CHANNELS}/{channel['id']}", json={"rotate_secret": True, "enabled": True}).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != secret
    receiver.secret = rotated["secret"]
    assert client.post(f"{CHANNELS}/{channel['id']}/test").json()["status"] == "delivered"
    assert len(receiver.received) == 2

    log = client.get("/api/v1/notification-deliveries", params={"status": "delivered"}).json()
    assert [(row["kind"], row["event"], row["channel_id"], row["attempts"]) for row in log] == [
        ("webhook", "test", channel["id"], 1)] * 2

    assert client.delete(f"{CHANNELS}/{channel['id']}").status_code == 204
    assert client.get(f"{CHANNELS}/{channel['id']}").status_code == 404
    assert client.delete(f"{CHANNELS}/{channel['id']}").status_code == 404
    assert client.post(f"{CHANNELS}/{channel['id']}/test").status_code == 404
    trail = live_server.northstar.store.query(
        "SELECT action, target FROM audit_log WHERE action LIKE ? ORDER BY occurred_at, action",
        ["notification_channel.%"])
    assert trail == [("notification_channel.create", channel["id"]), ("notification_channel.update", channel["id"]),
                     ("notification_channel.update", channel["id"]), ("notification_channel.delete", channel["id"])]


def test_a_test_to_an_unreachable_channel_reports_the_failure(client: httpx.Client) -> None:
    dead = f"http://127.0.0.1:{free_port()}/hook"
    channel = client.post(CHANNELS, json={"name": "dead", "type": "webhook", "target": dead}).json()
    outcome = client.post(f"{CHANNELS}/{channel['id']}/test").json()
    assert outcome["status"] == "failed"
    assert outcome["error"].startswith("ConnectError")
    [row] = client.get("/api/v1/notification-deliveries").json()
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 1, None)


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"name": "x", "type": "pager", "target": "x"}, "type", None),
    ({"name": "x", "type": "slack", "target": "https://example.com/hook"}, "target", "not a URL Apprise can notify"),
    ({"name": "x", "type": "webhook", "target": "not a url"}, "target", "a webhook target is an http"),
    ({"name": "x", "type": "email", "target": "ceo@example.com"}, "target", "email addresses need"),
    ({"name": "slack", "type": "in_app"}, "name", "'slack' is a channel kind"),
])
def test_bad_channels_are_refused_with_422_naming_the_field(
    client: httpx.Client, body: dict[str, str], field: str, reason: str | None,
) -> None:
    answer = client.post(CHANNELS, json=body)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", field]
    if reason:
        assert error["msg"].startswith(reason)


def test_a_second_channel_with_the_same_name_is_refused(client: httpx.Client) -> None:
    assert client.post(CHANNELS, json={"name": "bell", "type": "in_app"}).status_code == 201
    answer = client.post(CHANNELS, json={"name": "bell", "type": "in_app"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"] == "a channel named 'bell' exists"


def test_in_app_notifications_are_listed_and_marked_read(client: httpx.Client, live_server: LiveServer) -> None:
    northstar = live_server.northstar
    at = datetime(2026, 2, 1, 9, 0)
    enqueue(northstar.store, northstar.settings, Notification(
        alert_id="a7", rule_id="r7", event="firing", severity="critical", metric_name="uptime_percentage",
        metric_label="Uptime", value_display="99.5 %", condition_text="Uptime < 99.9 %",
        link="/metrics/uptime_percentage", channels=("in_app",), recipients=(), created_at=at))
    assert deliver_due(northstar.store, northstar.settings, at).delivered == 1

    unread = client.get("/api/v1/notifications", params={"unread": "true"}).json()
    assert unread["unread"] == 1
    [item] = unread["notifications"]
    assert (item["title"], item["severity"], item["link"], item["read_at"]) == (
        "[CRITICAL] Uptime is firing: 99.5 % (Uptime < 99.9 %)", "critical", "/metrics/uptime_percentage", None)

    read = client.post(f"/api/v1/notifications/{item['id']}/read").json()
    assert read["read_at"] is not None
    assert client.get("/api/v1/notifications", params={"unread": "true"}).json() == {"unread": 0, "notifications": []}
    assert len(client.get("/api/v1/notifications").json()["notifications"]) == 1
    assert client.post("/api/v1/notifications/nope/read").status_code == 404


def test_the_bell_leaves_out_notifications_on_metrics_the_role_may_not_see(
    client: httpx.Client, live_server: LiveServer,
) -> None:
    northstar = live_server.northstar
    rule = client.post("/api/v1/metrics/alerts", json={
        "name": "MRR floor", "metric_name": "mrr", "alert_type": "threshold", "comparison": "<",
        "threshold_value": 100000, "severity": "warning", "notification_channels": ["in_app"]})
    assert rule.status_code == 201, rule.text
    at = datetime(2026, 2, 1, 9, 0)
    enqueue(northstar.store, northstar.settings, Notification(
        alert_id="a8", rule_id=rule.json()["id"], event="firing", severity="warning", metric_name="mrr",
        metric_label="MRR", value_display="£900.00", condition_text="MRR < £1,000.00", link="/metrics/mrr",
        channels=("in_app",), recipients=(), created_at=at))
    assert deliver_due(northstar.store, northstar.settings, at).delivered == 1
    viewer = {"Authorization": f"Bearer {create_key(northstar.store, 'read', 'bell viewer', role='viewer')}"}
    # The notification's text carries the MRR: an admin sees it, a viewer neither sees nor counts it.
    assert client.get("/api/v1/notifications").json()["unread"] == 1
    assert client.get("/api/v1/notifications", headers=viewer).json() == {"unread": 0, "notifications": []}


def test_the_notification_api_is_in_the_openapi_document(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths[CHANNELS]) == {"get", "post"}
    assert set(paths[CHANNELS + "/{channel_id}"]) == {"get", "patch", "delete"}
    assert "422" in paths[CHANNELS]["post"]["responses"]
    assert "404" in paths[CHANNELS + "/{channel_id}/test"]["post"]["responses"]
    assert {"/api/v1/notifications", "/api/v1/notifications/{notification_id}/read",
            "/api/v1/notification-deliveries"} <= set(paths)


def test_the_test_button_of_an_email_channel_reaches_a_real_smtp_server(
    database: str, make_settings: Callable[..., Settings],
) -> None:
    smtp = SMTPServer().start()
    northstar = Northstar(make_settings(database=database, notifications={
        "smtp_url": f"mailto://127.0.0.1:{smtp.port}?from=northstar@example.com",
        "base_url": "https://northstar.example"}))
    server = LiveServer(northstar).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            channel = http.post(CHANNELS, json={"name": "board", "type": "email",
                                                "target": "ceo@example.com; cfo@example.com"}).json()
            assert channel["target"] == "ceo@example.com, cfo@example.com"
            outcome = http.post(f"{CHANNELS}/{channel['id']}/test").json()
    finally:
        server.stop()
        northstar.close()
        smtp.stop()
    assert (outcome["status"], outcome["error"]) == ("delivered", None)
    # One email per address: recipients do not see each other.
    assert sorted(recipients for recipients, _ in smtp.messages) == [["ceo@example.com"], ["cfo@example.com"]]
    for _, message in smtp.messages:
        assert message["Subject"] == "[INFO] Northstar test notification: ok (channel board reached)"
        assert "Details: https://northstar.example/alerts" in plain_text(message)


@pytest.mark.parametrize("database", ["duckdb"], indirect=True)
def test_schemathesis_finds_no_server_error_or_undocumented_answer(live_server: LiveServer) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import positive_data_acceptance

    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = [(CHANNELS, "GET"), (CHANNELS, "POST"), (CHANNELS + "/{channel_id}", "PATCH"),
                  ("/api/v1/notifications", "GET"), ("/api/v1/notifications/{notification_id}/read", "POST"),
                  ("/api/v1/notification-deliveries", "GET")]
    for path, method in operations:

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=schema[path][method].as_strategy())
        def check(case: object) -> None:
            # Whether a target is a URL of its type's service is decided by Apprise, not the schema:
            # schema-valid channels may get a (documented) 422.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])  # type: ignore[attr-defined]

        check()


def test_a_rule_that_breaks_notifies_its_webhook_and_the_bell_end_to_end(
    client: httpx.Client, live_server: LiveServer, receiver: WebhookReceiver,
) -> None:
    """Uptime at 997 / 1,000 = 99.7 % breaks a critical rule "uptime < 99.9 %"; evaluating sends the
    signed webhook and stores the in-app notification."""
    noon = datetime.now(UTC).replace(tzinfo=None, hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    live_server.northstar.write({"performance_samples": [
        {"sample_id": f"u{index}", "kind": "uptime_check", "recorded_at": noon + timedelta(seconds=index),
         "name": "home", "ok": index >= 3} for index in range(1000)]}, source="test")
    hook = client.post(CHANNELS, json={"name": "ops-hook", "type": "webhook", "target": receiver.url}).json()
    receiver.secret = hook["secret"]
    rule = client.post("/api/v1/metrics/alerts", json={
        "name": "Uptime SLO", "metric_name": "uptime_percentage", "alert_type": "threshold", "comparison": "<",
        "threshold_value": 0.999, "severity": "critical", "notification_channels": ["ops-hook", "in_app"]})
    assert rule.status_code == 201, rule.text

    assert client.post("/api/v1/metrics/alerts/evaluate").status_code == 200

    fired = [body for body in receiver.received if body["rule_id"] == rule.json()["id"]]
    assert [(body["event"], body["severity"], body["metric_name"], body["value_display"]) for body in fired] == [
        ("firing", "critical", "uptime_percentage", "99.7%")]
    assert fired[0]["link"].endswith("/metrics/uptime_percentage")
    assert receiver.rejected == 0
    bell = client.get("/api/v1/notifications", params={"unread": "true"}).json()["notifications"]
    assert [(item["rule_id"], item["event"], item["link"]) for item in bell
            if item["rule_id"] == rule.json()["id"]] == [(rule.json()["id"], "firing", "/metrics/uptime_percentage")]
