"""Notification channels as stored entities (``notification_channels``, migration 0004).

A channel has an id, a unique name, a ``type`` (``alerts/destinations.py``), a target, an
``enabled`` flag and, for webhooks, the secret that signs them (generated at creation, shown once;
``rotate_secret`` makes a new one). Rules name channels by id, by name or by kind.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from northstar.alerts.destinations import check_target
from northstar.config import NotificationSettings
from northstar.domain.errors import InvalidInput
from northstar.store import Store
from northstar.store.schema import CHANNEL_TYPES

_COLUMNS = "channel_id, name, type, target, secret, enabled, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class Channel:
    """One stored channel. ``target`` is ``None`` for ``in_app``; ``secret`` only for ``webhook``."""

    id: str
    name: str
    type: str
    target: str | None
    secret: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime


def _channel(row: tuple) -> Channel:
    return Channel(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])


def new_secret() -> str:
    """A fresh webhook secret: ``whsec_`` and 32 random bytes, URL-safe base64."""
    return "whsec_" + secrets.token_urlsafe(32)


def list_channels(store: Store) -> list[Channel]:
    """Every channel, by name."""
    return [_channel(row) for row in store.query(f"SELECT {_COLUMNS} FROM notification_channels ORDER BY name")]


def get_channel(store: Store, channel_id: str) -> Channel | None:
    """The channel with id ``channel_id``, or ``None``."""
    rows = store.query(f"SELECT {_COLUMNS} FROM notification_channels WHERE channel_id = ?", [channel_id])
    return _channel(rows[0]) if rows else None


def _check_name(store: Store, name: str, channel_id: str | None = None) -> str:
    value = name.strip()
    if not value or len(value) > 100:
        raise InvalidInput("name", "a name of 1 to 100 characters is required")
    if value in CHANNEL_TYPES:
        raise InvalidInput("name", f"{value!r} is a channel kind; rules use it for every channel of that kind")
    taken = store.query("SELECT channel_id FROM notification_channels WHERE name = ?", [value])
    if taken and taken[0][0] != channel_id:
        raise InvalidInput("name", f"a channel named {value!r} exists")
    return value


def create_channel(
    store: Store, settings: NotificationSettings, *, name: str, type: str, target: str | None,
    enabled: bool, now: datetime, secret: str | None = None,
) -> Channel:
    """Store a new channel and return it (a webhook's ``secret`` generated unless given).

    Raises ``InvalidInput`` naming ``type`` (unknown kind), ``name`` (empty, a kind's name, or
    taken) or ``target`` (see :func:`northstar.alerts.destinations.check_target`).
    """
    if type not in CHANNEL_TYPES:
        raise InvalidInput("type", f"unknown channel type {type!r}; one of {', '.join(CHANNEL_TYPES)}")
    channel = Channel(
        id=uuid.uuid4().hex, name=_check_name(store, name), type=type,
        target=check_target(settings, type, target), secret=(secret or new_secret()) if type == "webhook" else None,
        enabled=enabled, created_at=now, updated_at=now,
    )
    store.write({"notification_channels": [{
        "channel_id": channel.id, "name": channel.name, "type": channel.type, "target": channel.target,
        "secret": channel.secret, "enabled": channel.enabled, "created_at": now, "updated_at": now,
    }]})
    return channel


def update_channel(
    store: Store, settings: NotificationSettings, channel: Channel, *, now: datetime, name: str | None = None,
    target: str | None = None, enabled: bool | None = None, rotate_secret: bool = False,
) -> Channel:
    """Change ``channel``'s name, target or enabled flag, or give a webhook a new secret; returns
    the stored result. The type cannot change. Raises ``InvalidInput`` as :func:`create_channel`."""
    changed = Channel(
        id=channel.id,
        name=_check_name(store, name, channel.id) if name is not None else channel.name,
        type=channel.type,
        target=check_target(settings, channel.type, target) if target is not None else channel.target,
        secret=new_secret() if rotate_secret and channel.type == "webhook" else channel.secret,
        enabled=channel.enabled if enabled is None else enabled,
        created_at=channel.created_at, updated_at=now,
    )
    store.execute_write(
        "UPDATE notification_channels SET name = ?, target = ?, secret = ?, enabled = ?, updated_at = ? "
        "WHERE channel_id = ?",
        [changed.name, changed.target, changed.secret, changed.enabled, now, channel.id],
    )
    return changed


def delete_channel(store: Store, channel_id: str) -> bool:
    """Delete the channel; whether it existed. Its pending deliveries fail at their next attempt."""
    return store.execute_write("DELETE FROM notification_channels WHERE channel_id = ?", [channel_id]) > 0
