"""The embedded default backend: one DuckDB file (DESIGN.md, "The stack")."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis

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


class DuckDBStore:
    """A DuckDB database file (or ``:memory:``), shared by the threads of one process.

    DuckDB allows one writing process per file; inside it, each thread reads through its own
    cursor and writes are serialised by a lock (the group-commit writer is the only heavy writer).
    Raises :class:`StoreError` when the file cannot be opened (e.g. another process holds it).
    """

    dialect: Dialect = "duckdb"

    def __init__(self, path: str) -> None:
        self._path = path
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(path)
        except duckdb.IOException as exc:
            raise StoreError(f"cannot open DuckDB file {path}: {exc}") from exc
        self._con.execute("SET TimeZone = 'UTC'")
        # DuckDB draws its own progress bar on long statements; ours (rich) is the only one wanted.
        self._con.execute("SET enable_progress_bar = false")
        self._write_lock = threading.Lock()
        self._local = threading.local()

    @property
    def location(self) -> str:
        return str(Path(self._path).resolve()) if self._path != ":memory:" else ":memory:"

    def migrate(self) -> list[int]:
        with self._write_lock:
            cursor = self._con.cursor()
            cursor.execute(LEDGER_DDL)
            done = {row[0] for row in cursor.execute("SELECT version FROM schema_migrations").fetchall()}
            applied = []
            for migration in migrations(self.dialect):
                if migration.version in done:
                    continue
                cursor.execute("BEGIN TRANSACTION")
                try:
                    for statement in migration.statements:
                        cursor.execute(statement)
                    cursor.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        [migration.version, migration.name, _now()],
                    )
                    cursor.execute("COMMIT")
                except duckdb.Error as exc:
                    cursor.execute("ROLLBACK")
                    raise StoreError(f"migration {migration.version} {migration.name} failed: {exc}") from exc
                applied.append(migration.version)
            return applied

    def write(self, batch: Batch, source: str | None = None) -> WriteResult:
        result = WriteResult()
        with self._write_lock:
            cursor = self._con.cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                for name, rows in batch.items():
                    self._write_table(cursor, name, rows, result)
                if source is not None:
                    self._append_log(cursor, ingest_log_rows(result, source))
                cursor.execute("COMMIT")
            except (duckdb.Error, KeyError, TypeError, ValueError) as exc:
                cursor.execute("ROLLBACK")
                raise StoreError(f"write failed, nothing stored: {exc}") from exc
        return result

    def _write_table(self, cursor: duckdb.DuckDBPyConnection, name: str, rows: Rows, result: WriteResult) -> None:
        staged = stage(name, rows, result)
        if staged is None:
            return
        table, arrow = staged
        cursor.register("_staging", arrow)
        inserted = cursor.execute(insert_sql(table, self.dialect, "_staging")).fetchone()
        cursor.unregister("_staging")
        record_insert(result, table, arrow, int(inserted[0] if inserted else 0))

    @staticmethod
    def _append_log(cursor: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
        if rows:
            cursor.executemany(*log_insert(rows, "?"))

    def reader(self) -> ibis.BaseBackend:
        backend = getattr(self._local, "backend", None)
        if backend is None:
            backend = ibis.duckdb.from_connection(self._con.cursor())
            self._local.backend = backend
        return backend

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._con.cursor()
        return cursor.execute(sql, list(params)).fetchall()

    def execute_write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one small write statement outside the batch path (keys, settings); returns rows changed."""
        with self._write_lock:
            row = self._con.cursor().execute(sql, list(params)).fetchone()
            return int(row[0]) if row else 0

    def raw_connection(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the database, for benchmarks and bulk readers (``read_parquet`` …)."""
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
