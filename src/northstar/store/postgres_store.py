"""The server backend: PostgreSQL through psycopg 3 (DESIGN.md, "The stack")."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ibis
import psycopg
from psycopg import sql as pgsql

from northstar.domain.errors import StoreError
from northstar.store.base import (
    Batch,
    Rows,
    WriteResult,
    ingest_log_rows,
    insert_sql,
    log_insert,
    record_insert,
    stage,
)
from northstar.store.ddl import Dialect
from northstar.store.migrate import LEDGER_DDL, migrations

# Serialises migrations between processes that start together (any constant works).
_MIGRATION_LOCK_ID = 0x4E5354


class PostgresStore:
    """A PostgreSQL database given by a ``postgresql://`` URL.

    Writes stage rows with ``COPY`` into a temporary table and merge them with one
    ``INSERT … ON CONFLICT`` per table, all in one transaction. Each thread reads through its own
    connection. Raises :class:`StoreError` when the server cannot be reached.
    """

    dialect: Dialect = "postgres"

    def __init__(self, url: str) -> None:
        self._url = url
        self._local = threading.local()
        self._write_lock = threading.Lock()
        # Every thread's reader connection, so that close() can release them all.
        self._readers: list[psycopg.Connection] = []
        self._readers_lock = threading.Lock()
        try:
            self._writer = psycopg.connect(url, autocommit=False)
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {self.location}: {exc}") from exc
        with self._writer.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        self._writer.commit()

    @property
    def location(self) -> str:
        parts = urlsplit(self._url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        if parts.username:
            netloc = f"{parts.username}@{netloc}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def migrate(self) -> list[int]:
        applied = []
        with self._write_lock, self._writer.cursor() as cursor:
            try:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK_ID])
                cursor.execute(LEDGER_DDL)
                cursor.execute("SELECT version FROM schema_migrations")
                done = {row[0] for row in cursor.fetchall()}
                for migration in migrations(self.dialect):
                    if migration.version in done:
                        continue
                    for statement in migration.statements:
                        cursor.execute(statement)
                    cursor.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                        [migration.version, migration.name, _now()],
                    )
                    applied.append(migration.version)
                self._writer.commit()
            except psycopg.Error as exc:
                self._writer.rollback()
                raise StoreError(f"migration failed: {exc}") from exc
        return applied

    def write(self, batch: Batch, source: str | None = None) -> WriteResult:
        result = WriteResult()
        with self._write_lock:
            try:
                with self._writer.cursor() as cursor:
                    for name, rows in batch.items():
                        self._write_table(cursor, name, rows, result)
                    if source is not None:
                        self._append_log(cursor, ingest_log_rows(result, source))
                self._writer.commit()
            except (psycopg.Error, KeyError, TypeError, ValueError) as exc:
                self._writer.rollback()
                raise StoreError(f"write failed, nothing stored: {exc}") from exc
        return result

    def _write_table(self, cursor: psycopg.Cursor, name: str, rows: Rows, result: WriteResult) -> None:
        staged = stage(name, rows, result)
        if staged is None:
            return
        table, arrow = staged
        staging = f"_staging_{name}"
        cursor.execute(
            pgsql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(
                pgsql.Identifier(staging), pgsql.Identifier(name)
            )
        )
        copy_sql = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(staging),
            pgsql.SQL(", ").join(pgsql.Identifier(column) for column in arrow.column_names),
        )
        with cursor.copy(copy_sql) as copy:
            for values in zip(*(column.to_pylist() for column in arrow.columns), strict=True):
                copy.write_row(values)
        cursor.execute(insert_sql(table, self.dialect, staging))
        inserted = max(cursor.rowcount, 0)
        cursor.execute(pgsql.SQL("DROP TABLE {}").format(pgsql.Identifier(staging)))
        record_insert(result, table, arrow, inserted)

    @staticmethod
    def _append_log(cursor: psycopg.Cursor, rows: list[dict[str, Any]]) -> None:
        if rows:
            cursor.executemany(*log_insert(rows, "%s"))

    def reader(self) -> ibis.BaseBackend:
        backend = getattr(self._local, "backend", None)
        if backend is None:
            backend = ibis.postgres.from_connection(self._connect_reader())
            self._local.backend = backend
        return backend

    def _reader_connection(self) -> psycopg.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = self._local.connection = self._connect_reader()
        return connection

    def _connect_reader(self) -> psycopg.Connection:
        connection = psycopg.connect(self._url, autocommit=True)
        connection.execute("SET TIME ZONE 'UTC'")
        with self._readers_lock:
            self._readers.append(connection)
        return connection

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._reader_connection().cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), list(params))
            return cursor.fetchall() if cursor.description else []

    def execute_write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one small write statement outside the batch path (keys, settings); returns rows changed."""
        with self._write_lock, self._writer.cursor() as cursor:
            try:
                cursor.execute(sql.replace("?", "%s"), list(params))
                self._writer.commit()
            except psycopg.Error as exc:
                self._writer.rollback()
                raise StoreError(str(exc)) from exc
            return max(cursor.rowcount, 0)

    def close(self) -> None:
        self._writer.close()
        with self._readers_lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
