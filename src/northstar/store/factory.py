"""Open the store that a ``database`` setting names."""

from __future__ import annotations

from northstar.store.base import Store


def open_store(database: str, migrate: bool = True) -> Store:
    """A :class:`Store` for ``database``: a ``postgresql://`` URL selects PostgreSQL, anything else
    is a DuckDB file path. Pending migrations are applied unless ``migrate`` is false.

    Raises :class:`northstar.domain.errors.StoreError` when the database cannot be opened.
    """
    store: Store
    if database.startswith(("postgresql://", "postgres://")):
        from northstar.store.postgres_store import PostgresStore

        store = PostgresStore(database)
    else:
        from northstar.store.duckdb_store import DuckDBStore

        store = DuckDBStore(database)
    if migrate:
        store.migrate()
    return store
