"""``northstar metrics`` and ``northstar refresh`` in-process against a real DuckDB file: the JSON is
the API's, the table shows the catalog, --explain prints SQL, refresh fills the snapshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from northstar.app import Northstar
from northstar.cli import app, console
from northstar.config import Settings
from northstar.ingest.keys import create_key
from northstar.metrics.service import service_for
from tests.conftest import LiveServer

runner = CliRunner()
DAY = datetime(2026, 3, 10, 9)


@pytest.fixture
def database(cli_duckdb: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = cli_duckdb
    monkeypatch.setenv("COLUMNS", "200")
    northstar = Northstar(Settings(database=str(path)))
    northstar.write({
        "users": [{"user_id": "s1", "user_type": "supplier", "created_at": DAY, "first_seen_at": DAY},
                  {"user_id": "c1", "user_type": "couple", "created_at": DAY, "first_seen_at": DAY}],
        "events": [{"message_id": "e1", "type": "page", "user_id": "s1", "timestamp": DAY, "received_at": DAY}],
    }, source="test")
    northstar.close()
    yield path


def test_json_is_the_api_answer(database: Path) -> None:
    result = runner.invoke(app, ["metrics", "dau_rate", "--date", "2026-03-10", "--timeframe", "7d", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    northstar = Northstar(Settings(database=str(database)))
    key = create_key(northstar.store, "read", "cli parity", role="viewer")
    server = LiveServer(northstar).start()
    try:
        answer = httpx.get(f"{server.url}/api/v1/metrics/dau_rate", params={"date": "2026-03-10", "timeframe": "7d"},
                           headers={"Authorization": f"Bearer {key}"})
    finally:
        server.stop()
        northstar.close()
    assert result.output.strip() == answer.text
    assert printed == answer.json()
    assert printed["value"] == 0.5                     # s1 of s1, c1
    suppliers = runner.invoke(app, ["metrics", "dau_rate", "--date", "2026-03-10", "--user-type", "supplier", "--json"])
    assert json.loads(suppliers.output)["value"] == 1


def test_table_explain_and_errors(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A terminal wide enough for the whole table (Rich squeezes columns to fit a narrow one).
    monkeypatch.setattr(console, "width", 160)
    table = runner.invoke(app, ["metrics", "--date", "2026-03-10"])
    assert table.exit_code == 0, table.output
    assert "total_users" in table.output and "dau_rate" in table.output and "50.0%" in table.output
    sql = runner.invoke(app, ["metrics", "dau", "--date", "2026-03-10", "--explain"])
    assert sql.exit_code == 0, sql.output
    assert sql.output.startswith("-- dau on 2026-03-10 over 30d (duckdb)") and "SELECT" in sql.output
    unknown = runner.invoke(app, ["metrics", "happiness"])
    assert unknown.exit_code == 2 and "unknown metric 'happiness'" in unknown.output
    bad = runner.invoke(app, ["metrics", "--json"])
    assert bad.exit_code == 2 and "name:" in bad.output


def test_refresh_fills_the_snapshot(database: Path) -> None:
    northstar = Northstar(Settings(database=str(database)))
    today = service_for(northstar).today()
    northstar.close()
    since = today - timedelta(days=1)
    first = runner.invoke(app, ["refresh", "--since", since.isoformat()])
    assert first.exit_code == 0, first.output
    assert f"range: 2 days ({since} to {today})" in first.output
    northstar = Northstar(Settings(database=str(database)))
    try:
        rows = northstar.store.query("SELECT day, value_text FROM metric_snapshots WHERE metric = 'total_users' "
                                     "ORDER BY day")
    finally:
        northstar.close()
    assert rows == [(since, "2"), (today, "2")]
    future = runner.invoke(app, ["refresh", "--since", (today + timedelta(days=1)).isoformat()])
    assert future.exit_code == 2 and "since:" in future.output
