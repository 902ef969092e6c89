"""The audit trail: append-only storage on both backends, filters, and the admin API and page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from northstar import audit
from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.errors import InvalidInput, StoreError
from northstar.ingest.keys import create_key
from tests.conftest import LiveServer

T0 = datetime(2026, 3, 2, 9, 0)


def _fill(northstar: Northstar) -> None:
    store = northstar.store
    audit.record(store, "login.failure", actor="anonymous", actor_kind="anonymous", target="ann@example.com",
                 ip="10.0.0.7", at=T0)
    audit.record(store, "login.success", actor="ann@example.com", actor_kind="user", target="ann@example.com",
                 ip="10.0.0.7", at=T0 + timedelta(minutes=1))
    audit.record(store, "export", actor="ann@example.com", actor_kind="user", target="=overview",
                 ip="10.0.0.7", detail={"format": "csv", "rows": 3}, at=T0 + timedelta(minutes=2))
    audit.record(store, "key.create", actor="cli", actor_kind="system", target="k1",
                 detail={"kind": "read", "role": "viewer"}, at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


def test_entries_round_trip_and_filter(northstar: Northstar) -> None:
    _fill(northstar)
    store = northstar.store

    newest = audit.entries(store)
    assert [entry.action for entry in newest] == ["key.create", "export", "login.success", "login.failure"]
    assert newest[0].at == datetime(2026, 3, 2, 10, 0)
    assert newest[1].detail == {"format": "csv", "rows": 3}
    assert newest[3].ip == "10.0.0.7" and newest[3].actor_kind == "anonymous"
    assert newest[0].ip is None and newest[0].detail == {"kind": "read", "role": "viewer"}

    assert [e.action for e in audit.entries(store, action="login")] == ["login.success", "login.failure"]
    assert [e.action for e in audit.entries(store, action="login.failure")] == ["login.failure"]
    assert audit.entries(store, action="log") == []
    assert [e.action for e in audit.entries(store, actor="ann@example.com", newest_first=False)] == [
        "login.success", "export"]
    window = audit.entries(store, since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=2))
    assert [e.action for e in window] == ["login.success"]
    assert [e.action for e in audit.entries(store, limit=1)] == ["key.create"]


def test_bad_arguments_name_the_field(northstar: Northstar) -> None:
    with pytest.raises(InvalidInput) as bad_action:
        audit.record(northstar.store, "Login Success", actor="x", actor_kind="user")
    assert bad_action.value.field == "action"
    with pytest.raises(InvalidInput) as bad_kind:
        audit.record(northstar.store, "login.success", actor="x", actor_kind="robot")  # type: ignore[arg-type]
    assert bad_kind.value.field == "actor_kind"
    with pytest.raises(InvalidInput) as bad_window:
        audit.entries(northstar.store, since=T0, until=T0)
    assert bad_window.value.field == "since"
    assert audit.entries(northstar.store) == []


def test_csv_export_neutralises_formulas(northstar: Northstar) -> None:
    _fill(northstar)
    rows = list(csv.reader(io.StringIO("".join(audit.to_csv(audit.entries(northstar.store, action="export"))))))
    assert rows[0] == ["id", "at", "actor", "actor_kind", "action", "target", "ip", "detail"]
    assert rows[1][1:] == ["2026-03-02T09:02:00Z", "ann@example.com", "user", "export", "'=overview", "10.0.0.7",
                           '{"format":"csv","rows":3}']


@pytest.mark.postgres
def test_postgres_refuses_changes_to_the_log(postgres_url: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=postgres_url))
    try:
        _fill(northstar)
        for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(StoreError, match="audit_log is append-only"):
                northstar.store.execute_write(statement)
        assert [e.actor for e in audit.entries(northstar.store, action="login.success")] == ["ann@example.com"]
        assert len(audit.entries(northstar.store)) == 4
    finally:
        northstar.close()


@pytest.fixture
def locked_server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    """A server that requires credentials (no anonymous role), over a DuckDB file."""
    northstar = Northstar(make_settings(auth={"anonymous_role": None}))
    server = LiveServer(northstar).start()
    yield server
    server.stop()
    northstar.close()


def test_api_lists_and_exports_for_admins_only(locked_server: LiveServer) -> None:
    store = locked_server.northstar.store
    _fill(locked_server.northstar)
    admin_key = create_key(store, "read", "auditor", role="admin")
    executive_key = create_key(store, "read", "board", role="executive")
    with httpx.Client(base_url=locked_server.url, timeout=60) as client:
        assert client.get("/api/v1/audit").status_code == 401
        denied = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {executive_key}"})
        assert denied.status_code == 403

        admin = {"Authorization": f"Bearer {admin_key}"}
        listed = client.get("/api/v1/audit", params={"action": "login"}, headers=admin)
        assert listed.status_code == 200
        body = listed.json()
        assert body["count"] == 2
        assert [(e["action"], e["actor"], e["at"]) for e in body["entries"]] == [
            ("login.success", "ann@example.com", "2026-03-02T09:01:00Z"),
            ("login.failure", "anonymous", "2026-03-02T09:00:00Z"),
        ]
        bad = client.get("/api/v1/audit", params={"since": "2026-03-02T10:00:00", "until": "2026-03-02T09:00:00"},
                         headers=admin)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "since"]

        exported = client.get("/api/v1/audit/export", params={"format": "jsonl", "actor": "ann@example.com"},
                              headers=admin)
        assert exported.status_code == 200
        assert exported.headers["content-type"] == "application/x-ndjson"
        assert exported.headers["content-disposition"] == 'attachment; filename="audit.jsonl"'
        lines = [json.loads(line) for line in exported.text.splitlines()]
        assert [(line["action"], line["target"]) for line in lines] == [
            ("login.success", "ann@example.com"), ("export", "=overview")]

        as_csv = client.get("/api/v1/audit/export", params={"action": "key"}, headers=admin)
        assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
        assert as_csv.text.splitlines()[1].endswith(',key.create,k1,,"{""kind"":""read"",""role"":""viewer""}"')

    recorded = audit.entries(store, action="export", actor="key:auditor")
    assert [(e.target, e.actor_kind, e.ip, e.detail) for e in recorded] == [
        ("audit_log", "read_key", "127.0.0.1", {"format": "csv", "entries": 1}),
        ("audit_log", "read_key", "127.0.0.1", {"format": "jsonl", "entries": 2}),
    ]


def test_admin_page_shows_filtered_entries(make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings())
    server = LiveServer(northstar).start()
    try:
        _fill(northstar)
        page = httpx.get(f"{server.url}/admin/audit", params={"action": "login"})
        assert page.status_code == 200
        assert page.text.count("<code>login.") == 2 and "<code>export</code>" not in page.text
        assert 'href="/api/v1/audit/export?action=login&amp;format=csv"' in page.text
        assert "2026-03-02 09:01:00" in page.text

        wrong = httpx.get(f"{server.url}/admin/audit", params={"since": "yesterday"})
        assert wrong.status_code == 422
        assert "since: is not a date and time" in wrong.text
    finally:
        server.stop()
        northstar.close()


@pytest.mark.parametrize(("trusted", "expected_ip"), [([], "127.0.0.1"), (["127.0.0.0/8"], "203.0.113.9")])
def test_forwarded_address_only_from_a_trusted_proxy(make_settings: Callable[..., Settings], trusted: list[str],
                                                      expected_ip: str) -> None:
    northstar = Northstar(make_settings(security={"trusted_proxies": trusted}))
    server = LiveServer(northstar).start()
    try:
        forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
        assert httpx.get(f"{server.url}/api/v1/audit/export", headers=forwarded, timeout=60).status_code == 200
        assert [entry.ip for entry in audit.entries(northstar.store, action="export")] == [expected_ip]
    finally:
        server.stop()
        northstar.close()
