"""The Segment HTTP tracking API and /api/v1/metrics/track against a real uvicorn server, on DuckDB
and PostgreSQL: what each call stores, the answers, and the guarantees (docs/http-ingestion.md)."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from northstar.app import Northstar
from northstar.ingest.keys import create_key, list_keys, revoke_key
from northstar.store.schema import TABLES

T0 = "2026-03-01T10:00:00Z"

# PostgresStore.close() closes only the calling thread's reader connection; the one the uvicorn
# thread opened to check write keys is left to the garbage collector (reported to the store's owner).
pytestmark = pytest.mark.filterwarnings("ignore:<psycopg.Connection object at:ResourceWarning")


@pytest.fixture
def write_key(northstar: Northstar) -> str:
    return create_key(northstar.store, "write", "web")


@pytest.fixture
def api(live_server, write_key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, auth=(write_key, ""), timeout=30) as client:
        yield client


def _rows(northstar: Northstar, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(json.loads(v) if isinstance(v, str) and v[:1] in "{[" else v for v in row)
            for row in northstar.store.query(sql)]


def _count(northstar: Northstar, table: str) -> int:
    return int(northstar.store.query(f"SELECT count(*) FROM {table}")[0][0])


def test_track_stores_typed_columns_and_corrects_clock_skew(api: httpx.Client, northstar: Northstar) -> None:
    answer = api.post("/v1/track", json={
        "messageId": "m-1", "userId": "u1", "event": "Template Purchased", "timestamp": T0,
        "sentAt": "2026-03-01T10:05:00Z",
        "properties": {"revenue": 12.5, "currency": "usd", "session_id": "s-9", "category": "marketplace"},
        "context": {"userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"},
    })
    assert answer.status_code == 200 and answer.json() == {"success": True}
    [row] = _rows(northstar, "SELECT type, event, category, user_id, original_timestamp, sent_at, session_id, "
                             "device_type, revenue_minor, currency, properties, source FROM events")
    assert row == ("track", "Template Purchased", "marketplace", "u1", datetime(2026, 3, 1, 10, 0),
                   datetime(2026, 3, 1, 10, 5), "s-9", "mobile", 1250, "USD",
                   {"revenue": 12.5, "currency": "usd", "session_id": "s-9", "category": "marketplace"}, "api:web")
    # The client's clock was 5 minutes ahead of... whatever it was: timestamp + (receivedAt - sentAt).
    [(timestamp, received_at)] = northstar.store.query("SELECT timestamp, received_at FROM events")
    assert timestamp == datetime(2026, 3, 1, 10, 0) + (received_at - datetime(2026, 3, 1, 10, 5))


def test_batch_sent_at_applies_to_every_message(api: httpx.Client, northstar: Northstar) -> None:
    batch = {"sentAt": "2026-03-01T12:00:00Z", "context": {"device": {"type": "ios"}}, "batch": [
        {"type": "track", "messageId": "b-1", "userId": "u1", "event": "Form Created", "timestamp": T0},
        {"type": "page", "messageId": "b-2", "anonymousId": "a1", "name": "Home", "category": "Docs",
         "timestamp": "2026-03-01T11:30:00Z", "context": {"userAgent": "Mozilla/5.0 (iPad; CPU OS 17_0)"}},
        {"type": "screen", "messageId": "b-3", "userId": "u1", "name": "Settings"},
    ]}
    assert api.post("/v1/batch", json=batch).json() == {"success": True}
    rows = northstar.store.query("SELECT message_id, type, name, category, timestamp, original_timestamp, sent_at, "
                                 "received_at, device_type FROM events ORDER BY message_id")
    [(received_at,)] = northstar.store.query("SELECT DISTINCT received_at FROM events")
    skew = received_at - datetime(2026, 3, 1, 12, 0)
    assert rows == [
        ("b-1", "track", None, None, datetime(2026, 3, 1, 10, 0) + skew, datetime(2026, 3, 1, 10, 0),
         datetime(2026, 3, 1, 12, 0), received_at, "mobile"),
        ("b-2", "page", "Home", "Docs", datetime(2026, 3, 1, 11, 30) + skew, datetime(2026, 3, 1, 11, 30),
         datetime(2026, 3, 1, 12, 0), received_at, "mobile"),
        # No timestamp: it happened when it was received.
        ("b-3", "screen", "Settings", None, received_at, None, datetime(2026, 3, 1, 12, 0), received_at, "mobile"),
    ]


def test_identify_creates_then_updates_the_user(api: httpx.Client, northstar: Northstar) -> None:
    traits = {"user_type": "supplier", "created_at": "2026-02-01T08:00:00+01:00", "email": "ann@example.com",
              "name": "Ann", "plan": "pro", "acquisition_source": "referral", "acquisition_campaign": "spring",
              "country": "GB", "device": "desktop", "supplier_kind": "photographer", "favourite": "tulips"}
    assert api.post("/v1/identify", json={"userId": "s1", "traits": traits, "timestamp": T0}).status_code == 200
    assert api.post("/v1/identify", json={"userId": "s1", "traits": {"plan": "studio"},
                                          "timestamp": "2026-03-05T10:00:00Z"}).status_code == 200
    [row] = _rows(northstar, "SELECT user_id, user_type, created_at, first_seen_at, email, name, plan, "
                             "acquisition_source, acquisition_campaign, country, device, supplier_kind, traits, "
                             "updated_at FROM users")
    assert row == ("s1", "supplier", datetime(2026, 2, 1, 7, 0), datetime(2026, 3, 1, 10, 0), "ann@example.com",
                   "Ann", "studio", "referral", "spring", "GB", "desktop", "photographer",
                   {**traits, "plan": "studio"}, datetime(2026, 3, 5, 10, 0))
    assert _count(northstar, "events") == 2


def test_group_links_the_user_to_an_account(api: httpx.Client, northstar: Northstar) -> None:
    body = {"userId": "s1", "groupId": "acct-1", "traits": {"name": "Bloom & Co", "seats": 3}, "timestamp": T0}
    assert api.post("/v1/group", json=body).status_code == 200
    assert _rows(northstar, "SELECT account_id, name, traits, created_at FROM accounts") == [
        ("acct-1", "Bloom & Co", {"name": "Bloom & Co", "seats": 3}, datetime(2026, 3, 1, 10, 0))]
    assert northstar.store.query("SELECT account_id, user_id, joined_at FROM account_members") == [
        ("acct-1", "s1", datetime(2026, 3, 1, 10, 0))]
    assert northstar.store.query("SELECT type, group_id FROM events") == [("group", "acct-1")]


def test_alias_merges_identities(api: httpx.Client, northstar: Northstar) -> None:
    assert api.post("/v1/alias", json={"previousId": "anon-7", "userId": "c1", "timestamp": T0}).status_code == 200
    assert northstar.store.query("SELECT alias_id, user_id, created_at FROM user_aliases") == [
        ("anon-7", "c1", datetime(2026, 3, 1, 10, 0))]
    assert northstar.store.query("SELECT type, previous_id, user_id FROM events") == [("alias", "anon-7", "c1")]


def test_analytics_event_of_the_specification(api: httpx.Client, northstar: Northstar) -> None:
    body = {"user_id": "s1", "event_name": "Form Created", "event_category": "forms",
            "properties": {"form_id": "f1"}, "timestamp": T0}
    assert api.post("/api/v1/metrics/track", json=body).json() == {"success": True}
    assert _rows(northstar, "SELECT type, event, category, user_id, timestamp, properties FROM events") == [
        ("track", "Form Created", "forms", "s1", datetime(2026, 3, 1, 10, 0), {"form_id": "f1", "category": "forms"})]
    missing = api.post("/api/v1/metrics/track", json={"user_id": "s1", "event_name": "x"})
    assert missing.status_code == 400
    assert missing.json() == {"success": False, "errors": [{"field": "event_category", "reason": "Field required"}]}


PLANNED = [
    {"event": "Subscription Changed", "userId": "s1", "timestamp": T0,
     "properties": {"subscription_id": "sub-1", "plan": "pro", "status": "active", "amount": 290.00,
                    "currency": "gbp", "interval": "year"}},
    {"event": "Invitation Sent", "userId": "s1", "timestamp": T0,
     "properties": {"invitation_id": "inv-1", "inviter_type": "supplier", "invitee_type": "couple",
                    "channel": "email"}},
    {"event": "Invitation Accepted", "userId": "c1", "timestamp": "2026-03-02T09:00:00Z",
     "properties": {"invitation_id": "inv-1", "inviter_id": "s1"}},
    {"event": "Collaboration Started", "userId": "s1", "timestamp": T0,
     "properties": {"client_id": "wedding-1", "partner_id": "s2", "partner_type": "supplier"}},
    {"event": "Collaboration Activity", "userId": "s1", "timestamp": "2026-03-03T10:00:00Z",
     "properties": {"client_id": "wedding-1", "partner_id": "s2"}},
    {"event": "Ticket Opened", "userId": "c1", "timestamp": T0,
     "properties": {"ticket_id": "t-1", "priority": "high", "channel": "chat"}},
    {"event": "Ticket First Response", "userId": "agent-1", "timestamp": "2026-03-01T10:20:00Z",
     "properties": {"ticket_id": "t-1"}},
    {"event": "Ticket Resolved", "userId": "agent-1", "timestamp": "2026-03-01T13:00:00Z",
     "properties": {"ticket_id": "t-1"}},
    {"event": "Survey Answered", "userId": "c1", "timestamp": T0, "properties": {"survey": "nps", "score": 9}},
    {"event": "Page Load Measured", "anonymousId": "a1", "timestamp": T0,
     "properties": {"page": "/home", "duration_ms": 840.5}},
    {"event": "API Request Measured", "anonymousId": "a1", "timestamp": T0,
     "properties": {"endpoint": "/api/forms", "duration_ms": 120, "ok": False}},
    {"event": "Uptime Check", "anonymousId": "monitor", "timestamp": T0, "properties": {"check": "web"}},
    {"event": "Marketing Spend Recorded", "userId": "ops", "timestamp": T0,
     "properties": {"amount": "1500.50", "channel": "social", "campaign": "spring"}},
]


def test_tracking_plan_events_create_their_records_once(api: httpx.Client, northstar: Northstar) -> None:
    body = {"batch": [{"type": "track", "messageId": f"p-{n}", **m} for n, m in enumerate(PLANNED)]}
    for _ in range(2):
        assert api.post("/v1/batch", json=body).json() == {"success": True}
    march = datetime(2026, 3, 1, 10, 0)
    assert northstar.store.query(
        "SELECT subscription_id, customer_id, plan, status, amount_minor, currency, interval_months, effective_at "
        "FROM subscription_history") == [("sub-1", "s1", "pro", "active", 29000, "GBP", 12, march)]
    assert northstar.store.query(
        "SELECT invitation_id, inviter_id, inviter_type, invitee_id, invitee_type, channel, sent_at, accepted_at "
        "FROM invitations") == [("inv-1", "s1", "supplier", "c1", "couple", "email", march,
                                 datetime(2026, 3, 2, 9, 0))]
    assert northstar.store.query(
        "SELECT client_id, vendor_id, partner_id, partner_type, started_at, last_activity_at FROM collaborations"
    ) == [("wedding-1", "s1", "s2", "supplier", march, datetime(2026, 3, 3, 10, 0))]
    assert northstar.store.query(
        "SELECT ticket_id, user_id, opened_at, first_response_at, resolved_at, priority, channel "
        "FROM support_tickets") == [("t-1", "c1", march, datetime(2026, 3, 1, 10, 20),
                                     datetime(2026, 3, 1, 13, 0), "high", "chat")]
    assert northstar.store.query("SELECT survey, user_id, score, responded_at FROM survey_responses") == [
        ("nps", "c1", 9, march)]
    assert northstar.store.query(
        "SELECT kind, name, duration_ms, ok, recorded_at FROM performance_samples ORDER BY kind") == [
        ("api_request", "/api/forms", 120.0, False, march), ("page_load", "/home", 840.5, True, march),
        ("uptime_check", "web", None, True, march)]
    assert northstar.store.query("SELECT spent_on, channel, campaign, amount_minor, currency FROM marketing_spend") == [
        (date(2026, 3, 1), "social", "spring", 150050, "GBP")]
    assert _count(northstar, "events") == len(PLANNED)


def test_a_retried_batch_stores_nothing_twice(api: httpx.Client, northstar: Northstar) -> None:
    body = {"sentAt": T0, "batch": [
        {"type": "track", "messageId": "r-1", "userId": "u1", "event": "Form Created", "timestamp": T0},
        # No messageId: one is derived from the content, so the retry maps to the same row.
        {"type": "track", "userId": "u2", "event": "Form Created", "timestamp": T0},
        {"type": "track", "userId": "u2", "event": "Survey Answered", "timestamp": T0,
         "properties": {"survey": "csat", "score": 4}},
    ]}
    first = api.post("/v1/batch", json=body)
    retried = api.post("/v1/batch", json={**body, "sentAt": "2026-03-01T10:00:07Z"}, headers={"X-Retry-Count": "1"})
    assert first.json() == retried.json() == {"success": True}
    assert _count(northstar, "events") == 3
    assert _count(northstar, "survey_responses") == 1


def test_a_mixed_batch_keeps_the_valid_and_lists_the_invalid(api: httpx.Client, northstar: Northstar) -> None:
    body = {"batch": [
        {"type": "track", "messageId": "ok-1", "userId": "u1", "event": "Form Created"},
        {"type": "track", "messageId": "bad-1", "userId": "u1"},
        {"type": "identify", "messageId": "ok-2", "userId": "u2", "traits": {"user_type": "couple"}},
        {"type": "track", "messageId": "bad-2", "event": "Form Created", "timestamp": T0},
        {"type": "shout", "messageId": "bad-3", "userId": "u1"},
    ]}
    answer = api.post("/v1/batch", json=body)
    assert answer.status_code == 200
    assert answer.json() == {"success": True, "accepted": 2, "rejected": [
        {"index": 1, "field": "event", "reason": "Field required"},
        {"index": 3, "field": "userId", "reason": "userId or anonymousId is required"},
        {"index": 4, "field": "type", "reason": "must be one of track, identify, page, screen, group, alias"},
    ]}
    assert northstar.store.query("SELECT message_id FROM events ORDER BY message_id") == [("ok-1",), ("ok-2",)]
    rejected = _rows(northstar, "SELECT source, kind, position, field, reason, payload FROM rejected_input "
                                "ORDER BY position")
    assert [row[:5] for row in rejected] == [
        ("api:/v1/batch", "events", 1, "event", "Field required"),
        ("api:/v1/batch", "events", 3, "userId", "userId or anonymousId is required"),
        ("api:/v1/batch", "events", 4, "type", "must be one of track, identify, page, screen, group, alias"),
    ]
    assert rejected[0][5] == {"type": "track", "messageId": "bad-1", "userId": "u1"}


BAD_INPUT = [
    ("/v1/track", {"event": "Form Created"}, "userId", "userId or anonymousId is required"),
    ("/v1/track", {"userId": "u1"}, "event", "Field required"),
    ("/v1/track", {"userId": "u1", "event": ""}, "event", "String should have at least 1 character"),
    ("/v1/track", {"userId": "u1", "event": "x", "timestamp": "last tuesday"}, "timestamp",
     "Input should be a valid datetime or date, invalid character in year"),
    ("/v1/track", {"userId": "u1", "event": "x", "properties": ["a"]}, "properties",
     "Input should be a valid dictionary"),
    ("/v1/track", {"userId": ["u1"], "event": "x"}, "userId", "Input should be a valid string"),
    ("/v1/track", {"userId": "u1", "event": "x", "properties": {"revenue": "lots"}}, "properties.revenue",
     "'lots' is not a number"),
    ("/v1/track", {"userId": "u1", "event": "x", "properties": {"revenue": 5, "currency": "pounds"}},
     "properties.currency", "'pounds' is not a 3-letter ISO 4217 code"),
    ("/v1/track", {"userId": "u1", "event": "Subscription Changed", "properties": {
        "subscription_id": "s", "plan": "pro", "status": "paused", "amount": 10}}, "properties.status",
     "'paused' is not one of trialing, active, past_due, canceled"),
    ("/v1/track", {"userId": "u1", "event": "Subscription Changed", "properties": {
        "subscription_id": "s", "plan": "pro", "status": "active"}}, "properties.amount",
     "is required (major units such as 29.00, or amount_minor)"),
    ("/v1/track", {"userId": "u1", "event": "Survey Answered", "properties": {"survey": "csat", "score": 7}},
     "properties.score", "7 is not a CSAT score (1-5)"),
    ("/v1/identify", {"userId": "u1", "traits": {"created_at": "soon"}}, "traits.created_at",
     "'soon' is not an ISO-8601 timestamp"),
    ("/v1/group", {"userId": "u1"}, "groupId", "Field required"),
    ("/v1/alias", {"userId": "u1"}, "previousId", "Field required"),
    ("/v1/page", [1, 2], "message", "must be a JSON object"),
]


@pytest.mark.parametrize(("path", "body", "field", "reason"), BAD_INPUT)
def test_invalid_input_is_answered_400_naming_the_field(api: httpx.Client, northstar: Northstar, path: str,
                                                        body: Any, field: str, reason: str) -> None:
    answer = api.post(path, json=body)
    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": [{"field": field, "reason": reason}]}
    assert _count(northstar, "events") == 0
    assert northstar.store.query("SELECT source, position, field, reason FROM rejected_input") == [
        (f"api:{path}", None, field, reason)]


def test_nul_characters_are_stored_as_replacement_characters(api: httpx.Client, northstar: Northstar) -> None:
    body = {"batch": [{"type": "track", "messageId": "n-1", "userId": "u\u00001", "event": "Note\u0000",
                       "properties": {"text": "a\u0000b", "literal": "\\u0000"}}]}
    assert api.post("/v1/batch", json=body).json() == {"success": True}
    assert _rows(northstar, "SELECT user_id, event, properties FROM events") == [
        ("u\ufffd1", "Note\ufffd", {"text": "a\ufffdb", "literal": "\\u0000"})]


def test_malformed_json_is_400(api: httpx.Client) -> None:
    answer = api.post("/v1/batch", content=b'{"batch": [', headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["field"] == "body" and error["reason"].startswith("malformed JSON")
    assert api.post("/v1/batch", json={"batch": "no"}).json() == {
        "success": False, "errors": [{"field": "batch", "reason": "Input should be a valid list"}]}


def test_gzip_bodies_are_accepted(api: httpx.Client, northstar: Northstar) -> None:
    body = gzip.compress(json.dumps({"batch": [
        {"type": "track", "messageId": "g-1", "userId": "u1", "event": "Form Created", "timestamp": T0}]}).encode())
    answer = api.post("/v1/batch", content=body, headers={"Content-Encoding": "gzip",
                                                          "Content-Type": "application/json"})
    assert answer.json() == {"success": True}
    assert northstar.store.query("SELECT message_id, event FROM events") == [("g-1", "Form Created")]
    corrupt = api.post("/v1/track", content=b"not gzip", headers={"Content-Encoding": "gzip"})
    assert corrupt.status_code == 400 and corrupt.json()["errors"][0]["field"] == "Content-Encoding"


def _padded(size: int) -> dict[str, Any]:
    return {"type": "track", "userId": "u1", "event": "Big", "properties": {"pad": "x" * size}}


@pytest.mark.parametrize(
    ("path", "body", "gzipped", "field", "reason"),
    [
        ("/v1/track", _padded(33 * 1024), False, "body", "larger than 32768 bytes"),
        ("/v1/track", _padded(33 * 1024), True, "body", "larger than 32768 bytes"),
        ("/v1/batch", {"batch": [_padded(20 * 1024) for _ in range(30)]}, False, "body", "larger than 512000 bytes"),
        ("/v1/batch", {"batch": [_padded(20 * 1024) for _ in range(30)]}, True, "body", "larger than 512000 bytes"),
        ("/v1/batch", {"batch": [_padded(10), _padded(40 * 1024)]}, False, "message", "larger than 32768 bytes"),
    ],
)
def test_over_size_payloads_are_413(api: httpx.Client, northstar: Northstar, path: str, body: Any, gzipped: bool,
                                    field: str, reason: str) -> None:
    content = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if gzipped:
        content, headers["Content-Encoding"] = gzip.compress(content), "gzip"
        assert len(content) < 32 * 1024, "the limit applies to the decompressed body"
    answer = api.post(path, content=content, headers=headers)
    assert answer.status_code == 413
    assert [{k: v for k, v in e.items() if k != "index"} for e in answer.json()["errors"]] == [
        {"field": field, "reason": reason}]
    assert _count(northstar, "events") == 0


def test_write_key_authentication(live_server, northstar: Northstar, write_key: str) -> None:
    track = {"userId": "u1", "event": "Form Created"}
    url = f"{live_server.url}/v1/track"
    assert httpx.post(url, json=track).status_code == 401
    wrong = httpx.post(url, json=track, auth=("nsw_wrong", ""))
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == 'Basic realm="northstar"'
    assert httpx.post(url, json={**track, "writeKey": "nsw_wrong"}).status_code == 401
    assert httpx.post(url, json={**track, "writeKey": 12345}).status_code == 401
    assert httpx.post(url, json=track, headers={"Authorization": "Basic !!!"}).status_code == 401
    assert httpx.post(url, json=track, auth=(write_key, "")).status_code == 200
    assert httpx.post(url, json={**track, "event": "Other", "writeKey": write_key}).status_code == 200
    read_key = create_key(northstar.store, "read", "dashboards", role="viewer")
    assert httpx.post(url, json=track, auth=(read_key, "")).status_code == 401
    [key] = [key for key in list_keys(northstar.store) if key["name"] == "web"]
    assert revoke_key(northstar.store, key["id"])
    assert httpx.post(url, json={**track, "event": "Third"}, auth=(write_key, "")).status_code == 401
    assert httpx.post(url, json={**track, "event": "Third", "writeKey": write_key}).status_code == 401
    assert northstar.store.query("SELECT event, source FROM events ORDER BY event") == [
        ("Form Created", "api:web"), ("Other", "api:web")]
    assert _count(northstar, "rejected_input") == 0


def _everything(northstar: Northstar) -> dict[str, list[tuple[Any, ...]]]:
    kept = [table for table in TABLES if table.name not in ("rejected_input", "ingest_log")]
    return {table.name: sorted(map(repr, northstar.store.query(f"SELECT * FROM {table.name}"))) for table in kept}


def test_bad_requests_never_lose_or_alter_stored_data(api: httpx.Client, live_server, northstar: Northstar) -> None:
    good = {"batch": [{"type": "track", "messageId": f"p-{n}", **m} for n, m in enumerate(PLANNED)] + [
        {"type": "identify", "messageId": "id-1", "userId": "s1", "traits": {"user_type": "supplier", "plan": "pro"}},
        {"type": "group", "messageId": "gr-1", "userId": "s1", "groupId": "acct-1", "traits": {"name": "A"}},
        {"type": "alias", "messageId": "al-1", "previousId": "anon", "userId": "s1"},
    ]}
    assert api.post("/v1/batch", json=good).json() == {"success": True}
    before = _everything(northstar)
    altered = [{**m, "userId": "intruder", "properties": {"plan": "free", "status": "bogus"}}
               for m in good["batch"][:3]]
    bad_requests = [
        ("/v1/batch", {"content": b'{"batch": [{"type": "track"'}),
        ("/v1/batch", {"json": {"batch": [*altered, {"type": "track"}]}}),
        ("/v1/batch", {"json": {"batch": [_padded(10), _padded(40 * 1024)]}}),
        ("/v1/identify", {"json": {"messageId": "id-1", "userId": "s1", "traits": {"created_at": "bad"}}}),
        ("/v1/identify", {"json": {"userId": "s1", "traits": {"plan": "hacked"}, "writeKey": "nsw_wrong"},
                          "auth": None}),
        ("/v1/track", {"json": {"messageId": "p-0", "userId": "s1", "event": "Subscription Changed",
                                "properties": {"subscription_id": "sub-1", "status": "canceled"}}}),
        ("/v1/track", {"content": gzip.compress(b"x" * 100_000), "headers": {"Content-Encoding": "gzip"}}),
    ]
    for path, request in bad_requests:
        if request.get("auth", "keep") is None:
            answer = httpx.post(f"{live_server.url}{path}", json=request["json"])
        else:
            answer = api.post(path, **request)
        assert answer.status_code in (200, 400, 401, 413), answer.text
    assert _everything(northstar) == before


def test_openapi_declares_every_answer(northstar: Northstar) -> None:
    from northstar.web.app import create_app

    paths = create_app(northstar).openapi()["paths"]
    routes = ["/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch",
              "/api/v1/metrics/track"]
    for route in routes:
        operation = paths[route]["post"]
        assert {"200", "400", "401", "413"} <= set(operation["responses"]), route
        assert operation["security"] == [{"writeKey": []}], route
        assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object", route


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_or_undocumented_answer(live_server, write_key: str) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    headers = {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}
    for path in ["/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch",
                 "/api/v1/metrics/track"]:

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=schema[path]["POST"].as_strategy())
        def check(case) -> None:
            case.headers = {**(case.headers or {}), **headers}
            case.call_and_validate()

        check()
