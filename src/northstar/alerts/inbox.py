"""In-app notifications: what the dashboard's bell lists (``in_app_notifications``), read or unread."""

from __future__ import annotations

from collections.abc import Collection
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


def _visible(hidden_metrics: Collection[str]) -> tuple[str, list[object]]:
    """A condition leaving out notifications of rules on ``hidden_metrics``, and its parameters."""
    if not hidden_metrics:
        return "TRUE", []
    names = sorted(hidden_metrics)
    marks = ", ".join("?" for _ in names)
    return f"rule_id NOT IN (SELECT rule_id FROM alert_rules WHERE metric_name IN ({marks}))", list(names)


def list_in_app(store: Store, unread_only: bool = False, limit: int = 50,
                hidden_metrics: Collection[str] = ()) -> list[InAppNotification]:
    """The newest ``limit`` in-app notifications (only unread ones with ``unread_only``), without
    those of rules on ``hidden_metrics`` (metrics the reader's role may not see)."""
    visible, params = _visible(hidden_metrics)
    unread = " AND read_at IS NULL" if unread_only else ""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM in_app_notifications WHERE {visible}{unread} "
        "ORDER BY created_at DESC, notification_id LIMIT ?",
        [*params, limit],
    )
    return [InAppNotification(*row) for row in rows]


def unread_count(store: Store, hidden_metrics: Collection[str] = ()) -> int:
    """How many in-app notifications are unread, leaving out those of rules on ``hidden_metrics``."""
    visible, params = _visible(hidden_metrics)
    return int(store.query(f"SELECT count(*) FROM in_app_notifications WHERE {visible} AND read_at IS NULL",
                           params)[0][0])


def mark_read(store: Store, notification_id: str, now: datetime) -> InAppNotification | None:
    """Mark the notification read at ``now`` (kept when already read); ``None`` when it does not exist."""
    store.execute_write(
        "UPDATE in_app_notifications SET read_at = ? WHERE notification_id = ? AND read_at IS NULL",
        [now, notification_id],
    )
    rows = store.query(f"SELECT {_COLUMNS} FROM in_app_notifications WHERE notification_id = ?", [notification_id])
    return InAppNotification(*rows[0]) if rows else None
