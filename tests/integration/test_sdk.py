"""The official Segment client (segment-analytics-python) against a live Northstar server."""

from __future__ import annotations

from datetime import datetime

import pytest
from segment.analytics.client import Client
from segment.analytics.request import post

from northstar.app import Northstar
from northstar.ingest.keys import create_key

pytestmark = pytest.mark.filterwarnings("ignore:<psycopg.Connection object at:ResourceWarning")


def test_identify_track_and_page_arrive_exactly_once(live_server, northstar: Northstar) -> None:
    key = create_key(northstar.store, "write", "sdk")
    errors: list[Exception] = []
    client = Client(key, host=live_server.url, upload_interval=0.05, max_retries=1,
                    on_error=lambda error, _batch: errors.append(error))
    _, identify = client.identify("c1", {"user_type": "couple", "email": "cat@example.com"},
                                  timestamp=datetime(2026, 3, 1, 9, 0))
    _, track = client.track("c1", "Form Created", {"form_id": "f1"}, timestamp=datetime(2026, 3, 1, 9, 5))
    _, page = client.page("c1", "Planning", "Checklist", {"path": "/checklist"},
                          timestamp=datetime(2026, 3, 1, 9, 6))
    client.flush()
    client.shutdown()
    assert errors == []
    rows = northstar.store.query("SELECT message_id, type, event, name, category, user_id, original_timestamp "
                                 "FROM events ORDER BY original_timestamp")
    assert rows == [
        (identify["messageId"], "identify", None, None, None, "c1", datetime(2026, 3, 1, 9, 0)),
        (track["messageId"], "track", "Form Created", None, None, "c1", datetime(2026, 3, 1, 9, 5)),
        (page["messageId"], "page", None, "Checklist", "Planning", "c1", datetime(2026, 3, 1, 9, 6)),
    ]
    assert northstar.store.query("SELECT user_id, user_type, email FROM users") == [
        ("c1", "couple", "cat@example.com")]
    assert northstar.store.query("SELECT DISTINCT source FROM events") == [("api:sdk",)]


def test_a_retried_sdk_batch_stores_nothing_twice(live_server, northstar: Northstar) -> None:
    key = create_key(northstar.store, "write", "sdk")
    batch = [
        {"type": "track", "messageId": "sdk-1", "userId": "s1", "event": "Invitation Sent",
         "timestamp": "2026-03-01T09:00:00+00:00", "properties": {"invitation_id": "inv-1"}},
        {"type": "identify", "messageId": "sdk-2", "userId": "s1", "traits": {"user_type": "supplier"},
         "timestamp": "2026-03-01T09:00:00+00:00"},
    ]
    first = post(key, host=live_server.url, batch=batch)
    again = post(key, host=live_server.url, retry_count=1, gzip=True, batch=batch)
    assert first.status_code == again.status_code == 200
    assert northstar.store.query("SELECT count(*) FROM events") == [(2,)]
    assert northstar.store.query("SELECT invitation_id, inviter_id FROM invitations") == [("inv-1", "s1")]
    assert northstar.store.query("SELECT count(*) FROM users") == [(1,)]
