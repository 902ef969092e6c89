"""Bulk import (``northstar import KIND FILE``) on DuckDB and PostgreSQL, from the small readable
files of ``tests/data/import/``; every expected value below is worked out by hand from them."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from northstar.app import Northstar
from northstar.cli import app
from northstar.domain.errors import InvalidInput, StoreError
from northstar.ingest.importers import FileOptions, ImportReport, import_path

DATA = Path(__file__).resolve().parents[1] / "data" / "import"


def _json(value: Any) -> Any:
    """A JSON column as Python: DuckDB returns text, PostgreSQL's JSONB a decoded value."""
    return json.loads(value) if isinstance(value, str) else value


def _rejections(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(rejection.line, rejection.field, rejection.reason) for rejection in report.rejections]


def _stored_rejections(northstar: Northstar, source: str) -> list[tuple[int, str, str, str]]:
    return [
        tuple(row) for row in northstar.store.query(
            "SELECT position, field, reason, kind FROM rejected_input WHERE source = ? ORDER BY position", [source]
        )
    ]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# --- events ------------------------------------------------------------------------------------


def test_events_csv(northstar: Northstar) -> None:
    report = import_path(northstar, "events", DATA / "events.csv")
    assert (report.rows_read, report.valid, report.new, report.already_present, report.rejected) == (10, 5, 5, 0, 5)
    rows = northstar.store.query(
        "SELECT message_id, type, event, user_id, anonymous_id, timestamp, revenue_minor, currency, device_type, "
        "source FROM events ORDER BY timestamp"
    )
    assert [tuple(row) for row in rows] == [
        ("m1", "track", "Order Completed", "u1", None, datetime(2024, 3, 1, 10), 1234, "GBP", "mobile",
         "import:events.csv"),
        ("m2", "track", "Order Completed", "u2", None, datetime(2024, 3, 1, 10, 30), 1236, "USD", "desktop",
         "import:events.csv"),
        ("m3", "identify", None, "u3", None, datetime(2024, 3, 2, 8), None, None, None, "import:events.csv"),
        ("m4", "page", None, None, "anon-4", datetime(2024, 3, 2, 9), None, None, "tablet", "import:events.csv"),
        ("m10", "track", "Order Refunded", "u10", None, datetime(2024, 3, 4), -6, "JPY", None, "import:events.csv"),
    ]
    properties, context = northstar.store.query("SELECT properties, context FROM events WHERE message_id = 'm1'")[0]
    assert _json(properties) == {"revenue": 12.345, "plan": "pro"}
    assert _json(context) == {"device": {"type": "ios"}}
    assert northstar.store.query("SELECT properties FROM events WHERE message_id = 'm3'") == [(None,)]
    expected = [
        (6, "type", "'signup' is not one of track, identify, page, screen, group, alias"),
        (7, "event", "is required for a track call (or give --event)"),
        (8, "userId", "userId or anonymousId is required"),
        (9, "timestamp", "'yesterday' is not an ISO-8601 timestamp"),
        (10, "properties.revenue", "'ten' is not a number"),
    ]
    assert _rejections(report) == expected
    assert _stored_rejections(northstar, "import:events.csv") == [(*row, "events") for row in expected]
    payload = northstar.store.query("SELECT payload FROM rejected_input WHERE position = 9")[0][0]
    assert json.loads(payload)["timestamp"] == "yesterday"


