"""Alert notifications, the entry points the alert lifecycle and the API use (issue 5).

- :func:`validate_destinations` checks a rule's ``notification_channels`` and ``recipients``
  before the rule is stored;
- :func:`enqueue` stores one delivery per destination of a :class:`Notification` (one
  transaction; nothing is lost on restart);
- :func:`deliver_due` sends what is due (call it after each evaluation and on a schedule);
- :func:`send_test` sends a ``test`` notification to one channel at once.

A rule's ``notification_channels`` entries name stored channels by id or name, or a kind
(``email``, ``slack``, ``teams``, ``sms``, ``webhook``, ``in_app``, ``apprise``) meaning every
enabled channel of that kind (``in_app`` works without a configured channel: the bell).
``recipients`` are email addresses (sent through ``notifications.smtp_url``), webhook URLs
(signed with ``notifications.webhook_secret``) or Apprise URLs.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from northstar.alerts import delivery
from northstar.alerts.channels import Channel, list_channels
from northstar.alerts.delivery import DeliveryReport, Destination, Outcome, store_deliveries
from northstar.alerts.destinations import recipient_kind
from northstar.alerts.messages import document
from northstar.alerts.model import Notification
from northstar.config import Settings
from northstar.domain.errors import InvalidInput
from northstar.store import Store
from northstar.store.schema import CHANNEL_TYPES

log = logging.getLogger(__name__)

__all__ = ["DeliveryReport", "deliver_due", "enqueue", "send_test", "validate_destinations"]


def validate_destinations(
    settings: Settings, channels: list[str], recipients: list[str], store: Store | None = None,
) -> None:
    """Check a rule's destinations before it is stored.

    Each recipient must be an email address (with ``notifications.smtp_url`` set), an http(s)
    webhook URL or an Apprise URL; each channel entry a kind or, when ``store`` is given, the id or
    name of a stored channel, and a kind other than ``in_app`` (or ``email`` with email
    recipients) must have an enabled channel. Without ``store`` only kinds are accepted.

    Raises ``InvalidInput("recipients" | "notification_channels", reason)``.
    """
    kinds = {recipient_kind(settings.notifications, recipient) for recipient in recipients}
    stored = list_channels(store) if store is not None else []
    for entry in channels:
        if not entry.strip():
            raise InvalidInput("notification_channels", "an empty channel name")
        if _resolve_entry(entry, stored) or entry == "in_app" or (entry == "email" and "email" in kinds):
            continue
        if entry in CHANNEL_TYPES:
            raise InvalidInput("notification_channels",
                               f"no enabled {entry} channel is configured (add one on /alerts or with "
                               "POST /api/v1/notification-channels)")
        raise InvalidInput("notification_channels", f"{entry!r} is neither a channel kind nor a configured channel")


def _resolve_entry(entry: str, stored: list[Channel]) -> list[Channel]:
    """The enabled channels ``entry`` names: by id, by name, else every one of that kind."""
    exact = [channel for channel in stored if entry in (channel.id, channel.name)]
    chosen = exact or [channel for channel in stored if channel.type == entry]
    return [channel for channel in chosen if channel.enabled]


def destinations(store: Store, settings: Settings, channels: tuple[str, ...] | list[str],
                 recipients: tuple[str, ...] | list[str]) -> list[Destination]:
    """The distinct destinations of a notification's channel entries and recipients. Entries that
    name nothing configured any more, and recipients that are no longer valid, are skipped with a
    warning (the rule was valid when stored; the others still get it)."""
    stored = list_channels(store)
    found: dict[str, Destination] = {}
    for entry in channels:
        matched = [Destination(channel.type, channel_id=channel.id) for channel in _resolve_entry(entry, stored)]
        if not matched and entry == "in_app":
            matched = [Destination("in_app")]
        if not matched and entry != "email":
            log.warning("notification channel %r matches no enabled channel; skipped", entry)
        found.update((destination.key, destination) for destination in matched)
    for recipient in recipients:
        try:
            kind = recipient_kind(settings.notifications, recipient)
        except InvalidInput as exc:
            log.warning("recipient skipped: %s", exc.reason)
            continue
        destination = Destination(kind, recipient=recipient.strip())
        found[destination.key] = destination
    return list(found.values())


def enqueue(store: Store, settings: Settings, notification: Notification) -> list[str]:
    """Store one ``pending`` delivery of ``notification`` per destination, in one transaction,
    due at ``notification.created_at``; returns the delivery ids (none when nothing matches).

    Idempotent: enqueueing the same notification again stores nothing new. Quiet hours travel
    with the deliveries and are applied by :func:`deliver_due`.
    """
    doc = document(notification, settings.notifications.base_url)
    targets = destinations(store, settings, notification.channels, notification.recipients)
    return store_deliveries(store, doc, targets, notification.quiet_hours, notification.created_at)


def deliver_due(store: Store, settings: Settings, now: datetime) -> DeliveryReport:
    """Send every delivery due at ``now`` (naive UTC); see :func:`northstar.alerts.delivery.deliver_due`."""
    return delivery.deliver_due(store, settings.notifications, now)


def send_test(store: Store, settings: Settings, channel: Channel, now: datetime) -> Outcome:
    """Send a ``test`` notification to ``channel`` now (quiet hours do not apply) and return the
    outcome: ``delivered``, or ``failed`` with the error (a test is not retried). The delivery is
    kept in the log like any other."""
    notification = Notification(
        alert_id=f"test-{uuid.uuid4().hex[:12]}", rule_id="test", event="test", severity="info",
        metric_name="test", metric_label="Northstar", value_display="ok",
        condition_text=f"channel {channel.name} reached", link="/alerts", channels=(channel.id,),
        recipients=(), created_at=now,
    )
    doc = document(notification, settings.notifications.base_url)
    ids = store_deliveries(store, doc, [Destination(channel.type, channel_id=channel.id)], None, now)
    once = settings.notifications.model_copy(update={"max_attempts": 1})
    report = delivery.deliver_due(store, once, now, only=ids)
    return next(outcome for outcome in report.outcomes if outcome.delivery_id == ids[0])
