"""Sending one rendered notification to one destination, with a timeout, and nothing else.

Email, Slack, Teams, SMS and any Apprise URL go through Apprise; webhooks are signed and posted
with httpx (``alerts/webhook.py``). A sender returns on success and raises :class:`SendError`
with the reason otherwise; it never touches the store.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import apprise

from northstar.alerts.destinations import apprise_plugin, email_url, split_addresses
from northstar.alerts.messages import render, webhook_payload
from northstar.alerts.webhook import WebhookError, post
from northstar.config import NotificationSettings
from northstar.domain.errors import InvalidInput

_TYPES = {"critical": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING,
          "info": apprise.NotifyType.INFO}


class SendError(Exception):
    """A delivery attempt that failed; ``permanent`` when retrying cannot help (e.g. the channel
    was deleted)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Target:
    """Where one delivery goes: its ``kind``, the ``address`` (Apprise URL, email addresses or
    webhook URL; ``None`` for in-app) and, for a webhook, the signing ``secret``."""

    kind: str
    address: str | None
    secret: str | None = None


def send(settings: NotificationSettings, target: Target, doc: dict[str, Any], delivery_id: str) -> None:
    """Send notification document ``doc`` (``alerts/messages.py``) to ``target``.

    In-app targets are stored by the caller, not sent. Raises :class:`SendError` on failure.
    """
    if target.kind == "webhook":
        body = json.dumps(webhook_payload(doc, delivery_id), separators=(",", ":")).encode()
        try:
            post(str(target.address), body, secret=target.secret, timestamp=int(time.time()),
                 delivery_id=delivery_id, event=doc["event"], timeout_seconds=settings.timeout_seconds)
        except WebhookError as exc:
            raise SendError(str(exc)) from exc
        return
    _send_apprise(settings, _apprise_url(settings, target), doc)


def _apprise_url(settings: NotificationSettings, target: Target) -> str:
    address = str(target.address)
    if target.kind == "email" and not address.startswith(("mailto://", "mailtos://")):
        try:
            return email_url(settings, split_addresses(address))
        except InvalidInput as exc:
            raise SendError(exc.reason) from exc
    return address


def _send_apprise(settings: NotificationSettings, url: str, doc: dict[str, Any]) -> None:
    plugin = apprise_plugin(url)
    if plugin is None:
        raise SendError("Apprise does not recognise the URL", permanent=True)
    plugin.socket_connect_timeout = settings.timeout_seconds
    plugin.socket_read_timeout = settings.timeout_seconds
    message = render(doc)
    notifier = apprise.Apprise()
    notifier.add(plugin)
    with apprise.LogCapture(level=logging.WARNING) as log:
        ok = notifier.notify(title=message.title, body=message.body, notify_type=_TYPES[doc["severity"]],
                             body_format=apprise.NotifyFormat.TEXT)
        captured = log.getvalue().strip()
    if not ok:
        raise SendError(captured.splitlines()[-1][:500] if captured else "Apprise reported a failure")