def test_events_jsonl_segment_shaped(northstar: Northstar) -> None:
    report = import_path(northstar, "events", DATA / "events.jsonl")
    assert (report.rows_read, report.valid, report.new, report.rejected) == (9, 4, 4, 5)
    lines = (DATA / "events.jsonl").read_text().splitlines()
    derived = _md5(lines[3] + "\x1f\x1f1")
    rows = northstar.store.query(
        "SELECT message_id, type, event, category, user_id, anonymous_id, timestamp, original_timestamp, sent_at, "
        "session_id, device_type, revenue_minor, currency FROM events ORDER BY timestamp"
    )
    assert [tuple(row) for row in rows] == [
        ("j1", "track", "Form Created", None, "u1", None, datetime(2024, 3, 1, 10, 0, 2), datetime(2024, 3, 1, 10),
         datetime(2024, 3, 1, 10, 0, 5), "s-1", "mobile", 1999, "EUR"),
        ("j2", "identify", None, None, "u2", None, datetime(2024, 3, 1, 11), datetime(2024, 3, 1, 11), None, "s-2",
         None, None, None),
        (derived, "track", "Page Viewed", None, None, "a3", datetime(2024, 3, 2), datetime(2024, 3, 2), None, None,
         None, 12, "GBP"),
        ("j8", "track", "Form Created", "forms", "u8", None, datetime(2024, 3, 3), datetime(2024, 3, 3), None,
         None, "mobile", None, None),
    ]
    traits = northstar.store.query("SELECT traits FROM events WHERE message_id = 'j2'")[0][0]
    assert _json(traits) == {"plan": "pro"}
    assert _rejections(report) == [
        (5, "line", "is not a JSON object"),
        (6, "properties", "is not a JSON object"),
        (7, "sentAt", "'later' is not an ISO-8601 timestamp"),
        (9, "properties.currency", "'dollars' is not a 3-letter ISO 4217 code"),
        (10, "properties.session_id", "must be text or an integer"),
    ]
    payload = northstar.store.query("SELECT payload FROM rejected_input WHERE position = 5")[0][0]
    assert payload == "this line is not JSON"


def test_events_parquet_with_struct_and_json_text_objects(northstar: Northstar, tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({
        "messageId": ["p1", "p2"],
        "event": ["Journey Created", "Order Completed"],
        "userId": ["u1", "u2"],
        "timestamp": pa.array([datetime(2024, 3, 1, 9), datetime(2024, 3, 1, 10)], pa.timestamp("us")),
        "context": [{"device": {"type": "mobile"}}, {"device": {"type": "watch"}}],
        "properties": ['{"session_id": "s9"}', '{"revenue": 5, "currency": "usd"}'],
    }), path)
    report = import_path(northstar, "events", path)
    assert (report.rows_read, report.new, report.rejected) == (2, 2, 0)
    rows = northstar.store.query(
        "SELECT message_id, type, event, user_id, timestamp, session_id, device_type, revenue_minor, currency "
        "FROM events ORDER BY message_id"
    )
    assert [tuple(row) for row in rows] == [
        ("p1", "track", "Journey Created", "u1", datetime(2024, 3, 1, 9), "s9", "mobile", None, None),
        ("p2", "track", "Order Completed", "u2", datetime(2024, 3, 1, 10), None, "other", 500, "USD"),
    ]
    context = northstar.store.query("SELECT context FROM events WHERE message_id = 'p2'")[0][0]
    assert _json(context) == {"device": {"type": "watch"}}


def test_map_and_event_name_a_file_without_event_column(northstar: Northstar) -> None:
    report = import_path(
        northstar, "events", DATA / "purchases.csv",
        mapping=["userId=customer", "timestamp=when", "properties.revenue=amount", "properties.quantity=cds"],
        event="Order Completed", options=FileOptions(delimiter=";"), currency="USD",
    )
    assert (report.rows_read, report.new, report.rejected) == (3, 3, 0)
    rows = northstar.store.query(
        "SELECT event, user_id, timestamp, revenue_minor, currency FROM events ORDER BY user_id, message_id"
    )
    assert sorted(tuple(row) for row in rows) == [
        ("Order Completed", "c-001", datetime(1997, 1, 1), 1177, "USD"),
        ("Order Completed", "c-002", datetime(1997, 1, 12), 1200, "USD"),
        ("Order Completed", "c-002", datetime(1997, 1, 12), 1200, "USD"),
    ]
    properties = northstar.store.query("SELECT properties FROM events WHERE user_id = 'c-001'")[0][0]
    assert _json(properties) == {"revenue": 11.77, "quantity": 1}
    again = import_path(
        northstar, "events", DATA / "purchases.csv",
        mapping=["userId=customer", "timestamp=when", "properties.revenue=amount", "properties.quantity=cds"],
        event="Order Completed", options=FileOptions(delimiter=";"), currency="USD",
    )
    assert (again.new, again.already_present) == (0, 3)


