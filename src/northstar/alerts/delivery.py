"""Reliable delivery: one stored delivery per notification and destination, sent when due,
retried with exponential backoff, held through quiet hours (issue 5, "Notifications").

The store is the queue (``notification_deliveries``, migration 0004), so nothing is lost when
Northstar restarts between a failure and its retry. A delivery moves ``pending`` (or ``held``
during quiet hours) → ``sending`` (claimed with a lease, so two processes never send it both) →
``delivered``, or back to ``pending`` with ``next_attempt_at`` pushed out by
``retry_base_seconds × 2^(attempts−1)`` (capped at ``retry_max_seconds``), or ``failed`` after
``max_attempts`` or a permanent error. It is marked delivered in the store as soon as its send
returns, and a delivered one is never sent again: a receiver that recovers from errors gets it
once. Each due delivery is sent on its own worker thread with its own timeout, so a slow or
failing destination never holds up another. Every attempt is kept in ``notification_attempts``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from northstar.alerts.channels import get_channel
from northstar.alerts.destinations import masked
from northstar.alerts.messages import render
from northstar.alerts.model import QuietHours
from northstar.alerts.senders import SendError, Target, send
from northstar.config import NotificationSettings
from northstar.store import Store

log = logging.getLogger(__name__)

_WORKERS = 8
_BATCH = 500
_COLUMNS = ("delivery_id, channel_id, kind, destination, notification, quiet_hours, status, attempts, "
            "next_attempt_at")


@dataclass(frozen=True, slots=True)
class Destination:
    """One place a notification goes: a stored channel (``channel_id``) or a rule recipient
    (``recipient``), with the ``kind`` it is sent as."""

    kind: str
    channel_id: str | None = None
    recipient: str | None = None

    @property
    def key(self) -> str:
        return f"channel:{self.channel_id}" if self.channel_id else f"{self.kind}:{self.recipient or ''}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one delivery in a :func:`deliver_due` run: ``status`` after the run
    (``delivered``, ``pending`` for a retry, ``held``, ``failed``) and the error, if any."""

    delivery_id: str
    kind: str
    status: str
    error: str | None = None


@dataclass(slots=True)
class DeliveryReport:
    """The outcomes of one :func:`deliver_due` run, with counts by status."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def delivered(self) -> int:
        return self.count("delivered")

    @property
    def retrying(self) -> int:
        return self.count("pending")

    @property
    def held(self) -> int:
        return self.count("held")

    @property
    def failed(self) -> int:
        return self.count("failed")


def delivery_id(doc: dict[str, Any], destination: Destination) -> str:
    """A stable id for notification document ``doc`` to ``destination``: enqueueing the same
    notification twice stores it once."""
    basis = "|".join([doc["alert_id"], doc["rule_id"], doc["event"], str(doc["escalation_level"]),
                      doc["created_at"], destination.key])
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def store_deliveries(
    store: Store, doc: dict[str, Any], destinations: list[Destination], quiet_hours: QuietHours | None,
    now: datetime,
) -> list[str]:
    """Store one ``pending`` delivery of ``doc`` per destination, due at ``now``, in one
    transaction; returns their ids (idempotent: stored ones are kept as they are)."""
    rows = [{
        "delivery_id": delivery_id(doc, destination), "alert_id": doc["alert_id"], "rule_id": doc["rule_id"],
        "event": doc["event"], "severity": doc["severity"], "channel_id": destination.channel_id,
        "kind": destination.kind, "destination": destination.recipient, "notification": doc,
        "quiet_hours": quiet_hours.model_dump(mode="json") if quiet_hours else None, "status": "pending",
        "attempts": 0, "created_at": now, "next_attempt_at": now,
    } for destination in destinations]
    if rows:
        store.write({"notification_deliveries": rows})
    return [row["delivery_id"] for row in rows]


def quiet_until(quiet_hours: QuietHours, now: datetime) -> datetime | None:
    """The naive-UTC end of the quiet hours ``now`` (naive UTC) falls in, or ``None`` outside them."""
    if not quiet_hours.contains(now):
        return None
    zone = ZoneInfo(quiet_hours.timezone)
    local = now.replace(tzinfo=UTC).astimezone(zone)
    end = datetime.combine(local.date(), quiet_hours.end, tzinfo=zone)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC).replace(tzinfo=None)


def backoff(settings: NotificationSettings, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: ``retry_base_seconds × 2^(attempts−1)``,
    at most ``retry_max_seconds``."""
    seconds = settings.retry_base_seconds * 2 ** min(attempts - 1, 30)
    return timedelta(seconds=min(seconds, settings.retry_max_seconds))


