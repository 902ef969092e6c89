"""``northstar demo`` end to end: generated, loaded into a real DuckDB file, keyed and summarised."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from northstar.app import Northstar
from northstar.audit import record_cli
from northstar.cli import app
from northstar.config import Settings, get_settings
from northstar.demo.generator import TABLE_ORDER
from northstar.demo.run import run_demo
from northstar.store import open_store

END = date(2026, 3, 15)


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def _counts(database: str) -> dict[str, int]:
    store = open_store(database)
    try:
        return {name: int(store.query(f"SELECT count(*) FROM {name}")[0][0]) for name in (*TABLE_ORDER, "api_keys")}
    finally:
        store.close()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("NORTHSTAR_DATABASE", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("NORTHSTAR_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_small_demo_fills_every_table(settings: Settings) -> None:
    summary = run_demo(_quiet(), suppliers=60, months=4, seed=7, serve=False, end=END)
    counts = _counts(settings.database)
    assert all(counts[name] > 0 for name in TABLE_ORDER), counts
    assert {name: counts[name] for name in TABLE_ORDER} == summary.rows
    assert counts["api_keys"] == 1
    assert summary.key is not None and summary.key.startswith("nsw_")
    assert not summary.replaced
    store = open_store(settings.database)
    try:
        first, last = store.query("SELECT min(timestamp), max(timestamp) FROM events")[0]
        sources = store.query("SELECT DISTINCT source FROM ingest_log")
    finally:
        store.close()
    assert first >= datetime(2025, 11, 15) and last < datetime(2026, 3, 15)
    assert sources == [("demo",)]


def test_a_second_run_replaces_the_first(settings: Settings) -> None:
    first = run_demo(_quiet(), suppliers=60, months=4, seed=7, serve=False, end=END)
    store = open_store(settings.database)
    try:
        # The audit trail is not data: it neither stops the demo nor is cleared by it.
        record_cli(store, "key.create", "someone's key")
        audited = store.query("SELECT count(*) FROM audit_log")[0][0]
    finally:
        store.close()
    second = run_demo(_quiet(), suppliers=60, months=4, seed=7, serve=False, end=END)
    assert second.replaced
    store = open_store(settings.database)
    try:
        assert store.query("SELECT count(*) FROM audit_log")[0][0] >= audited
        assert store.query("SELECT count(*) FROM audit_log WHERE target = ?", ["someone's key"])[0][0] == 1
    finally:
        store.close()
    assert second.rows == first.rows
    counts = _counts(settings.database)
    assert {name: counts[name] for name in TABLE_ORDER} == first.rows
    assert counts["api_keys"] == 1


def test_headline_metrics_are_computed(settings: Settings) -> None:
    summary = run_demo(_quiet(), suppliers=60, months=4, seed=7, serve=False, end=END)
    assert summary.metrics.get("total_users") == f"{summary.rows['users']:,}"


def test_refuses_a_store_with_other_data(settings: Settings) -> None:
    northstar = Northstar(settings)
    northstar.write({"users": [{"user_id": "real-user", "user_type": "supplier"}]}, source="import:users.csv")
    northstar.close()
    console = _quiet()
    with pytest.raises(typer.Exit):
        run_demo(console, suppliers=60, months=2, seed=7, serve=False, end=END)
    assert "not demo data" in " ".join(console.file.getvalue().split())
    assert _counts(settings.database)["users"] == 1


def test_cli_demo_without_serving(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["demo", "--suppliers", "60", "--months", "3", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Write key for the demo" in result.output
    assert _counts(settings.database)["events"] > 0


def test_cli_refuses_an_empty_size_before_touching_the_store(settings: Settings) -> None:
    run_demo(_quiet(), suppliers=60, months=2, seed=7, serve=False, end=END)
    before = _counts(settings.database)
    result = CliRunner().invoke(app, ["demo", "--suppliers", "0", "--no-serve"])
    assert result.exit_code == 2
    assert "suppliers: must be at least 1" in result.output
    assert _counts(settings.database) == before


@pytest.mark.postgres
def test_small_demo_loads_into_postgres(postgres_url: str, settings: Settings) -> None:
    first = run_demo(_quiet(), suppliers=60, months=3, seed=7, serve=False, end=END, database=postgres_url)
    second = run_demo(_quiet(), suppliers=60, months=3, seed=7, serve=False, end=END, database=postgres_url)
    assert second.replaced and second.rows == first.rows
    counts = _counts(postgres_url)
    assert {name: counts[name] for name in TABLE_ORDER} == first.rows
    assert all(count > 0 for count in first.rows.values())