def test_map_errors_are_refused_before_anything_is_written(northstar: Northstar) -> None:
    with pytest.raises(InvalidInput) as missing:
        import_path(northstar, "events", DATA / "purchases.csv", mapping=["userId=buyer"],
                    options=FileOptions(delimiter=";"))
    assert (missing.value.field, missing.value.reason) == ("--map", "the file has no column 'buyer'")
    with pytest.raises(InvalidInput) as malformed:
        import_path(northstar, "events", DATA / "events.csv", mapping=["userId"])
    assert malformed.value.field == "--map"
    with pytest.raises(InvalidInput) as unknown:
        import_path(northstar, "events", DATA / "events.csv", mapping=["colour=plan"])
    assert unknown.value.reason == "'colour' is not an events field"
    with pytest.raises(InvalidInput) as kind:
        import_path(northstar, "orders", DATA / "events.csv")
    assert kind.value.field == "kind"
    assert northstar.store.query("SELECT count(*) FROM events") == [(0,)]
    assert northstar.store.query("SELECT count(*) FROM rejected_input") == [(0,)]


# --- record kinds ------------------------------------------------------------------------------


def test_users_csv_merges_into_stored_users_without_losing_anything(northstar: Northstar) -> None:
    northstar.write({"users": [
        {"user_id": "u2", "plan": "basic", "acquisition_source": "ads", "first_seen_at": datetime(2023, 12, 1)},
        {"user_id": "u9", "plan": "free", "first_seen_at": datetime(2023, 11, 1)},
    ]}, source="test")
    report = import_path(northstar, "users", DATA / "users.csv")
    assert (report.rows_read, report.valid, report.new, report.already_present, report.rejected) == (4, 2, 1, 1, 2)
    rows = northstar.store.query(
        "SELECT user_id, user_type, created_at, first_seen_at, email, plan, acquisition_source, country "
        "FROM users ORDER BY user_id"
    )
    assert [tuple(row) for row in rows] == [
        ("u1", "supplier", datetime(2024, 1, 5, 9), datetime(2024, 1, 5, 9), "a@example.com", "pro", None, "GB"),
        ("u2", "couple", datetime(2024, 1, 6), datetime(2023, 12, 1), "b@example.com", "basic", "ads", "FR"),
        ("u9", None, None, datetime(2023, 11, 1), None, "free", None, None),
    ]
    assert _json(northstar.store.query("SELECT traits FROM users WHERE user_id = 'u1'")[0][0]) == {"kind": "florist"}
    assert _rejections(report) == [
        (4, "user_id", "is required"),
        (5, "created_at", "'last tuesday' is not an ISO-8601 timestamp"),
    ]
    before = northstar.store.query("SELECT * FROM users ORDER BY user_id")
    again = import_path(northstar, "users", DATA / "users.csv")
    assert (again.new, again.already_present) == (0, 2)
    assert northstar.store.query("SELECT * FROM users ORDER BY user_id") == before


