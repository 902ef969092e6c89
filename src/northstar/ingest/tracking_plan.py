"""The tracking plan: ``track`` events that also create domain records (docs/tracking-plan.md).

A platform can send its subscriptions, invitations, collaborations, tickets, surveys, performance
samples and marketing spend as Segment ``track`` events instead of importing files. Each planned
event name maps to one table row built from the event's ``properties`` (property names are the
column names of ``store/schema.py``) with defaults taken from the event itself (its user and its
skew-corrected timestamp). The row is checked by :func:`northstar.ingest.records.validate_row`, so
the same rules hold as for imports. Ids that are not sent are derived deterministically from the
message or the record's natural key, so a retried message creates nothing twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from northstar.domain.errors import InvalidInput
from northstar.domain.money import to_minor_units
from northstar.ingest.records import coerce_value, validate_row
from northstar.store.schema import (
    COLLABORATIONS,
    INVITATIONS,
    MARKETING_SPEND,
    PERFORMANCE_SAMPLES,
    SUBSCRIPTION_HISTORY,
    SUPPORT_TICKETS,
    SURVEY_RESPONSES,
    Table,
)


@dataclass(frozen=True, slots=True)
class TrackContext:
    """What a planned event's row may default to: the message id, the event's user (``userId``,
    else ``anonymousId``), its skew-corrected ``timestamp`` and ``received_at`` (naive UTC), and
    the reporting ``currency`` for amounts sent without one."""

    message_id: str
    user_id: str | None
    timestamp: datetime
    received_at: datetime
    currency: str


Builder = Callable[[Mapping[str, Any], TrackContext], dict[str, Any]]

_N_MONTHS = re.compile(r"^(\d{1,3})\s*months?$")
_INTERVALS = {"month": 1, "monthly": 1, "quarter": 3, "quarterly": 3, "year": 12, "yearly": 12, "annual": 12}


def derive_id(prefix: str, *parts: object) -> str:
    """A stable id ``<prefix>_<24 hex>`` from ``parts`` (SHA-256 of their text joined by U+001F)."""
    digest = hashlib.sha256("\x1f".join("" if part is None else str(part) for part in parts).encode())
    return f"{prefix}_{digest.hexdigest()[:24]}"


def _pick(properties: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {name: properties.get(name) for name in names}


def _first(properties: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = properties.get(name)
        if value is not None:
            return value
    return None


def _currency(properties: Mapping[str, Any], context: TrackContext) -> str:
    value = properties.get("currency")
    if value is None:
        return context.currency
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value):
        raise InvalidInput("currency", f"{value!r} is not a 3-letter ISO 4217 code")
    return value.upper()


def _amount_minor(properties: Mapping[str, Any], currency: str) -> Any:
    """``amount_minor`` as sent, else ``amount`` (major units, e.g. 29.00) converted exactly."""
    if properties.get("amount_minor") is not None:
        return properties["amount_minor"]
    if properties.get("amount") is None:
        raise InvalidInput("amount", "is required (major units such as 29.00, or amount_minor)")
    return to_minor_units(properties["amount"], currency, field="amount")


def _interval_months(properties: Mapping[str, Any]) -> Any:
    if properties.get("interval_months") is not None:
        return properties["interval_months"]
    interval = _first(properties, "interval") or "month"
    text = interval.strip().lower() if isinstance(interval, str) else ""
    if text in _INTERVALS:
        return _INTERVALS[text]
    match = _N_MONTHS.match(text)
    if match:
        return int(match.group(1))
    raise InvalidInput("interval", f"{interval!r} is not month, quarter, year or 'N months'")


def _subscription(properties: Mapping[str, Any], context: TrackContext) -> dict[str, Any]:
    currency = _currency(properties, context)
    subscription_id = coerce_value(SUBSCRIPTION_HISTORY.column("subscription_id"), properties.get("subscription_id"))
    effective_at = coerce_value(SUBSCRIPTION_HISTORY.column("effective_at"),
                                _first(properties, "effective_at") or context.timestamp)
    change_id = _first(properties, "change_id") or (
        subscription_id and derive_id("chg", subscription_id, effective_at.isoformat()))
    return {
        **_pick(properties, "plan", "status", "period_end"),
        "change_id": change_id,
        "subscription_id": subscription_id,
        "customer_id": _first(properties, "customer_id") or context.user_id,
        "amount_minor": _amount_minor(properties, currency),
        "currency": currency,
        "interval_months": _interval_months(properties),
        "effective_at": effective_at,
        "recorded_at": context.received_at,
    }


def _invitation(stage: str) -> Builder:
    def build(properties: Mapping[str, Any], context: TrackContext) -> dict[str, Any]:
        row = {
            **_pick(properties, "invitation_id", "inviter_type", "invitee_type", "channel",
                    "accepted_at", "activated_at"),
            "inviter_id": _first(properties, "inviter_id") or (context.user_id if stage == "sent" else None),
            "invitee_id": _first(properties, "invitee_id") or (context.user_id if stage != "sent" else None),
            "sent_at": _first(properties, "sent_at") or context.timestamp,
        }
        if stage != "sent":
            row[f"{stage}_at"] = _first(properties, f"{stage}_at") or context.timestamp
        return row

    return build


def _collaboration(properties: Mapping[str, Any], context: TrackContext) -> dict[str, Any]:
    vendor_id = _first(properties, "vendor_id") or context.user_id
    return {
        **_pick(properties, "client_id", "partner_id", "partner_type"),
        "collaboration_id": _first(properties, "collaboration_id") or derive_id(
            "col", properties.get("client_id"), vendor_id, properties.get("partner_id")),
        "vendor_id": vendor_id,
        "started_at": _first(properties, "started_at") or context.timestamp,
        "last_activity_at": _first(properties, "last_activity_at") or context.timestamp,
    }


def _ticket(stage: str) -> Builder:
    def build(properties: Mapping[str, Any], context: TrackContext) -> dict[str, Any]:
        row = {
            **_pick(properties, "ticket_id", "priority", "channel"),
            "user_id": _first(properties, "user_id") or (context.user_id if stage == "opened" else None),
            "opened_at": _first(properties, "opened_at") or context.timestamp,
        }
        if stage != "opened":
            row[f"{stage}_at"] = _first(properties, f"{stage}_at") or context.timestamp
        return row

    return build


def _survey(properties: Mapping[str, Any], context: TrackContext) -> dict[str, Any]:
    return {
        **_pick(properties, "survey", "score", "ticket_id", "comment"),
        "response_id": _first(properties, "response_id") or derive_id("rsp", context.message_id),
        "user_id": _first(properties, "user_id") or context.user_id,
        "responded_at": _first(properties, "responded_at") or context.timestamp,
    }


def _performance(kind: str, *name_keys: str) -> Builder:
    def build(properties: Mapping[str, Any], context: TrackContext) -> dict[str, Any]:
        ok = properties.get("ok")
        return {
            "sample_id": _first(properties, "sample_id") or derive_id("prf", context.message_id),
            "kind": kind,
            "recorded_at": _first(properties, "recorded_at") or context.timestamp,
            "name": _first(properties, "name", *name_keys),
            "duration_ms": properties.get("duration_ms"),
            "ok": True if ok is None else ok,
        }

    return build


def _spend(properties: Mapping[str, Any], context: TrackContext) -> dict[str, Any]:
    currency = _currency(properties, context)
    spent_on = _first(properties, "spent_on") or context.timestamp.date()
    return {
        **_pick(properties, "channel", "campaign"),
        "spend_id": _first(properties, "spend_id") or derive_id(
            "spd", spent_on, properties.get("channel"), properties.get("campaign")),
        "spent_on": spent_on,
        "amount_minor": _amount_minor(properties, currency),
        "currency": currency,
    }


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One entry of the plan: the event name, the table it feeds and how its row is built."""

    event: str
    table: Table
    build: Builder
    doc: str


