"""Segment messages → rows of ``events`` and of the tables they feed (users, accounts, aliases and
the tracking plan's records).

Sources: Segment "Spec: Common fields" and "Timestamps" (``timestamp`` corrected for client clock
skew as ``timestamp + (receivedAt − sentAt)``, left uncorrected when that falls outside the years
1–9999; a message without ``timestamp`` happened when it was
received), "Spec: Identify" (reserved traits), "Spec: Group" and "Spec: Alias"; METRICS.md for the
typed columns metrics read (``session_id``, ``device_type``, ``revenue_minor``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from northstar.domain.errors import InvalidInput
from northstar.domain.money import to_minor_units
from northstar.domain.time import to_naive_utc
from northstar.ingest.records import coerce_value
from northstar.ingest.segment import Alias, AnalyticsEvent, Group, Identify, Message, Page, Screen, Track
from northstar.ingest.tracking_plan import TrackContext, planned_record
from northstar.store.schema import USERS

Rows = dict[str, list[dict[str, Any]]]

# Segment's context.device.type values (and common synonyms) → the events table's device_type.
_DEVICE_TYPES = {
    "mobile": "mobile", "phone": "mobile", "smartphone": "mobile", "ios": "mobile", "android": "mobile",
    "tablet": "tablet", "ipad": "tablet", "desktop": "desktop", "web": "desktop", "computer": "desktop",
    "macos": "desktop", "windows": "desktop", "linux": "desktop",
}
# Traits of `identify` stored in typed columns of `users` (also kept whole in `users.traits`).
_USER_TRAITS = ("user_type", "email", "name", "plan", "acquisition_source", "acquisition_campaign", "country",
                "device", "supplier_kind")
# Keys left out of the content hash of a message without messageId: they change between retries.
_VOLATILE_KEYS = frozenset({"sentAt", "writeKey", "receivedAt"})


@dataclass(frozen=True, slots=True)
class Receipt:
    """How a request arrived: ``received_at`` (naive UTC), the ``source`` label stored on events
    (``api:<key name>``), the reporting ``currency`` (default for revenue and amounts), and for
    ``/v1/batch`` the batch's ``sentAt`` (naive UTC) and ``context`` that apply to every message."""

    received_at: datetime
    source: str
    currency: str
    sent_at: datetime | None = None
    context: Mapping[str, Any] | None = None


def message_id_for(raw: Mapping[str, Any]) -> str:
    """The ``messageId`` of a message that has none: ``ns_`` + 32 hex of the SHA-256 of its
    content (keys sorted, ``sentAt``/``writeKey`` left out), so a retry maps to the same id."""
    content = {key: value for key, value in raw.items() if key not in _VOLATILE_KEYS}
    digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"ns_{digest[:32]}"


def device_type(context: Mapping[str, Any] | None) -> str | None:
    """``mobile``/``tablet``/``desktop``/``other`` from ``context.device.type``, else from
    ``context.userAgent``; ``None`` when the context says nothing about the device.

    The user-agent rule (no parsing library is installed): ``iPad``, ``Tablet`` or ``Android``
    without ``Mobile`` → tablet; ``Mobi``, ``iPhone`` or ``iPod`` → mobile (MDN's advice for
    detecting mobile browsers); a ``Mozilla/`` browser otherwise → desktop; anything else → other.
    """
    if not context:
        return None
    device = context.get("device")
    kind = device.get("type") if isinstance(device, Mapping) else None
    if isinstance(kind, str) and kind.strip():
        return _DEVICE_TYPES.get(kind.strip().lower(), "other")
    agent = context.get("userAgent")
    if not isinstance(agent, str) or not agent.strip():
        return None
    text = agent.lower()
    if "ipad" in text or "tablet" in text or ("android" in text and "mobile" not in text):
        return "tablet"
    if "mobi" in text or "iphone" in text or "ipod" in text:
        return "mobile"
    return "desktop" if text.startswith("mozilla/") else "other"


