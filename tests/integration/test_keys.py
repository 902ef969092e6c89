"""API keys on both backends: created once, stored hashed, listed, verified, revoked; and the CLI."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime

import pytest
from typer.testing import CliRunner

from northstar.app import Northstar
from northstar.cli import app
from northstar.config import get_settings
from northstar.domain.errors import InvalidInput
from northstar.ingest.keys import create_key, list_keys, revoke_key, verify_key


def test_a_key_is_returned_once_and_stored_as_a_hash(northstar: Northstar) -> None:
    secret = create_key(northstar.store, "write", "website")
    assert secret.startswith("nsw_") and len(secret) == 4 + 43
    [(prefix, key_hash, kind)] = northstar.store.query("SELECT prefix, key_hash, kind FROM api_keys")
    assert (prefix, key_hash, kind) == (secret[:12], hashlib.sha256(secret.encode()).hexdigest(), "write")
    assert create_key(northstar.store, "read", "board", role="viewer").startswith("nsr_")


def test_list_keys_in_order_without_secrets(northstar: Northstar) -> None:
    write = create_key(northstar.store, "write", "website")
    read = create_key(northstar.store, "read", "board", role="viewer")
    keys = list_keys(northstar.store)
    assert [list(key) for key in keys] == [["id", "name", "kind", "role", "prefix", "created_at", "revoked_at"]] * 2
    assert [(k["name"], k["kind"], k["role"], k["prefix"], k["revoked_at"]) for k in keys] == [
        ("website", "write", None, write[:12], None), ("board", "read", "viewer", read[:12], None)]
    assert all(isinstance(key["created_at"], datetime) for key in keys)


def test_verify_then_revoke(northstar: Northstar) -> None:
    secret = create_key(northstar.store, "write", "website")
    key = verify_key(northstar.store, secret, "write")
    assert key is not None and (key["name"], key["kind"], key["prefix"]) == ("website", "write", secret[:12])
    assert verify_key(northstar.store, secret, "read") is None
    assert verify_key(northstar.store, secret + "x", "write") is None
    assert verify_key(northstar.store, None, "write") is None
    assert revoke_key(northstar.store, key["id"]) is True
    assert verify_key(northstar.store, secret, "write") is None, "a revoked key stops working at once"
    assert revoke_key(northstar.store, key["id"]) is False
    assert revoke_key(northstar.store, "no-such-key") is False
    [listed] = list_keys(northstar.store)
    assert isinstance(listed["revoked_at"], datetime)


@pytest.mark.parametrize(("kind", "name", "field"), [("admin", "x", "kind"), ("write", "  ", "name")])
def test_bad_kind_or_name_is_refused(northstar: Northstar, kind: str, name: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_key(northstar.store, kind, name)
    assert caught.value.field == field
    assert list_keys(northstar.store) == []


@pytest.fixture
def cli_database(database: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NORTHSTAR_DATABASE", database)
    monkeypatch.setenv("NORTHSTAR_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


def test_cli_create_list_revoke(cli_database: str, make_settings) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--kind", "write", "--name", "web"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("nsw_")
    listed = runner.invoke(app, ["keys", "list"], terminal_width=200)
    assert listed.exit_code == 0 and "web" in listed.output and secret[:12] in listed.output
    assert secret not in listed.output
    northstar = Northstar(make_settings(database=cli_database))
    try:
        [key] = list_keys(northstar.store)
        assert verify_key(northstar.store, secret, "write")["id"] == key["id"]
        revoked = runner.invoke(app, ["keys", "revoke", key["id"]])
        assert revoked.exit_code == 0, revoked.output
        assert list_keys(northstar.store)[0]["revoked_at"] is not None
    finally:
        northstar.close()
    assert runner.invoke(app, ["keys", "revoke", key["id"]]).exit_code == 1
