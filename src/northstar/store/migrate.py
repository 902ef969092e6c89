"""Versioned migrations: ``store/sql/NNNN_name.<dialect>.sql``, applied in order, each once.

A migration file is frozen once it has landed; a schema change is a new file. The test
``tests/integration/test_store.py`` checks that the migrated tables equal ``store/schema.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from northstar.store.ddl import Dialect

_FILE = re.compile(r"^(\d{4})_(\w+)\.(duckdb|postgres)\.sql$")

LEDGER_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at TIMESTAMP NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration: its version, name and the SQL statements of one dialect."""

    version: int
    name: str
    statements: tuple[str, ...]


def migrations(dialect: Dialect) -> list[Migration]:
    """All migrations shipped for ``dialect``, in version order."""
    found: list[Migration] = []
    for entry in resources.files("northstar.store.sql").iterdir():
        match = _FILE.match(entry.name)
        if not match or match.group(3) != dialect:
            continue
        text = entry.read_text(encoding="utf-8")
        statements = tuple(part.strip() for part in text.split(";") if _has_sql(part))
        found.append(Migration(int(match.group(1)), match.group(2), statements))
    return sorted(found, key=lambda migration: migration.version)


def _has_sql(part: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())
