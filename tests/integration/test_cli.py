"""The ``northstar`` command line, run in-process with Typer's runner against a real DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from northstar.cli import app
from northstar.store.migrate import migrations

runner = CliRunner()


@pytest.fixture
def database(cli_duckdb: Path) -> Path:
    return cli_duckdb


def test_migrate_then_up_to_date(database: Path) -> None:
    first = runner.invoke(app, ["migrate"])
    assert first.exit_code == 0, first.output
    versions = [migration.version for migration in migrations("duckdb")]
    assert versions[0] == 1
    assert f"applied {versions}" in first.output
    second = runner.invoke(app, ["migrate"])
    assert "up to date" in second.output


def test_status_json(database: Path) -> None:
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["backend"] == "duckdb"
    assert report["location"] == str(database.resolve())
    assert report["tables"]["events"] == 0
    assert report["newest_event"] is None
    assert report["rejected"] == 0


def test_keys_create_list_revoke(database: Path) -> None:
    created = runner.invoke(app, ["keys", "create", "--kind", "write", "--name", "web"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    listed = runner.invoke(app, ["keys", "list"])
    assert "web" in listed.output
    assert secret not in listed.output, "a key's secret is shown only once"
    from northstar.store import open_store

    store = open_store(str(database))
    key_id, key_hash = store.query("SELECT key_id, key_hash FROM api_keys")[0]
    store.close()
    assert secret not in key_hash
    revoked = runner.invoke(app, ["keys", "revoke", key_id])
    assert revoked.exit_code == 0, revoked.output
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 1


def test_keys_create_refuses_an_unknown_kind(database: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--kind", "admin", "--name", "x"])
    assert result.exit_code == 2
    assert "kind" in result.output
