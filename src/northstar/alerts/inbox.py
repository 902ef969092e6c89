"""In-app notifications: what the dashboard's bell lists (``in_app_notifications``), read or unread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from northstar.store import Store

_COLUMNS = "notification_id, alert_id, rule_id, event, severity, title, body, link, created_at, read_at"


@dataclass(frozen=True, slots=True)
class InAppNotification:
    """One notification under the bell; ``read_at`` is ``None`` while unread (naive UTC)."""

    id: str
    alert_id: str
    rule_id: str
    event: str
    severity: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


def list_in_app(store: Store, unread_only: bool = False, limit: int = 50) -> list[InAppNotification]:
    """The newest ``limit`` in-app notifications (only unread ones with ``unread_only``)."""
    where = " WHERE read_at IS NULL" if unread_only else ""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM in_app_notifications{where} ORDER BY created_at DESC, notification_id LIMIT ?",
        [limit],
    )
    return [InAppNotification(*row) for row in rows]


def unread_count(store: Store) -> int:
    """How many in-app notifications are unread."""
    return int(store.query("SELECT count(*) FROM in_app_notifications WHERE read_at IS NULL")[0][0])


def mark_read(store: Store, notification_id: str, now: datetime) -> InAppNotification | None:
    """Mark the notification read at ``now`` (kept when already read); ``None`` when it does not exist."""
    store.execute_write(
        "UPDATE in_app_notifications SET read_at = ? WHERE notification_id = ? AND read_at IS NULL",
        [now, notification_id],
    )
    rows = store.query(f"SELECT {_COLUMNS} FROM in_app_notifications WHERE notification_id = ?", [notification_id])
    return InAppNotification(*rows[0]) if rows else None