def test_subscriptions_csv(northstar: Northstar) -> None:
    report = import_path(northstar, "subscriptions", DATA / "subscriptions.csv")
    assert (report.rows_read, report.new, report.rejected) == (6, 3, 3)
    rows = northstar.store.query(
        "SELECT change_id, subscription_id, customer_id, plan, status, amount_minor, currency, interval_months, "
        "effective_at FROM subscription_history ORDER BY subscription_id, effective_at"
    )
    assert [tuple(row) for row in rows] == [
        (_md5("s1\x1f2024-02-01T00:00:00"), "s1", "u1", "pro", "active", 2900, "GBP", 1, datetime(2024, 2, 1)),
        (_md5("s1\x1f2024-05-01T00:00:00"), "s1", "u1", "pro", "canceled", 2900, "GBP", 1, datetime(2024, 5, 1)),
        (_md5("s5\x1f2024-02-01T00:00:00"), "s5", "u5", "yearly", "active", 30000, "GBP", 12, datetime(2024, 2, 1)),
    ]
    assert northstar.store.query("SELECT count(*) FROM subscription_history WHERE recorded_at IS NULL") == [(0,)]
    assert _rejections(report) == [
        (4, "status", "'paused' is not one of trialing, active, past_due, canceled"),
        (5, "amount_minor", "-100 is below the minimum 0"),
        (6, "amount_minor", "'12.5' is not an integer"),
    ]
    again = import_path(northstar, "subscriptions", DATA / "subscriptions.csv")
    assert (again.new, again.already_present, again.rejected) == (0, 3, 3)
    assert northstar.store.query("SELECT count(*) FROM rejected_input") == [(3,)]


def test_invitations_jsonl_and_a_later_file_completing_them(northstar: Northstar, tmp_path: Path) -> None:
    report = import_path(northstar, "invitations", DATA / "invitations.jsonl")
    assert (report.rows_read, report.new, report.rejected) == (5, 2, 3)
    rows = northstar.store.query(
        "SELECT invitation_id, inviter_id, inviter_type, invitee_type, channel, sent_at, accepted_at "
        "FROM invitations ORDER BY invitation_id"
    )
    assert [tuple(row) for row in rows] == [
        ("i1", "u1", "supplier", "couple", "email", datetime(2024, 3, 1, 10), None),
        ("i2", "u1", None, None, None, datetime(2024, 3, 2, 8), datetime(2024, 3, 3)),
    ]
    assert _rejections(report) == [
        (3, "sent_at", "'soon' is not an ISO-8601 timestamp"),
        (4, "inviter_id", "is required"),
        (5, "line", "is not a JSON object"),
    ]
    later = tmp_path / "accepted.jsonl"
    later.write_text(orjson.dumps({"invitation_id": "i1", "inviter_id": "u1", "sent_at": "2024-03-09T00:00:00Z",
                                   "accepted_at": "2024-03-04T12:00:00Z", "invitee_id": "u7"}).decode() + "\n")
    merged = import_path(northstar, "invitations", later)
    assert (merged.new, merged.already_present) == (0, 1)
    assert northstar.store.query(
        "SELECT invitee_id, sent_at, accepted_at, inviter_type FROM invitations WHERE invitation_id = 'i1'"
    ) == [("u7", datetime(2024, 3, 1, 10), datetime(2024, 3, 4, 12), "supplier")]


