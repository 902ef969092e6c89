"""Secrets Northstar generates once and keeps in the store (``app_secrets``), so that every
process serving the same store, and every restart, uses the same ones."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from northstar.store.base import Store


def app_secret(store: Store, name: str = "signing_key") -> str:
    """The secret called ``name`` (64 hex characters, 256 bits), generated and stored on first use.

    Two processes racing to create it end up with the one that was stored first."""
    rows = store.query("SELECT value FROM app_secrets WHERE name = ?", [name])
    if rows:
        return rows[0][0]
    store.write({"app_secrets": [{"name": name, "value": secrets.token_hex(32),
                                  "created_at": datetime.now(UTC).replace(tzinfo=None)}]})
    return store.query("SELECT value FROM app_secrets WHERE name = ?", [name])[0][0]
