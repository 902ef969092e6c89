"""Each audited action leaves its entry: who (actor and kind), what (action, target, detail) and
from which IP — driven through a real server as a signed-in admin, and through the CLI."""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from northstar import audit
from northstar.app import Northstar
from northstar.auth.users import create_user
from northstar.config import Settings
from tests.conftest import LiveServer

PASSWORD = "correct horse battery staple"
ADMIN = "ada@example.com"


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    northstar = Northstar(make_settings(auth={"anonymous_role": None}))
    create_user(northstar.store, ADMIN, "admin", PASSWORD)
    create_user(northstar.store, "vic@example.com", "viewer", PASSWORD)
    live = LiveServer(northstar).start()
    yield live
    live.stop()
    northstar.close()


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    """Post the sign-in form (with its CSRF token, which the client then sends on every request)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.headers["X-CSRF-Token"] = token.group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})


def only(store, action: str) -> audit.AuditEntry:  # type: ignore[no-untyped-def]
    """The single entry of ``action``."""
    found = audit.entries(store, action=action)
    assert len(found) == 1, [(entry.action, entry.target) for entry in found]
    return found[0]


def test_sign_in_and_out(server: LiveServer) -> None:
    store = server.northstar.store
    with httpx.Client(base_url=server.url, timeout=120) as client:
        assert sign_in(client, ADMIN, "wrong password").status_code == 401
        assert sign_in(client, ADMIN).status_code == 303
        assert client.post("/logout").status_code == 303
    failure, success, logout = only(store, "login.failure"), only(store, "login.success"), only(store, "logout")
    assert (failure.target, failure.ip) == (ADMIN, "127.0.0.1")
    assert (success.actor, success.actor_kind, success.target, success.ip) == (ADMIN, "anonymous", ADMIN, "127.0.0.1")
    assert (logout.actor, logout.actor_kind) == (ADMIN, "user")
    assert failure.at <= success.at <= logout.at


def test_financial_views(server: LiveServer) -> None:
    store = server.northstar.store
    with httpx.Client(base_url=server.url, timeout=120) as viewer:
        sign_in(viewer, "vic@example.com")
        assert viewer.get("/api/v1/metrics/mrr").status_code == 403
        assert viewer.get("/api/v1/metrics/overview").status_code == 200
        assert viewer.get("/api/v1/metrics/dau").status_code == 200
        assert viewer.get("/revenue").status_code == 200
    assert audit.entries(store, action="metric") == []
    with httpx.Client(base_url=server.url, timeout=120) as admin:
        sign_in(admin, ADMIN)
        assert admin.get("/api/v1/metrics/mrr").status_code == 200
        assert admin.get("/api/v1/metrics/overview", params={"timeframe": "7d"}).status_code == 200
        assert admin.get("/api/v1/metrics/overview", params={"timeframe": "2w"}).status_code == 422
        assert admin.get("/revenue").status_code == 200
        assert admin.get("/viral").status_code == 200
    views = audit.entries(store, action="metric.view_financial", newest_first=False)
    assert [(entry.target, entry.actor, entry.actor_kind) for entry in views] == [
        ("mrr", ADMIN, "user"), ("/api/v1/metrics/overview", ADMIN, "user"), ("/revenue", ADMIN, "user")]
    assert views[1].detail == {"query": "timeframe=7d"}


def test_user_and_key_changes(server: LiveServer) -> None:
    store = server.northstar.store
    with httpx.Client(base_url=server.url, timeout=120) as admin:
        sign_in(admin, ADMIN)
        created = admin.post("/api/v1/admin/users", json={"email": "bob@example.com", "role": "viewer"})
        assert created.status_code == 201, created.text
        bob = created.json()["user"]["id"]
        assert admin.patch(f"/api/v1/admin/users/{bob}", json={"role": "analyst"}).status_code == 200
        assert admin.patch(f"/api/v1/admin/users/{bob}", json={"disabled": True}).status_code == 200
        key = admin.post("/api/v1/admin/keys", json={"kind": "read", "name": "bi", "role": "analyst"})
        assert key.status_code == 201, key.text
        key_id = key.json()["listing"]["id"]
        assert admin.delete(f"/api/v1/admin/keys/{key_id}").status_code == 204
        exported = admin.get("/api/v1/audit/export", params={"format": "jsonl", "action": "user"})
        assert exported.status_code == 200
    assert [line.count('"action":"user.') for line in exported.text.splitlines()] == [1, 1, 1]
    assert (only(store, "user.create").target, only(store, "user.create").detail) == (
        "bob@example.com", {"role": "viewer"})
    assert only(store, "user.role_change").detail == {"role": "analyst"}
    assert only(store, "user.disable").target == "bob@example.com"
    assert (only(store, "key.create").target, only(store, "key.create").detail) == (
        key_id, {"kind": "read", "name": "bi", "role": "analyst"})
    assert only(store, "key.revoke").target == key_id
    export = only(store, "export")
    assert (export.target, export.actor, export.detail) == ("audit_log", ADMIN, {"format": "jsonl", "entries": 3})
    assert {entry.ip for entry in audit.entries(store)} == {"127.0.0.1"}


def test_alert_rule_changes(server: LiveServer) -> None:
    store = server.northstar.store
    alerts = "/api/v1/metrics/alerts"
    with httpx.Client(base_url=server.url, timeout=120) as admin:
        sign_in(admin, ADMIN)
        made = admin.post(alerts, json={"name": "Error rate high", "metric_name": "error_rate",
                                        "comparison": ">", "threshold_value": 0.1})
        assert made.status_code == 201, made.text
        rule = made.json()["id"]
        assert admin.patch(f"{alerts}/{rule}", json={"threshold_value": 0.2}).status_code == 200
        assert admin.delete(f"{alerts}/{rule}").status_code == 204
    created, updated, deleted = only(store, "alert.create"), only(store, "alert.update"), only(store, "alert.delete")
    assert (created.target, created.actor, created.detail["metric_name"]) == (rule, ADMIN, "error_rate")
    assert (updated.target, updated.detail["fields"]) == (rule, ["threshold_value"])
    assert deleted.target == rule


def test_cli_changes_are_recorded(cli_duckdb: Path, make_settings: Callable[..., Settings]) -> None:
    from northstar.cli import app

    runner = CliRunner()
    actor = f"cli:{getpass.getuser()}"
    created = runner.invoke(app, ["keys", "create", "--kind", "read", "--name", "bi", "--role", "analyst"])
    assert created.exit_code == 0, created.output
    made = runner.invoke(app, ["users", "create", "--email", "cy@example.com", "--role", "viewer",
                               "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["users", "set-role", "cy@example.com", "analyst"]).exit_code == 0
    assert runner.invoke(app, ["users", "disable", "cy@example.com"]).exit_code == 0
    northstar = Northstar(make_settings(database=str(cli_duckdb)))
    try:
        store = northstar.store
        key_id = store.query("SELECT key_id FROM api_keys")[0][0]
        assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
        assert (only(store, "key.create").target, only(store, "key.create").detail) == (
            key_id, {"kind": "read", "name": "bi", "role": "analyst"})
        assert only(store, "key.revoke").target == key_id
        assert (only(store, "user.create").target, only(store, "user.create").detail) == (
            "cy@example.com", {"role": "viewer"})
        assert only(store, "user.role_change").detail == {"role": "analyst"}
        assert only(store, "user.disable").target == "cy@example.com"
        entries = audit.entries(store)
        assert {(entry.actor, entry.actor_kind, entry.ip) for entry in entries} == {(actor, "system", None)}
    finally:
        northstar.close()


def test_exports_are_recorded(server: LiveServer) -> None:
    store = server.northstar.store
    with httpx.Client(base_url=server.url, timeout=120) as analyst:
        create_user(store, "ann@example.com", "analyst", PASSWORD)
        sign_in(analyst, "ann@example.com")
        table = analyst.get("/api/v1/metrics/export", params={"metrics": "dau,wau", "start": "2026-03-01",
                                                               "end": "2026-03-02", "grain": "day"})
        assert table.status_code == 200, table.text
        chart = analyst.get("/charts/metric.series.csv", params={"metric": "dau", "start": "2026-03-01",
                                                                 "end": "2026-03-02"})
        assert chart.status_code == 200, chart.text
        assert analyst.get("/charts/metric.series.json", params={"metric": "dau"}).status_code == 200
    exports = audit.entries(store, action="export", newest_first=False)
    assert [(entry.target, entry.actor, entry.detail) for entry in exports] == [
        ("dau,wau", "ann@example.com", {"format": "csv"}),
        ("metric.series", "ann@example.com", {"format": "csv", "metric": "dau"}),
    ]