def normalize(message: Message, raw: Mapping[str, Any], receipt: Receipt, index: int | None = None) -> Rows:
    """The rows one parsed message adds: always its ``events`` row, plus ``users`` (identify with a
    userId), ``accounts`` + ``account_members`` (group), ``user_aliases`` (alias) or the tracking
    plan's record (a planned track event).

    ``raw`` is the message as decoded (for the content-derived messageId). Raises
    :class:`InvalidInput` naming the field: neither ``userId`` nor ``anonymousId``; a bad
    ``properties.revenue``/``currency``/``session_id``; a bad identify trait or planned property.
    """
    user_id = message.user_id or None
    if user_id is None and not message.anonymous_id:
        raise InvalidInput("userId", "userId or anonymousId is required", index)
    received_at = receipt.received_at
    original = utc_instant(message.timestamp)
    sent_at = receipt.sent_at or utc_instant(message.sent_at)
    if original is None:
        timestamp = received_at
    elif sent_at is not None:
        try:
            timestamp = original + (received_at - sent_at)
        except OverflowError:
            timestamp = original
    else:
        timestamp = original
    context = {**receipt.context, **(message.context or {})} if receipt.context else message.context
    properties = getattr(message, "properties", None)
    traits = getattr(message, "traits", None)
    message_id = message.message_id or message_id_for(raw)
    row: dict[str, Any] = {
        "message_id": message_id, "type": message.type, "event": None, "name": None, "category": None,
        "user_id": user_id, "anonymous_id": message.anonymous_id, "group_id": None, "previous_id": None,
        "timestamp": timestamp, "original_timestamp": original, "sent_at": sent_at, "received_at": received_at,
        "session_id": _session_id(properties, context, index), "device_type": device_type(context),
        "revenue_minor": None, "currency": None,
        "context": _json(context, "context", index), "properties": _json(properties, "properties", index),
        "traits": _json(traits, "traits", index), "source": receipt.source,
    }
    rows: Rows = {"events": [row]}
    if properties and properties.get("revenue") is not None:
        currency = _currency(properties.get("currency"), receipt.currency, index)
        row["currency"] = currency
        row["revenue_minor"] = _revenue_minor(properties["revenue"], currency, index)
    if isinstance(message, Track):
        row["event"] = message.event
        category = properties.get("category") if properties else None
        row["category"] = category if isinstance(category, str) else None
        context_for_plan = TrackContext(message_id, user_id or message.anonymous_id, timestamp, received_at,
                                        receipt.currency)
        record = planned_record(message.event, properties or {}, context_for_plan, index)
        if record is not None:
            rows[record[0]] = [record[1]]
    elif isinstance(message, Page | Screen):
        row["name"], row["category"] = message.name, message.category
    elif isinstance(message, Identify):
        if user_id is not None:
            rows["users"] = [_user_row(user_id, traits or {}, timestamp, row["traits"], index)]
    elif isinstance(message, Group):
        row["group_id"] = message.group_id
        rows.update(_group_rows(message, user_id or message.anonymous_id, timestamp, row["traits"]))
    elif isinstance(message, Alias):
        row["previous_id"] = message.previous_id
        rows["user_aliases"] = [{"alias_id": message.previous_id, "user_id": message.user_id,
                                 "created_at": timestamp}]
    return rows


def utc_instant(value: datetime | None) -> datetime | None:
    """``value`` as naive UTC (``None`` stays ``None``), clamped to the years 1–9999 that a
    ``datetime`` can hold (``0001-01-01T00:00:00+01:00`` is ``0001-01-01 00:00``)."""
    if value is None:
        return None
    try:
        return to_naive_utc(value)
    except OverflowError:
        return datetime.min if value.year == 1 else datetime.max


def analytics_event_message(event: AnalyticsEvent) -> Track:
    """The specification's ``AnalyticsEvent`` as the equivalent Segment ``track`` call:
    ``event_name`` → ``event``, ``event_category`` → ``properties.category``, ``session_id`` →
    ``properties.session_id``."""
    properties = {**(event.properties or {}), "category": event.event_category}
    if event.session_id is not None:
        properties["session_id"] = event.session_id
    return Track(event=event.event_name, userId=event.user_id, timestamp=event.timestamp, properties=properties)


def _user_row(user_id: str, traits: Mapping[str, Any], timestamp: datetime, traits_json: str | None,
              index: int | None) -> dict[str, Any]:
    row: dict[str, Any] = {"user_id": user_id, "first_seen_at": timestamp, "updated_at": timestamp,
                           "traits": traits_json}
    for name in _USER_TRAITS:
        row[name] = _trait(name, traits.get(name), index)
    created = traits.get("created_at", traits.get("createdAt"))
    row["created_at"] = _trait("created_at", created, index)
    return row


def _trait(name: str, value: Any, index: int | None) -> Any:
    try:
        return coerce_value(USERS.column(name), value, index)
    except InvalidInput as exc:
        raise InvalidInput(f"traits.{name}", exc.reason, index) from None


def _group_rows(message: Group, member: str | None, timestamp: datetime, traits_json: str | None) -> Rows:
    name = (message.traits or {}).get("name")
    rows: Rows = {"accounts": [{
        "account_id": message.group_id, "name": name if isinstance(name, str) else None, "traits": traits_json,
        "created_at": timestamp, "updated_at": timestamp,
    }]}
    if member is not None:
        rows["account_members"] = [{"account_id": message.group_id, "user_id": member, "joined_at": timestamp}]
    return rows


def _session_id(properties: Mapping[str, Any] | None, context: Mapping[str, Any] | None,
                index: int | None) -> str | None:
    for where, source in (("properties", properties), ("context", context)):
        value = source.get("session_id") if source else None
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidInput(f"{where}.session_id", "must be text or an integer", index)
        return str(value)
    return None


def _currency(value: Any, default: str, index: int | None) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise InvalidInput("properties.currency", f"{value!r} is not a 3-letter ISO 4217 code", index)
    return value.upper()


def _revenue_minor(revenue: Any, currency: str, index: int | None) -> int:
    try:
        return to_minor_units(revenue, currency, "properties.revenue")
    except InvalidInput as exc:
        raise InvalidInput(exc.field, exc.reason, index) from None


def _json(value: Mapping[str, Any] | None, field: str, index: int | None) -> str | None:
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError as exc:
        raise InvalidInput(field, f"cannot be stored as JSON: {exc}", index) from None
