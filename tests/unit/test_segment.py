"""Segment messages → rows: parsing, clock-skew correction, typed columns and the tracking plan."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from northstar.domain.errors import InvalidInput
from northstar.ingest.normalize import Receipt, device_type, message_id_for, normalize
from northstar.ingest.segment import Identify, Track, parse_message
from northstar.ingest.tracking_plan import PLAN, TrackContext, derive_id, planned_record

RECEIVED = datetime(2026, 3, 1, 12, 0, 30)
RECEIPT = Receipt(received_at=RECEIVED, source="api:test", currency="GBP")
CONTEXT = TrackContext(message_id="m-1", user_id="s1", timestamp=datetime(2026, 3, 1, 10, 0),
                       received_at=RECEIVED, currency="GBP")


def _rows(raw: dict, receipt: Receipt = RECEIPT) -> dict:
    return normalize(parse_message(raw), raw, receipt)


def test_the_route_decides_the_type_and_numbers_become_ids() -> None:
    message = parse_message({"type": "page", "userId": 42, "event": "Form Created"}, kind="track")
    assert isinstance(message, Track) and message.user_id == "42"
    assert isinstance(parse_message({"type": "identify", "anonymousId": "a"}), Identify)


def test_skew_correction_uses_received_minus_sent() -> None:
    # The client's clock is 2 hours behind: it says it sent at 10:00:30 when the server got it at 12:00:30.
    [row] = _rows({"type": "track", "messageId": "m", "userId": "u", "event": "x",
                   "timestamp": "2026-03-01T10:00:00Z", "sentAt": "2026-03-01T10:00:30Z"})["events"]
    assert (row["timestamp"], row["original_timestamp"], row["sent_at"], row["received_at"]) == (
        datetime(2026, 3, 1, 12, 0), datetime(2026, 3, 1, 10, 0), datetime(2026, 3, 1, 10, 0, 30), RECEIVED)


def test_batch_sent_at_wins_and_missing_timestamp_is_received_at() -> None:
    receipt = Receipt(received_at=RECEIVED, source="api:test", currency="GBP", sent_at=datetime(2026, 3, 1, 12, 0))
    [row] = _rows({"type": "track", "userId": "u", "event": "x", "timestamp": "2026-03-01T11:00:00+01:00",
                   "sentAt": "2026-01-01T00:00:00Z"}, receipt)["events"]
    assert row["timestamp"] == datetime(2026, 3, 1, 10, 0, 30)
    [row] = _rows({"type": "track", "userId": "u", "event": "x"}, receipt)["events"]
    assert (row["timestamp"], row["original_timestamp"]) == (RECEIVED, None)


def test_derived_message_ids_ignore_what_changes_between_retries() -> None:
    message = {"type": "track", "userId": "u", "event": "x", "timestamp": "2026-03-01T10:00:00Z"}
    first = message_id_for({**message, "sentAt": "2026-03-01T10:00:01Z", "writeKey": "k"})
    assert first == message_id_for({"event": "x", **message, "sentAt": "2026-03-01T10:05:00Z"})
    assert first != message_id_for({**message, "event": "y"})
    assert first.startswith("ns_") and len(first) == 35


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"device": {"type": "ios"}}, "mobile"),
        ({"device": {"type": "Tablet"}}, "tablet"),
        ({"device": {"type": "smartwatch"}}, "other"),
        ({"userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}, "mobile"),
        ({"userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"}, "mobile"),
        ({"userAgent": "Mozilla/5.0 (Linux; Android 13; SM-X200) Safari/537.36"}, "tablet"),
        ({"userAgent": "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"}, "tablet"),
        ({"userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"}, "desktop"),
        ({"userAgent": "curl/8.5.0"}, "other"),
        ({"library": {"name": "analytics-python"}}, None),
        (None, None),
    ],
)
def test_device_type(context, expected) -> None:
    assert device_type(context) == expected


def test_revenue_in_minor_units_of_its_currency() -> None:
    [row] = _rows({"type": "track", "userId": "u", "event": "Order Completed",
                   "properties": {"revenue": "19.99", "currency": "jpy"}})["events"]
    assert (row["revenue_minor"], row["currency"]) == (20, "JPY")
    [row] = _rows({"type": "track", "userId": "u", "event": "x", "properties": {"revenue": 19.99}})["events"]
    assert (row["revenue_minor"], row["currency"]) == (1999, "GBP")


def test_session_id_from_properties_then_context() -> None:
    [row] = _rows({"type": "track", "userId": "u", "event": "x", "context": {"session_id": 77}})["events"]
    assert row["session_id"] == "77"
    with pytest.raises(InvalidInput) as caught:
        _rows({"type": "track", "userId": "u", "event": "x", "properties": {"session_id": {"id": 1}}})
    assert caught.value.field == "properties.session_id"


def test_identify_without_user_id_stores_only_the_event() -> None:
    rows = _rows({"type": "identify", "anonymousId": "a1", "traits": {"plan": "pro"}})
    assert list(rows) == ["events"]


@pytest.mark.parametrize(
    ("interval", "months"), [("month", 1), ("quarterly", 3), ("year", 12), ("6 months", 6), (None, 1)]
)
def test_subscription_intervals(interval, months) -> None:
    properties = {"subscription_id": "sub-1", "plan": "pro", "status": "trialing", "amount_minor": 0,
                  "interval": interval}
    table, row = planned_record("Subscription Changed", properties, CONTEXT)
    assert table == "subscription_history" and row["interval_months"] == months


def test_subscription_row_defaults_and_deterministic_change_id() -> None:
    properties = {"subscription_id": "sub-1", "plan": "pro", "status": "canceled", "amount": 29.00,
                  "currency": "usd", "period_end": "2026-03-31T00:00:00Z"}
    _, row = planned_record("Subscription Changed", properties, CONTEXT)
    assert row == {
        "change_id": derive_id("chg", "sub-1", "2026-03-01T10:00:00"), "subscription_id": "sub-1",
        "customer_id": "s1", "plan": "pro", "status": "canceled", "amount_minor": 2900, "currency": "USD",
        "interval_months": 1, "effective_at": datetime(2026, 3, 1, 10, 0), "period_end": datetime(2026, 3, 31),
        "recorded_at": RECEIVED,
    }
    assert planned_record("Subscription Changed", properties, CONTEXT) == ("subscription_history", row)


def test_spend_and_collaboration_ids_come_from_their_natural_keys() -> None:
    _, spend = planned_record("Marketing Spend Recorded", {"amount_minor": 5000, "channel": "social"}, CONTEXT)
    assert spend["spend_id"] == derive_id("spd", date(2026, 3, 1), "social", None)
    assert spend["spent_on"] == date(2026, 3, 1)
    _, started = planned_record("Collaboration Started", {"client_id": "w1", "partner_id": "s2"}, CONTEXT)
    _, activity = planned_record("Collaboration Activity", {"client_id": "w1", "partner_id": "s2"},
                                 TrackContext("m-2", "s1", datetime(2026, 3, 4), RECEIVED, "GBP"))
    assert started["collaboration_id"] == activity["collaboration_id"] == derive_id("col", "w1", "s1", "s2")


def test_unplanned_events_make_no_record_and_every_planned_event_names_a_table() -> None:
    assert planned_record("Form Created", {}, CONTEXT) is None
    assert {entry.table.name for entry in PLAN.values()} == {
        "invitations", "subscription_history", "collaborations", "support_tickets", "survey_responses",
        "performance_samples", "marketing_spend"}


@pytest.mark.parametrize(
    ("event", "properties", "field"),
    [
        ("Invitation Sent", {}, "properties.invitation_id"),
        ("Invitation Accepted", {"invitation_id": "i"}, "properties.inviter_id"),
        ("Subscription Changed", {"subscription_id": "s", "plan": "p", "status": "active", "amount": 1,
                                  "interval": "fortnight"}, "properties.interval"),
        ("Subscription Changed", {"subscription_id": "s", "plan": "p", "status": "active", "amount": 1,
                                  "currency": 12}, "properties.currency"),
        ("Subscription Changed", {"subscription_id": "s", "plan": "p", "status": "active", "amount": "abc"},
         "properties.amount"),
        ("Survey Answered", {"survey": "ces", "score": 3}, "properties.survey"),
        ("Page Load Measured", {"duration_ms": -5}, "properties.duration_ms"),
        ("Ticket Opened", {"ticket_id": "t", "opened_at": "monday"}, "properties.opened_at"),
    ],
)
def test_planned_properties_are_validated(event, properties, field) -> None:
    with pytest.raises(InvalidInput) as caught:
        planned_record(event, properties, CONTEXT, index=2)
    assert (caught.value.field, caught.value.index) == (field, 2)


def test_every_planned_event_is_documented() -> None:
    reference = (Path(__file__).resolve().parents[2] / "docs" / "tracking-plan.md").read_text()
    missing = [event for event in PLAN if f"| `{event}` |" not in reference]
    assert not missing, f"undocumented tracking-plan events in docs/tracking-plan.md: {missing}"
