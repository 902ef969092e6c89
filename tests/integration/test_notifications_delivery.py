"""Alert notifications delivered to real receivers: an SMTP server (aiosmtpd) and webhook endpoints
(uvicorn) that verify the HMAC signature; retries with backoff that survive a restart, a failing
channel that blocks nothing, quiet hours and the in-app bell, on DuckDB and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

import pytest

from northstar.alerts.channels import create_channel
from northstar.alerts.model import Notification, QuietHours
from northstar.alerts.notify import deliver_due, enqueue, validate_destinations
from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.errors import InvalidInput
from tests.conftest import free_port
from tests.integration.notification_receivers import SMTPServer, WebhookReceiver, plain_text

T0 = datetime(2026, 1, 15, 12, 0)
SECRET = "recipient-secret-0123456789"


def notification(
    channels: tuple[str, ...] = (), recipients: tuple[str, ...] = (), *, event: str = "firing",
    severity: str = "warning", at: datetime = T0, quiet_hours: QuietHours | None = None, alert_id: str = "a1",
) -> Notification:
    """K-factor at 0.82 breaking "K-factor < 1.0"."""
    return Notification(
        alert_id=alert_id, rule_id="r1", event=event, severity=severity,  # type: ignore[arg-type]
        metric_name="k_factor", metric_label="K-factor", value_display="0.82", condition_text="K-factor < 1.0",
        link="/metrics/k_factor", channels=channels, recipients=recipients, created_at=at, quiet_hours=quiet_hours,
    )


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def receivers() -> Iterator[Callable[..., WebhookReceiver]]:
    started: list[WebhookReceiver] = []

    def start(secret: str | None, failures: int = 0) -> WebhookReceiver:
        started.append(WebhookReceiver(secret, failures).start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


def open_northstar(database: str, make_settings: Callable[..., Settings], **notifications: object) -> Northstar:
    defaults: dict[str, object] = {"base_url": "https://northstar.example", "retry_base_seconds": 60,
                                   "timeout_seconds": 3}
    return Northstar(make_settings(database=database, notifications={**defaults, **notifications}))


@pytest.fixture
def northstar_with(database: str, make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Northstar]]:
    opened: list[Northstar] = []

    def build(**notifications: object) -> Northstar:
        opened.append(open_northstar(database, make_settings, **notifications))
        return opened[-1]

    yield build
    for instance in opened:
        instance.close()


def webhook_channel(northstar: Northstar, name: str, url: str) -> str:
    """Create a webhook channel to ``url``; its generated secret."""
    channel = create_channel(northstar.store, northstar.settings.notifications, name=name, type="webhook",
                             target=url, enabled=True, now=T0)
    assert channel.secret is not None and channel.secret.startswith("whsec_")
    return channel.secret


def statuses(northstar: Northstar) -> list[tuple[str, str, int]]:
    return [tuple(row) for row in northstar.store.query(
        "SELECT kind, status, attempts FROM notification_deliveries ORDER BY kind, status")]


def test_an_email_reaches_a_real_smtp_server_with_metric_value_condition_severity_and_link(
    northstar_with: Callable[..., Northstar], smtp: SMTPServer,
) -> None:
    northstar = northstar_with(smtp_url=f"mailto://127.0.0.1:{smtp.port}?from=northstar@example.com")
    enqueue(northstar.store, northstar.settings, notification(recipients=("ceo@example.com",)))

    report = deliver_due(northstar.store, northstar.settings, T0)

    assert report.delivered == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["ceo@example.com"]
    assert message["Subject"] == "[WARNING] K-factor is firing: 0.82 (K-factor < 1.0)"
    assert plain_text(message).splitlines() == [
        "Metric: K-factor (k_factor)",
        "Value: 0.82",
        "Condition: K-factor < 1.0",
        "Severity: warning",
        "Status: firing",
        "At: 2026-01-15 12:00 UTC",
        "Details: https://northstar.example/metrics/k_factor",
    ]
    assert statuses(northstar) == [("email", "delivered", 1)]


def test_a_signed_webhook_is_verified_by_its_receiver_and_resolved_alerts_are_sent_too(
    northstar_with: Callable[..., Northstar], receivers: Callable[..., WebhookReceiver],
) -> None:
    northstar = northstar_with()
    receiver = receivers(None)
    receiver.secret = webhook_channel(northstar, "ops-hook", receiver.url)
    enqueue(northstar.store, northstar.settings, notification(("ops-hook",)))
    enqueue(northstar.store, northstar.settings, notification(("webhook",), event="resolved",
                                                             at=T0 + timedelta(hours=1)))

    assert deliver_due(northstar.store, northstar.settings, T0 + timedelta(hours=1)).delivered == 2

    assert receiver.rejected == 0
    received = sorted(receiver.received, key=lambda body: body["created_at"])
    assert [(body["event"], body["value_display"], body["condition_text"], body["severity"], body["link"])
            for body in received] == [
        ("firing", "0.82", "K-factor < 1.0", "warning", "https://northstar.example/metrics/k_factor"),
        ("resolved", "0.82", "K-factor < 1.0", "warning", "https://northstar.example/metrics/k_factor"),
    ]
    assert received[1]["title"] == "[WARNING] K-factor is resolved: 0.82 (K-factor < 1.0)"
    assert sorted(headers["x-northstar-event"] for headers in receiver.headers) == ["firing", "resolved"]


def test_a_receiver_that_answers_500_then_recovers_gets_the_notification_exactly_once(
    northstar_with: Callable[..., Northstar], receivers: Callable[..., WebhookReceiver],
) -> None:
    northstar = northstar_with(webhook_secret=SECRET)
    receiver = receivers(SECRET, failures=2)
    enqueue(northstar.store, northstar.settings, notification(recipients=(receiver.url,)))
    store, settings = northstar.store, northstar.settings

    assert deliver_due(store, settings, T0).retrying == 1                            # 500: retry at +60 s
    assert deliver_due(store, settings, T0 + timedelta(seconds=59)).outcomes == []   # not due yet
    assert deliver_due(store, settings, T0 + timedelta(seconds=60)).retrying == 1    # 500: retry at +180 s
    assert deliver_due(store, settings, T0 + timedelta(seconds=179)).outcomes == []
    assert deliver_due(store, settings, T0 + timedelta(seconds=180)).delivered == 1
    assert deliver_due(store, settings, T0 + timedelta(days=1)).outcomes == []

    assert (receiver.hits, len(receiver.received), receiver.rejected) == (3, 1, 0)
    attempts = store.query("SELECT attempt, attempted_at, ok, error FROM notification_attempts ORDER BY attempt")
    assert [(row[0], row[1], row[2]) for row in attempts] == [
        (1, T0, False), (2, T0 + timedelta(seconds=60), False), (3, T0 + timedelta(seconds=180), True)]
    assert attempts[0][3].startswith("HTTP 500")
    assert statuses(northstar) == [("webhook", "delivered", 3)]


def test_a_restart_between_a_failure_and_its_retry_loses_nothing(
    database: str, make_settings: Callable[..., Settings], receivers: Callable[..., WebhookReceiver],
) -> None:
    receiver = receivers(SECRET, failures=1)
    before = open_northstar(database, make_settings, webhook_secret=SECRET)
    enqueue(before.store, before.settings, notification(recipients=(receiver.url,)))
    assert deliver_due(before.store, before.settings, T0).retrying == 1
    before.close()

    after = open_northstar(database, make_settings, webhook_secret=SECRET)
    try:
        assert deliver_due(after.store, after.settings, T0 + timedelta(minutes=1)).delivered == 1
        assert deliver_due(after.store, after.settings, T0 + timedelta(hours=1)).outcomes == []
        assert statuses(after) == [("webhook", "delivered", 2)]
    finally:
        after.close()
    assert receiver.hits == 2
    assert [body["alert_id"] for body in receiver.received] == ["a1"]


def test_a_failing_channel_does_not_block_the_others(
    northstar_with: Callable[..., Northstar], receivers: Callable[..., WebhookReceiver],
) -> None:
    northstar = northstar_with(max_attempts=2)
    receiver = receivers(None)
    receiver.secret = webhook_channel(northstar, "good", receiver.url)
    webhook_channel(northstar, "unreachable", f"http://127.0.0.1:{free_port()}/hook")
    enqueue(northstar.store, northstar.settings, notification(("unreachable", "good", "in_app")))

    report = deliver_due(northstar.store, northstar.settings, T0)

    assert sorted((outcome.kind, outcome.status) for outcome in report.outcomes) == [
        ("in_app", "delivered"), ("webhook", "delivered"), ("webhook", "pending")]
    assert len(receiver.received) == 1
    [failed] = [outcome for outcome in report.outcomes if outcome.status == "pending"]
    assert str(failed.error).startswith("ConnectError")
    # After max_attempts the delivery is kept as failed, for inspection.
    assert deliver_due(northstar.store, northstar.settings, T0 + timedelta(minutes=1)).failed == 1
    assert statuses(northstar) == [("in_app", "delivered", 1), ("webhook", "delivered", 1), ("webhook", "failed", 2)]


def test_quiet_hours_hold_a_warning_until_they_end_and_let_a_critical_through(
    northstar_with: Callable[..., Northstar], receivers: Callable[..., WebhookReceiver],
) -> None:
    northstar = northstar_with()
    receiver = receivers(None)
    receiver.secret = webhook_channel(northstar, "pager", receiver.url)
    quiet = QuietHours(start=time(22, 0), end=time(7, 0), timezone="Europe/London")
    night = datetime(2026, 1, 15, 23, 30)  # 23:30 in London (GMT in January)
    for alert_id, severity in (("warn", "warning"), ("crit", "critical")):
        enqueue(northstar.store, northstar.settings,
                notification(("pager",), severity=severity, at=night, quiet_hours=quiet, alert_id=alert_id))

    report = deliver_due(northstar.store, northstar.settings, night)
    assert (report.delivered, report.held) == (1, 1)
    assert [body["alert_id"] for body in receiver.received] == ["crit"]
    held = "SELECT status, next_attempt_at FROM notification_deliveries WHERE alert_id = 'warn'"
    assert northstar.store.query(held) == [("held", datetime(2026, 1, 16, 7, 0))]

    assert deliver_due(northstar.store, northstar.settings, datetime(2026, 1, 16, 6, 59)).outcomes == []
    assert deliver_due(northstar.store, northstar.settings, datetime(2026, 1, 16, 7, 0)).delivered == 1
    assert [body["alert_id"] for body in receiver.received] == ["crit", "warn"]


def test_in_app_notifications_are_stored_for_the_bell_once(northstar_with: Callable[..., Northstar]) -> None:
    northstar = northstar_with()
    first = enqueue(northstar.store, northstar.settings, notification(("in_app",)))
    again = enqueue(northstar.store, northstar.settings, notification(("in_app",)))
    assert first == again and len(first) == 1

    assert deliver_due(northstar.store, northstar.settings, T0).delivered == 1
    assert northstar.store.query("SELECT severity, title, link, read_at FROM in_app_notifications") == [
        ("warning", "[WARNING] K-factor is firing: 0.82 (K-factor < 1.0)", "/metrics/k_factor", None)]


def test_destinations_are_validated_naming_the_field(northstar_with: Callable[..., Northstar]) -> None:
    northstar = northstar_with()
    store, settings = northstar.store, northstar.settings
    validate_destinations(settings, ["in_app"], ["https://hooks.example.com/northstar"], store=store)

    with pytest.raises(InvalidInput) as error:
        validate_destinations(settings, ["in_app"], ["ceo@example.com"], store=store)
    assert (error.value.field, error.value.reason) == (
        "recipients", "ceo@example.com: email recipients need the notifications.smtp_url setting")
    with pytest.raises(InvalidInput) as error:
        validate_destinations(settings, [], ["not a destination"], store=store)
    assert error.value.field == "recipients"
    with pytest.raises(InvalidInput) as error:
        validate_destinations(settings, ["slack"], [], store=store)
    assert error.value.field == "notification_channels"
    assert error.value.reason.startswith("no enabled slack channel is configured")
    with pytest.raises(InvalidInput) as error:
        validate_destinations(settings, ["ops-room"], [], store=store)
    assert error.value.reason == "'ops-room' is neither a channel kind nor a configured channel"

    create_channel(store, settings.notifications, name="ops-room", type="slack",
                   target="slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#ops", enabled=True, now=T0)
    validate_destinations(settings, ["slack", "ops-room"], [], store=store)


def test_two_runs_at_once_send_a_delivery_once(
    northstar_with: Callable[..., Northstar], receivers: Callable[..., WebhookReceiver],
) -> None:
    northstar = northstar_with(webhook_secret=SECRET)
    receiver = receivers(SECRET)
    for index in range(6):
        enqueue(northstar.store, northstar.settings, notification(recipients=(receiver.url,), alert_id=f"a{index}"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda _: deliver_due(northstar.store, northstar.settings, T0), range(2)))

    assert sum(report.delivered for report in reports) == 6
    assert sorted(body["alert_id"] for body in receiver.received) == [f"a{index}" for index in range(6)]
