"""Views open on the latest day with data: today, or the newest event's day when data ends earlier."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from northstar.app import Northstar


def test_without_a_date_the_overview_opens_on_the_newest_events_day(northstar: Northstar, live_server) -> None:
    at = datetime(1998, 6, 30, 15, 0)
    northstar.write({
        "users": [{"user_id": "a", "user_type": "couple", "first_seen_at": datetime(1998, 6, 1)}],
        "events": [{"message_id": "m", "type": "track", "event": "Order Completed", "user_id": "a",
                    "timestamp": at, "received_at": at, "revenue_minor": 1500, "currency": "GBP"}],
    }, source="test")
    body = httpx.get(f"{live_server.url}/api/v1/metrics/overview", params={"timeframe": "7d"}).json()
    assert body["date"] == "1998-06-30"
    assert body["dau_rate"] == 1                       # a, active on 1998-06-30, of 1 registered user
    assert body["revenue"]["minor"] == 1500
    total_users = httpx.get(f"{live_server.url}/api/v1/metrics/total_users").json()
    assert total_users["value"] == 1


def test_an_empty_store_opens_on_today(live_server) -> None:
    body = httpx.get(f"{live_server.url}/api/v1/metrics/overview").json()
    assert body["date"] == datetime.now(UTC).date().isoformat()