def deliver_due(
    store: Store, settings: NotificationSettings, now: datetime, only: list[str] | None = None,
) -> DeliveryReport:
    """Send every delivery due at ``now`` (naive UTC) and record what happened.

    Non-critical deliveries due inside their quiet hours are ``held`` until the hours end
    (in-app ones are stored at once: the bell makes no noise). The others are claimed, sent
    concurrently (each with ``timeout_seconds``) and marked ``delivered`` as soon as the send
    returns, or rescheduled / ``failed`` with the error logged. ``only`` restricts the run to
    those delivery ids. Returns a :class:`DeliveryReport`; never raises for a destination's failure.
    """
    restrict = f" AND delivery_id IN ({', '.join('?' for _ in only)})" if only else ""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM notification_deliveries WHERE status IN ('pending', 'held', 'sending') "
        f"AND next_attempt_at <= ?{restrict} ORDER BY next_attempt_at LIMIT {_BATCH}", [now, *(only or [])],
    )
    report = DeliveryReport()
    claimed: list[tuple[dict[str, Any], Target | SendError]] = []
    for row in rows:
        item = dict(zip([name.strip() for name in _COLUMNS.split(",")], row, strict=True))
        item["notification"] = _json(item["notification"])
        held = _hold(store, item, now)
        if held is not None:
            report.outcomes.append(held)
            continue
        if _claim(store, settings, item, now):
            claimed.append((item, _target(store, settings, item)))
    if not claimed:
        return report
    with ThreadPoolExecutor(max_workers=min(_WORKERS, len(claimed))) as pool:
        futures = {pool.submit(_attempt, store, settings, item, target): item for item, target in claimed}
        for future in as_completed(futures):
            report.outcomes.append(_record(store, settings, futures[future], future.result(), now))
    return report


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _hold(store: Store, item: dict[str, Any], now: datetime) -> Outcome | None:
    """Hold a non-critical delivery through its quiet hours; ``None`` when it may go now."""
    quiet = item["quiet_hours"] and QuietHours.model_validate(_json(item["quiet_hours"]))
    if not quiet or item["kind"] == "in_app" or item["notification"]["severity"] == "critical":
        return None
    until = quiet_until(quiet, now)
    if until is None:
        return None
    store.execute_write(
        "UPDATE notification_deliveries SET status = 'held', next_attempt_at = ? WHERE delivery_id = ? "
        "AND status = ?", [until, item["delivery_id"], item["status"]],
    )
    return Outcome(item["delivery_id"], item["kind"], "held", f"quiet hours until {until:%Y-%m-%d %H:%M} UTC")


def _claim(store: Store, settings: NotificationSettings, item: dict[str, Any], now: datetime) -> bool:
    """Take the delivery for this run; false when another process took it first. The lease (three
    timeouts plus a minute) lets another run retry it if this process dies while sending."""
    lease = now + timedelta(seconds=3 * settings.timeout_seconds + 60)
    return store.execute_write(
        "UPDATE notification_deliveries SET status = 'sending', next_attempt_at = ? WHERE delivery_id = ? "
        "AND status = ? AND next_attempt_at = ?",
        [lease, item["delivery_id"], item["status"], item["next_attempt_at"]],
    ) == 1


