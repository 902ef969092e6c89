"""validate_row: coercion and refusal of record rows against their table declaration."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from northstar.domain.errors import InvalidInput
from northstar.ingest.records import validate_row
from northstar.store.schema import (
    EVENTS,
    MARKETING_SPEND,
    PERFORMANCE_SAMPLES,
    SUBSCRIPTION_HISTORY,
    SURVEY_RESPONSES,
    USERS,
)

SUBSCRIPTION = {
    "change_id": "c1", "subscription_id": "sub_1", "customer_id": "u1", "plan": "pro", "status": "active",
    "amount_minor": "2900", "currency": "GBP", "interval_months": 1, "effective_at": "2026-03-01T09:30:00Z",
}


def test_coerces_text_numbers_and_timestamps() -> None:
    row = validate_row(SUBSCRIPTION_HISTORY, SUBSCRIPTION)
    assert row == {
        "change_id": "c1", "subscription_id": "sub_1", "customer_id": "u1", "plan": "pro", "status": "active",
        "amount_minor": 2900, "currency": "GBP", "interval_months": 1, "effective_at": datetime(2026, 3, 1, 9, 30),
    }


def test_offsets_are_converted_to_naive_utc_and_dates_to_midnight() -> None:
    row = validate_row(USERS, {"user_id": 42, "created_at": "2026-03-01T10:30:00+01:00",
                               "deleted_at": date(2026, 4, 2)})
    assert row == {"user_id": "42", "created_at": datetime(2026, 3, 1, 9, 30), "deleted_at": datetime(2026, 4, 2)}


def test_booleans_doubles_dates_and_json() -> None:
    row = validate_row(PERFORMANCE_SAMPLES, {"sample_id": "s", "kind": "api_request", "recorded_at": "2026-03-01",
                                             "duration_ms": "12.5", "ok": "no"})
    assert row["duration_ms"] == 12.5 and row["ok"] is False
    spend = validate_row(MARKETING_SPEND, {"spend_id": "x", "spent_on": "2026-03-02", "amount_minor": 5.0,
                                           "currency": "GBP"})
    assert spend["spent_on"] == date(2026, 3, 2) and spend["amount_minor"] == 5
    event = validate_row(EVENTS, {"message_id": "m", "type": "track", "timestamp": "2026-03-01T00:00:00",
                                  "properties": '{"a": 1}'})
    assert event["properties"] == {"a": 1}


def test_blank_values_are_absent_and_non_importable_columns_are_not_required() -> None:
    row = validate_row(EVENTS, {"message_id": "m", "type": "page", "timestamp": "2026-03-01", "event": "  "})
    assert row == {"message_id": "m", "type": "page", "timestamp": datetime(2026, 3, 1)}


@pytest.mark.parametrize(
    ("table", "changes", "field", "reason"),
    [
        (SUBSCRIPTION_HISTORY, {"plan": None}, "plan", "is required"),
        (SUBSCRIPTION_HISTORY, {"status": "paused"}, "status",
         "'paused' is not one of trialing, active, past_due, canceled"),
        (SUBSCRIPTION_HISTORY, {"amount_minor": "29.50"}, "amount_minor", "'29.50' is not an integer"),
        (SUBSCRIPTION_HISTORY, {"amount_minor": -1}, "amount_minor", "-1 is below the minimum 0"),
        (SUBSCRIPTION_HISTORY, {"interval_months": 121}, "interval_months", "121 is above the maximum 120"),
        (SUBSCRIPTION_HISTORY, {"effective_at": "yesterday"}, "effective_at",
         "'yesterday' is not an ISO-8601 timestamp"),
        (SUBSCRIPTION_HISTORY, {"plan": {"name": "pro"}}, "plan", "{'name': 'pro'} is not text"),
        (SUBSCRIPTION_HISTORY, {"colour": "red"}, "colour", "is not a column of subscription_history"),
        (SUBSCRIPTION_HISTORY, {"interval_months": True}, "interval_months", "True is not an integer"),
    ],
)
def test_refusals_name_the_field_and_reason(table, changes, field, reason) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_row(table, {**SUBSCRIPTION, **changes}, index=3)
    assert (caught.value.field, caught.value.reason, caught.value.index) == (field, reason, 3)


def test_bounds_apply_to_integers_of_other_tables() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_row(SURVEY_RESPONSES, {"response_id": "r", "survey": "nps", "score": 11,
                                        "responded_at": "2026-03-01"})
    assert caught.value.as_dict() == {"field": "score", "reason": "11 is above the maximum 10"}
