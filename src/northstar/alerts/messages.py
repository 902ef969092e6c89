"""The text and JSON of a notification: which metric, its value, the condition, the severity and
the link to the metric's drill-down (issue 5, "Notifications").

A notification is stored with its delivery as a plain document (:func:`document`) and every
message is rendered from that document, so a delivery retried after a restart says exactly what
the first attempt said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from northstar.alerts.model import Notification

_HEADLINES = {
    "firing": "is firing",
    "resolved": "is resolved",
    "escalated": "is still firing, unacknowledged (escalated)",
    "test": "test notification",
}


@dataclass(frozen=True, slots=True)
class Message:
    """A rendered notification: ``title`` (one line), ``body`` (plain text lines) and the
    absolute ``link`` to the drill-down."""

    title: str
    body: str
    link: str


def document(notification: Notification, base_url: str) -> dict[str, Any]:
    """The JSON-ready document of ``notification`` that deliveries store and render from: its
    fields with ``created_at`` as ISO 8601 (naive UTC), ``link`` made absolute with ``base_url``
    (``path`` keeps it as given, for the in-app bell), ``quiet_hours`` left out (the delivery
    keeps them apart)."""
    return {
        "alert_id": notification.alert_id,
        "rule_id": notification.rule_id,
        "event": notification.event,
        "severity": notification.severity,
        "metric_name": notification.metric_name,
        "metric_label": notification.metric_label,
        "value_display": notification.value_display,
        "condition_text": notification.condition_text,
        "link": absolute_link(notification.link, base_url),
        "path": notification.link,
        "escalation_level": notification.escalation_level,
        "created_at": notification.created_at.isoformat(),
    }


def absolute_link(link: str, base_url: str) -> str:
    """``link`` unchanged when it is already absolute, else joined to ``base_url``."""
    if link.startswith(("http://", "https://")):
        return link
    return base_url.rstrip("/") + "/" + link.lstrip("/")


def render(doc: dict[str, Any]) -> Message:
    """The :class:`Message` of a stored notification document (see :func:`document`).

    Title: ``[WARNING] K-factor is firing: 0.82 (K-factor < 1.0)``; the body repeats metric, value,
    condition, severity, event, time (UTC) and link, one per line.
    """
    severity = str(doc["severity"]).upper()
    value = doc["value_display"] if doc["value_display"] is not None else "no data"
    headline = _HEADLINES[doc["event"]]
    title = f"[{severity}] {doc['metric_label']} {headline}: {value} ({doc['condition_text']})"
    created = datetime.fromisoformat(doc["created_at"])
    lines = [
        f"Metric: {doc['metric_label']} ({doc['metric_name']})",
        f"Value: {value}",
        f"Condition: {doc['condition_text']}",
        f"Severity: {doc['severity']}",
        f"Status: {doc['event']}",
        f"At: {created:%Y-%m-%d %H:%M} UTC",
        f"Details: {doc['link']}",
    ]
    return Message(title=title, body="\n".join(lines), link=doc["link"])


def webhook_payload(doc: dict[str, Any], delivery_id: str) -> dict[str, Any]:
    """The JSON body of a webhook: the delivery id, the notification document and the rendered
    ``title`` and ``message``."""
    message = render(doc)
    return {"delivery_id": delivery_id, **doc, "title": message.title, "message": message.body}