def _target(store: Store, settings: NotificationSettings, item: dict[str, Any]) -> Target | SendError:
    """Where the delivery goes now: its recipient, or its channel as currently configured."""
    if item["channel_id"] is None:
        secret = settings.webhook_secret if item["kind"] == "webhook" else None
        return Target(item["kind"], item["destination"], secret)
    channel = get_channel(store, item["channel_id"])
    if channel is None:
        return SendError("the channel was deleted", permanent=True)
    if not channel.enabled:
        return SendError(f"channel {channel.name!r} is disabled", permanent=True)
    return Target(channel.type, channel.target, channel.secret)


def _attempt(store: Store, settings: NotificationSettings, item: dict[str, Any],
             target: Target | SendError) -> SendError | None:
    """Send (or store, for in-app) one claimed delivery; the error, or ``None`` on success."""
    if isinstance(target, SendError):
        return target
    try:
        if target.kind == "in_app":
            _store_in_app(store, item)
        else:
            send(settings, target, item["notification"], item["delivery_id"])
    except SendError as exc:
        return exc
    except Exception as exc:  # one destination's bug must not stop the others
        log.exception("notification delivery %s crashed", item["delivery_id"])
        return SendError(f"{type(exc).__name__}: {exc}")
    return None


def _store_in_app(store: Store, item: dict[str, Any]) -> None:
    doc = item["notification"]
    message = render(doc)
    store.write({"in_app_notifications": [{
        "notification_id": item["delivery_id"], "alert_id": doc["alert_id"], "rule_id": doc["rule_id"],
        "event": doc["event"], "severity": doc["severity"], "title": message.title, "body": message.body,
        "link": doc.get("path") or message.link, "created_at": datetime.fromisoformat(doc["created_at"]),
    }]})


def _record(store: Store, settings: NotificationSettings, item: dict[str, Any], error: SendError | None,
            now: datetime) -> Outcome:
    """Store the attempt's result on the delivery, then in the attempt log."""
    attempts = item["attempts"] + 1
    if error is None:
        status, next_at = "delivered", now
    elif error.permanent or attempts >= settings.max_attempts:
        status, next_at = "failed", now
    else:
        status, next_at = "pending", now + backoff(settings, attempts)
    reason = None if error is None else str(error)[:1000]
    store.execute_write(
        "UPDATE notification_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?, "
        "delivered_at = ?, last_error = ? WHERE delivery_id = ?",
        [status, attempts, next_at, now, now if error is None else None, reason, item["delivery_id"]],
    )
    store.write({"notification_attempts": [{
        "delivery_id": item["delivery_id"], "attempt": attempts, "attempted_at": now, "ok": error is None,
        "error": reason,
    }]})
    if error is not None:
        log.warning("notification delivery %s (%s) attempt %d failed: %s; now %s",
                    item["delivery_id"], item["kind"], attempts, reason, status)
    return Outcome(item["delivery_id"], item["kind"], status, reason)


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One row of the delivery log: where (``kind``, channel id or masked recipient), what
    (alert, rule, event, severity) and how it went (status, attempts, times, last error; naive UTC)."""

    id: str
    alert_id: str
    rule_id: str
    event: str
    severity: str
    kind: str
    channel_id: str | None
    recipient: str | None
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None


def list_deliveries(
    store: Store, status: str | None = None, alert_id: str | None = None, limit: int = 100,
) -> list[DeliveryRecord]:
    """The newest ``limit`` deliveries, optionally only those with ``status`` or of ``alert_id``.
    Recipients are shown masked (``alerts/destinations.py`` ``masked``); ``next_attempt_at`` only
    while the delivery is still to be attempted."""
    conditions, params = [], []
    for column, value in (("status", status), ("alert_id", alert_id)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = store.query(
        "SELECT delivery_id, alert_id, rule_id, event, severity, kind, channel_id, destination, status, attempts, "
        f"created_at, next_attempt_at, last_attempt_at, delivered_at, last_error FROM notification_deliveries{where} "
        "ORDER BY created_at DESC, delivery_id LIMIT ?", [*params, limit],
    )
    return [
        DeliveryRecord(*row[:7], masked(row[5], row[7]), row[8], row[9], row[10],
                       row[11] if row[8] in ("pending", "held", "sending") else None, *row[12:])
        for row in rows
    ]