PLAN: dict[str, PlannedEvent] = {
    entry.event: entry
    for entry in (
        PlannedEvent("Invitation Sent", INVITATIONS, _invitation("sent"),
                     "invitation_id; inviter_id (default userId), inviter_type, invitee_id, invitee_type, "
                     "channel; sent_at (default the event time)."),
        PlannedEvent("Invitation Accepted", INVITATIONS, _invitation("accepted"),
                     "invitation_id, inviter_id; invitee_id (default userId); accepted_at (default the event "
                     "time); sent_at (default the event time, the first stored value wins)."),
        PlannedEvent("Invitation Activated", INVITATIONS, _invitation("activated"),
                     "invitation_id, inviter_id; invitee_id (default userId); activated_at (default the "
                     "event time); sent_at as for Invitation Accepted."),
        PlannedEvent("Subscription Changed", SUBSCRIPTION_HISTORY, _subscription,
                     "subscription_id, plan, status; customer_id (default userId); amount (major units) or "
                     "amount_minor; currency (default the reporting currency); interval (month, quarter, "
                     "year, 'N months'; default month) or interval_months; effective_at (default the event "
                     "time); period_end; change_id (default derived from subscription_id and effective_at)."),
        PlannedEvent("Collaboration Started", COLLABORATIONS, _collaboration,
                     "client_id, partner_id; vendor_id (default userId); partner_type; collaboration_id "
                     "(default derived from client_id, vendor_id, partner_id); started_at (default the "
                     "event time)."),
        PlannedEvent("Collaboration Activity", COLLABORATIONS, _collaboration,
                     "as Collaboration Started; last_activity_at (default the event time)."),
        PlannedEvent("Ticket Opened", SUPPORT_TICKETS, _ticket("opened"),
                     "ticket_id; user_id (default userId); priority, channel; opened_at (default the event "
                     "time)."),
        PlannedEvent("Ticket First Response", SUPPORT_TICKETS, _ticket("first_response"),
                     "ticket_id; first_response_at (default the event time)."),
        PlannedEvent("Ticket Resolved", SUPPORT_TICKETS, _ticket("resolved"),
                     "ticket_id; resolved_at (default the event time)."),
        PlannedEvent("Survey Answered", SURVEY_RESPONSES, _survey,
                     "survey (nps or csat), score (0-10 for NPS, 1-5 for CSAT); user_id (default userId); "
                     "ticket_id, comment; response_id (default derived from messageId)."),
        PlannedEvent("Page Load Measured", PERFORMANCE_SAMPLES, _performance("page_load", "page", "url"),
                     "duration_ms; name (or page, url); ok (default true)."),
        PlannedEvent("API Request Measured", PERFORMANCE_SAMPLES, _performance("api_request", "endpoint"),
                     "duration_ms; name (or endpoint); ok (default true)."),
        PlannedEvent("Uptime Check", PERFORMANCE_SAMPLES, _performance("uptime_check", "check"),
                     "ok (default true); name (or check); duration_ms."),
        PlannedEvent("Marketing Spend Recorded", MARKETING_SPEND, _spend,
                     "amount (major units) or amount_minor; currency (default the reporting currency); "
                     "channel, campaign; spent_on (default the event's day); spend_id (default derived "
                     "from spent_on, channel and campaign)."),
    )
}


def planned_record(
    event: str, properties: Mapping[str, Any], context: TrackContext, index: int | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The ``(table name, row)`` a planned ``track`` event creates, or ``None`` for other events.

    Raises :class:`InvalidInput` with ``field`` ``properties.<name>`` when a property is missing or
    invalid (same rules as imports, plus a CSAT score of 1-5).
    """
    entry = PLAN.get(event)
    if entry is None:
        return None
    try:
        row = validate_row(entry.table, entry.build(properties, context), index)
    except InvalidInput as exc:
        raise InvalidInput(f"properties.{exc.field}", exc.reason, index) from None
    if entry.table is SURVEY_RESPONSES and row["survey"] == "csat" and not 1 <= row["score"] <= 5:
        raise InvalidInput("properties.score", f"{row['score']} is not a CSAT score (1-5)", index)
    return entry.table.name, row