COLLABORATIONS = [
    {"collaboration_id": "c1", "client_id": "w1", "vendor_id": "u1", "partner_id": "u2", "partner_type": "couple",
     "started_at": "2024-03-01T10:00:00Z", "last_activity_at": "2024-03-05T10:00:00Z"},
    {"collaboration_id": "c2", "client_id": "w1", "vendor_id": "u1", "partner_id": "u3", "partner_type": None,
     "started_at": "2024-03-02T00:00:00Z", "last_activity_at": None},
    {"collaboration_id": "c3", "client_id": "w2", "vendor_id": "u4", "partner_id": None, "partner_type": None,
     "started_at": "2024-03-02T00:00:00Z", "last_activity_at": None},
]


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet"])
def test_collaborations_in_every_format(northstar: Northstar, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"collaborations.{suffix}"
    table = pa.Table.from_pylist(COLLABORATIONS)
    if suffix == "csv":
        pacsv.write_csv(table, path)
    elif suffix == "parquet":
        pq.write_table(table, path)
    else:
        path.write_text("".join(orjson.dumps({k: v for k, v in row.items() if v}).decode() + "\n"
                                for row in COLLABORATIONS))
    report = import_path(northstar, "collaborations", path)
    assert (report.rows_read, report.new, report.rejected) == (3, 2, 1)
    line = {"csv": 4, "jsonl": 3, "parquet": 3}[suffix]
    assert _rejections(report) == [(line, "partner_id", "is required")]
    rows = northstar.store.query(
        "SELECT collaboration_id, client_id, vendor_id, partner_id, partner_type, started_at, last_activity_at "
        "FROM collaborations ORDER BY collaboration_id"
    )
    assert [tuple(row) for row in rows] == [
        ("c1", "w1", "u1", "u2", "couple", datetime(2024, 3, 1, 10), datetime(2024, 3, 5, 10)),
        ("c2", "w1", "u1", "u3", None, datetime(2024, 3, 2), None),
    ]


def test_tickets_csv(northstar: Northstar) -> None:
    report = import_path(northstar, "tickets", DATA / "tickets.csv")
    assert (report.new, report.rejected) == (2, 1)
    assert [tuple(row) for row in northstar.store.query(
        "SELECT ticket_id, user_id, opened_at, first_response_at, resolved_at, priority, channel "
        "FROM support_tickets ORDER BY ticket_id"
    )] == [
        ("t1", "u1", datetime(2024, 3, 1, 9), datetime(2024, 3, 1, 9, 45), datetime(2024, 3, 1, 15), "high", "email"),
        ("t2", "u2", datetime(2024, 3, 2, 9), None, None, "normal", "chat"),
    ]
    assert _rejections(report) == [(4, "opened_at", "is required")]


def test_surveys_csv(northstar: Northstar) -> None:
    report = import_path(northstar, "surveys", DATA / "surveys.csv")
    assert (report.new, report.rejected) == (2, 3)
    rows = northstar.store.query(
        "SELECT response_id, survey, user_id, score, responded_at, ticket_id, comment "
        "FROM survey_responses ORDER BY user_id"
    )
    assert [tuple(row)[1:] for row in rows] == [
        ("nps", "u1", 9, datetime(2024, 3, 1, 12), None, "Great"),
        ("csat", "u2", 4, datetime(2024, 3, 2, 12), "t2", None),
    ]
    assert all(len(row[0]) == 32 for row in rows)
    assert _rejections(report) == [
        (4, "score", "11 is above the maximum 10"),
        (5, "survey", "'poll' is not one of nps, csat"),
        (6, "score", "'seven' is not an integer"),
    ]
    assert import_path(northstar, "surveys", DATA / "surveys.csv").new == 0


def test_performance_csv(northstar: Northstar) -> None:
    report = import_path(northstar, "performance", DATA / "performance.csv")
    assert (report.new, report.rejected) == (3, 1)
    assert [tuple(row) for row in northstar.store.query(
        "SELECT kind, recorded_at, name, duration_ms, ok FROM performance_samples ORDER BY recorded_at"
    )] == [
        ("page_load", datetime(2024, 3, 1), "/dashboard", 1250.5, True),
        ("api_request", datetime(2024, 3, 1, 0, 0, 1), "GET /api/v1/metrics", 85.0, False),
        ("uptime_check", datetime(2024, 3, 1, 0, 1), "https", None, True),
    ]
    assert _rejections(report) == [(5, "duration_ms", "-3.0 is below the minimum 0")]


def test_spend_csv(northstar: Northstar) -> None:
    report = import_path(northstar, "spend", DATA / "spend.csv")
    assert (report.new, report.rejected) == (2, 2)
    assert [tuple(row) for row in northstar.store.query(
        "SELECT spend_id, spent_on, channel, campaign, amount_minor, currency FROM marketing_spend ORDER BY channel"
    )] == [
        (_md5("2024-03-01\x1fpaid_search\x1fspring"), date(2024, 3, 1), "paid_search", "spring", 150000, "GBP"),
        (_md5("2024-03-01\x1fsocial\x1fspring"), date(2024, 3, 1), "social", "spring", 45050, "GBP"),
    ]
    assert _rejections(report) == [
        (4, "amount_minor", "-10 is below the minimum 0"),
        (5, "spent_on", "'2024-03-40' is not an ISO-8601 date"),
    ]


def test_a_csv_column_that_is_not_an_import_column_is_refused(northstar: Northstar, tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_text("spent_on,amount_minor,currency,colour\n2024-03-01,100,GBP,red\n")
    with pytest.raises(InvalidInput) as refused:
        import_path(northstar, "spend", path)
    assert refused.value.field == "colour"
    assert northstar.store.query("SELECT count(*) FROM marketing_spend") == [(0,)]


# --- guarantees --------------------------------------------------------------------------------


def test_reimport_adds_nothing_and_alters_nothing(northstar: Northstar) -> None:
    first = import_path(northstar, "events", DATA / "events.csv")
    events = northstar.store.query("SELECT * FROM events ORDER BY message_id")
    rejected = northstar.store.query("SELECT rejection_id, position, field FROM rejected_input ORDER BY position")
    second = import_path(northstar, "events", DATA / "events.csv")
    assert (first.new, second.new, second.already_present, second.rejected) == (5, 0, 5, 5)
    assert northstar.store.query("SELECT * FROM events ORDER BY message_id") == events
    assert northstar.store.query("SELECT rejection_id, position, field FROM rejected_input ORDER BY position") == (
        rejected
    )


def test_a_failed_write_leaves_the_store_unchanged(northstar: Northstar) -> None:
    northstar.write({"events": [{
        "message_id": "before", "type": "track", "event": "Signed Up", "user_id": "u0",
        "timestamp": datetime(2024, 1, 1), "received_at": datetime(2024, 1, 1),
    }]}, source="test")
    events = northstar.store.query("SELECT * FROM events ORDER BY message_id")
    log = northstar.store.query("SELECT commit_id FROM ingest_log ORDER BY commit_id")
    northstar.store.execute_write("ALTER TABLE rejected_input RENAME TO rejected_input_away")
    try:
        with pytest.raises(StoreError):
            import_path(northstar, "events", DATA / "events.csv")
    finally:
        northstar.store.execute_write("ALTER TABLE rejected_input_away RENAME TO rejected_input")
    assert northstar.store.query("SELECT * FROM events ORDER BY message_id") == events
    assert northstar.store.query("SELECT commit_id FROM ingest_log ORDER BY commit_id") == log
    assert northstar.store.query("SELECT count(*) FROM rejected_input") == [(0,)]


def test_one_ingest_log_row_per_import(northstar: Northstar) -> None:
    import_path(northstar, "events", DATA / "events.csv")
    assert northstar.store.query(
        "SELECT source, table_name, rows_written, min_time, max_time FROM ingest_log"
    ) == [("import:events.csv", "events", 5, datetime(2024, 3, 1, 10), datetime(2024, 3, 4))]


# --- the command line --------------------------------------------------------------------------


@pytest.fixture
def cli_database(cli_duckdb: Path) -> Path:
    return cli_duckdb


def test_cli_imports_a_headerless_whitespace_file(cli_database: Path, tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text(" 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n 00003 1997013x  2   20.76\r\n")
    arguments = [
        "import", "events", str(path), "--columns", "customer,date,cds,amount", "--delimiter", "whitespace",
        "--event", "Order Completed", "--currency", "USD", "--map", "userId=customer", "--map", "timestamp=date",
        "--map", "properties.revenue=amount", "--map", "properties.quantity=cds",
    ]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    assert "1 rejected" in result.output
    assert "'1997013x' is not an ISO-8601 timestamp" in result.output
    from northstar.store import open_store

    store = open_store(str(cli_database))
    assert store.query("SELECT user_id, timestamp, revenue_minor FROM events ORDER BY user_id") == [
        ("00001", datetime(1997, 1, 1), 1177), ("00002", datetime(1997, 1, 12), 1200),
    ]
    store.close()
    refused = CliRunner().invoke(app, ["import", "events", str(path), "--map", "nonsense"])
    assert refused.exit_code == 2
    assert "--map" in refused.output
