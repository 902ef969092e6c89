"""The store on both backends: migrations match the declared schema, write semantics hold."""

from __future__ import annotations

from datetime import datetime

import pytest

from northstar.app import Northstar
from northstar.domain.errors import StoreError
from northstar.store import open_store
from northstar.store.migrate import migrations
from northstar.store.schema import TABLES
from northstar.store.status import store_status

T0 = datetime(2026, 3, 1, 9, 30)


def _columns(store, table: str) -> list[str]:
    rows = store.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = current_schema() ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in rows]


def test_migrations_create_exactly_the_declared_tables(northstar: Northstar) -> None:
    for table in TABLES:
        assert _columns(northstar.store, table.name) == list(table.column_names), table.name
    versions = [row[0] for row in northstar.store.query("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [migration.version for migration in migrations(northstar.store.dialect)]


def test_migrate_twice_applies_nothing(northstar: Northstar) -> None:
    assert northstar.store.migrate() == []


def test_events_are_idempotent_by_message_id(northstar: Northstar) -> None:
    event = {"message_id": "m-1", "type": "track", "event": "Form Created", "user_id": "u1",
             "timestamp": T0, "received_at": T0}
    first = northstar.write({"events": [event, event]}, source="test")
    again = northstar.write({"events": [{**event, "event": "Changed"}]}, source="test")
    assert first.inserted == {"events": 1}
    assert again.inserted.get("events", 0) == 0
    assert northstar.store.query("SELECT event FROM events") == [("Form Created",)]


def test_merge_policy_completes_records_without_losing_values(northstar: Northstar) -> None:
    sent = {"invitation_id": "i1", "inviter_id": "s1", "inviter_type": "supplier", "sent_at": T0}
    accepted = {"invitation_id": "i1", "inviter_id": "s1", "invitee_id": "c1",
                "sent_at": datetime(2026, 3, 5), "accepted_at": datetime(2026, 3, 2)}
    northstar.write({"invitations": [sent]}, source="test")
    northstar.write({"invitations": [accepted]}, source="test")
    row = northstar.store.query("SELECT inviter_type, invitee_id, sent_at, accepted_at FROM invitations")
    # sent_at keeps the earliest value (merge rule "least"); later fields fill in; inviter_type survives.
    assert row == [("supplier", "c1", T0, datetime(2026, 3, 2))]


def test_user_traits_merge_and_first_seen_is_the_earliest(northstar: Northstar) -> None:
    northstar.write({"users": [{"user_id": "u1", "user_type": "couple", "first_seen_at": T0,
                                "traits": {"a": 1, "b": 1}}]}, source="test")
    northstar.write({"users": [{"user_id": "u1", "plan": "pro", "first_seen_at": datetime(2026, 2, 1),
                                "traits": {"b": 2}}]}, source="test")
    user_type, plan, first_seen, traits = northstar.store.query(
        "SELECT user_type, plan, first_seen_at, traits FROM users")[0]
    assert (user_type, plan, first_seen) == ("couple", "pro", datetime(2026, 2, 1))
    import json

    assert (traits if isinstance(traits, dict) else json.loads(traits)) == {"a": 1, "b": 2}


def test_a_failed_write_stores_nothing(northstar: Northstar) -> None:
    northstar.write({"users": [{"user_id": "keep", "first_seen_at": T0}]}, source="test")
    before = northstar.store.query("SELECT * FROM users ORDER BY user_id")
    with pytest.raises(StoreError):
        # The users row is valid; the event lacks the required timestamp: the whole batch fails.
        northstar.write({"users": [{"user_id": "new", "first_seen_at": T0}],
                         "events": [{"message_id": "x", "type": "track", "received_at": T0}]}, source="test")
    assert northstar.store.query("SELECT * FROM users ORDER BY user_id") == before
    assert northstar.store.query("SELECT count(*) FROM events") == [(0,)]


def test_ingest_log_records_dated_commits_in_the_same_transaction(northstar: Northstar) -> None:
    events = [{"message_id": f"m{i}", "type": "track", "event": "X", "user_id": "u",
               "timestamp": datetime(2026, 1, 1 + i), "received_at": T0} for i in range(3)]
    northstar.write({"events": events}, source="api:test")
    log = northstar.store.query("SELECT source, table_name, rows_written, min_time, max_time FROM ingest_log")
    assert log == [("api:test", "events", 3, datetime(2026, 1, 1), datetime(2026, 1, 3))]
    assert northstar.data_version == 1
    northstar.write({"events": events}, source="api:test")
    assert northstar.data_version == 1, "a write that stored nothing new is not a new data version"


def test_status_reports_counts_and_newest_event(northstar: Northstar) -> None:
    northstar.write({"events": [{"message_id": "m", "type": "track", "event": "X", "user_id": "u",
                                 "timestamp": T0, "received_at": T0}]}, source="test")
    report = store_status(northstar.store)
    assert report["backend"] == northstar.store.dialect
    assert report["tables"]["events"] == 1
    assert report["tables"]["users"] == 0
    assert report["newest_event"] == T0
    assert report["rejected"] == 0


def test_unknown_table_is_refused(northstar: Northstar) -> None:
    with pytest.raises(StoreError, match="nope"):
        northstar.write({"nope": []}, source="test")


def test_a_second_process_cannot_open_a_busy_duckdb_file(tmp_path) -> None:
    import subprocess
    import sys

    path = tmp_path / "busy.duckdb"
    store = open_store(str(path))
    probe = subprocess.run(
        [sys.executable, "-c", f"from northstar.store import open_store; open_store({str(path)!r})"],
        capture_output=True, text=True, check=False,
    )
    store.close()
    assert probe.returncode != 0
    assert "cannot open DuckDB file" in probe.stderr
