"""The pure parts of notification delivery: the webhook signature and its check, quiet hours,
backoff, the message text and what a channel target or a recipient may be."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, time, timedelta

import pytest

from northstar.alerts.delivery import backoff, quiet_until
from northstar.alerts.destinations import check_target, email_url, masked, recipient_kind
from northstar.alerts.messages import document, render
from northstar.alerts.model import Notification, QuietHours
from northstar.alerts.webhook import signature, verify_signature
from northstar.config import NotificationSettings
from northstar.domain.errors import InvalidInput

SECRET = "whsec_test-secret"
BODY = b'{"event":"firing","metric_name":"k_factor"}'
NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"whsec_test-secret", b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, NOW, BODY) == f"sha256={expected}"


def test_a_signed_request_verifies_and_any_change_breaks_it() -> None:
    header = signature(SECRET, NOW, BODY)
    assert verify_signature(SECRET, BODY, str(NOW), header, now=NOW + 10)
    assert not verify_signature(SECRET, BODY + b" ", str(NOW), header, now=NOW)        # body changed
    assert not verify_signature("whsec_other", BODY, str(NOW), header, now=NOW)      # wrong secret
    assert not verify_signature(SECRET, BODY, str(NOW + 1), header, now=NOW)         # timestamp changed
    assert not verify_signature(SECRET, BODY, str(NOW), header, now=NOW + 301)       # replayed too late
    assert not verify_signature(SECRET, BODY, None, header, now=NOW)
    assert not verify_signature(SECRET, BODY, str(NOW), None, now=NOW)
    assert not verify_signature(SECRET, BODY, "soon", header, now=NOW)


@pytest.mark.parametrize(("now", "until"), [
    (datetime(2026, 1, 15, 23, 30), datetime(2026, 1, 16, 7, 0)),   # GMT: 23:30 local, ends 07:00 = 07:00 UTC
    (datetime(2026, 1, 16, 6, 59), datetime(2026, 1, 16, 7, 0)),
    (datetime(2026, 1, 16, 7, 0), None),                            # the end is outside [22:00, 07:00)
    (datetime(2026, 1, 15, 21, 59), None),
    (datetime(2026, 7, 15, 21, 0), datetime(2026, 7, 16, 6, 0)),    # BST: 22:00 local, ends 07:00 BST = 06:00 UTC
])
def test_quiet_hours_end_in_their_own_timezone(now: datetime, until: datetime | None) -> None:
    quiet = QuietHours(start=time(22, 0), end=time(7, 0), timezone="Europe/London")
    assert quiet_until(quiet, now) == until


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 30), timezone="UTC")
    assert quiet_until(lunch, datetime(2026, 3, 2, 12, 15)) == datetime(2026, 3, 2, 13, 30)
    assert quiet_until(lunch, datetime(2026, 3, 2, 13, 30)) is None


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    settings = NotificationSettings(retry_base_seconds=30, retry_max_seconds=3600)
    assert [backoff(settings, attempts).total_seconds() for attempts in (1, 2, 3, 4, 7, 8, 50)] == [
        30, 60, 120, 240, 1920, 3600, 3600]


def test_a_message_names_metric_value_condition_severity_and_link() -> None:
    notification = Notification(
        alert_id="a9", rule_id="r9", event="resolved", severity="critical", metric_name="mrr", metric_label="MRR",
        value_display="£52,000.00", condition_text="MRR < £50,000.00", link="/metrics/mrr", channels=(),
        recipients=(), created_at=datetime(2026, 5, 1, 8, 30),
    )
    message = render(document(notification, "https://metrics.example.com/"))
    assert message.title == "[CRITICAL] MRR is resolved: £52,000.00 (MRR < £50,000.00)"
    assert message.link == "https://metrics.example.com/metrics/mrr"
    assert message.body.splitlines() == [
        "Metric: MRR (mrr)", "Value: £52,000.00", "Condition: MRR < £50,000.00", "Severity: critical",
        "Status: resolved", "At: 2026-05-01 08:30 UTC", "Details: https://metrics.example.com/metrics/mrr"]


SMTP = NotificationSettings(smtp_url="mailtos://bot:pw@smtp.example.com:587?from=alerts@example.com&to=x@y.z")


def test_recipients_are_addresses_webhooks_or_apprise_urls() -> None:
    assert recipient_kind(SMTP, "ceo@example.com") == "email"
    assert recipient_kind(SMTP, "https://receiver.example.com/northstar") == "webhook"
    assert recipient_kind(SMTP, "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ") \
        == "apprise"
    assert recipient_kind(SMTP, "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ") == "apprise"
    with pytest.raises(InvalidInput) as error:
        recipient_kind(SMTP, "bogus://x")
    assert (error.value.field, error.value.reason) == (
        "recipients", "bogus://…: not an email address, webhook URL or Apprise URL")


def test_channel_targets_must_fit_their_type() -> None:
    assert check_target(SMTP, "email", " a@example.com, b@example.com ") == "a@example.com, b@example.com"
    assert check_target(SMTP, "in_app", None) is None
    assert check_target(SMTP, "sms", "twilio://AC1234567890abcdef1234567890abcd:1234567890abcdef1234567890abcdef"
                        "@15551234567/15557654321").startswith("twilio://")
    cases = [
        ("slack", "twilio://AC1234567890abcdef1234567890abcd:1234567890abcdef1234567890abcdef@15551234567/15557654321",
         "not a slack URL"),
        ("webhook", "ftp://example.com/x", "a webhook target is an http:// or https:// URL with a host"),
        ("email", "not-an-address", "not email addresses: not-an-address"),
        ("teams", "", "a teams channel needs a target"),
        ("apprise", "nope://x", "not a URL Apprise can notify: nope://…"),
        ("in_app", "https://example.com", "an in_app channel has no target"),
    ]
    for kind, target, reason in cases:
        with pytest.raises(InvalidInput) as error:
            check_target(SMTP, kind, target)
        assert error.value.field == "target"
        assert error.value.reason.startswith(reason), (kind, error.value.reason)
    with pytest.raises(InvalidInput) as error:
        check_target(NotificationSettings(), "email", "a@example.com")
    assert error.value.reason == "email addresses need the notifications.smtp_url setting (the SMTP server)"


def test_email_goes_through_the_smtp_url_with_its_recipients_replaced() -> None:
    assert email_url(SMTP, ["a@example.com", "b@example.com"]) == (
        "mailtos://bot:pw@smtp.example.com:587?from=alerts%40example.com&to=a%40example.com%2Cb%40example.com")


def test_credentials_are_masked_for_display() -> None:
    assert masked("webhook", "https://user:pw@receiver.example.com:8443/hook?token=abc") == \
        "https://receiver.example.com:8443/hook?…"
    assert masked("webhook", "https://receiver.example.com/hook") == "https://receiver.example.com/hook"
    assert masked("email", "a@example.com") == "a@example.com"
    shown = masked("slack", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#ops")
    assert shown is not None and "TIiajkdnlazkcOXrIdevi7FQ" not in shown and shown.startswith("slack://")


def test_a_long_wait_is_a_timedelta() -> None:
    assert backoff(NotificationSettings(retry_base_seconds=1, retry_max_seconds=10), 1) == timedelta(seconds=1)
