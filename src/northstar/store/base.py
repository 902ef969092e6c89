"""The :class:`Store` protocol every backend implements, and the write semantics they share.

A *batch* maps table names to rows (``list[dict]`` or a ``pyarrow.Table`` whose columns are a
subset of the table's). :meth:`Store.write` commits a whole batch in one transaction or nothing
at all, applying each table's conflict policy (``store/schema.py``): ``ignore`` keeps the stored
row (idempotent facts), ``merge`` combines the rows column by column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol, runtime_checkable

import ibis
import orjson
import pyarrow as pa

from northstar.store.ddl import Dialect
from northstar.store.schema import TABLES_BY_NAME, Column, Table

Rows = Sequence[Mapping[str, Any]] | pa.Table
Batch = Mapping[str, Rows]


@dataclass(slots=True)
class WriteResult:
    """What one committed batch did: rows offered and rows new to the store, per table, and the
    earliest and latest instant each table's rows touched (for incremental refresh)."""

    offered: dict[str, int] = field(default_factory=dict)
    inserted: dict[str, int] = field(default_factory=dict)
    time_range: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)

    @property
    def total_inserted(self) -> int:
        return sum(self.inserted.values())


@runtime_checkable
class Store(Protocol):
    """A backend: DuckDB (embedded default) or PostgreSQL. Spark reads exports (DESIGN.md, Scale)."""

    dialect: Dialect

    @property
    def location(self) -> str:
        """Where the data lives, without credentials (a file path or a URL)."""

    def migrate(self) -> list[int]:
        """Apply pending migrations; returns the versions applied now (empty when up to date)."""

    def write(self, batch: Batch, source: str | None = None) -> WriteResult:
        """Commit ``batch`` in one transaction; raises :class:`StoreError` and stores nothing on failure.

        With a ``source``, the same transaction appends one ``ingest_log`` row per table that
        received rows, so what was written and when it is dated are never out of step."""

    def execute_write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one small write statement (``?`` placeholders) outside the batch path, committed at
        once (keys, demo replacement); returns the rows changed."""

    def reader(self) -> ibis.BaseBackend:
        """An Ibis backend for reads, private to the calling thread."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one small parameterised statement (``?`` placeholders) and return its rows."""

    def close(self) -> None:
        """Release connections."""


def arrow_type(column: Column) -> pa.DataType:
    """The Arrow type rows of ``column`` are staged as (JSON travels as text)."""
    return {
        "text": pa.string(), "json": pa.string(), "bigint": pa.int64(), "integer": pa.int32(),
        "double": pa.float64(), "boolean": pa.bool_(), "timestamp": pa.timestamp("us"), "date": pa.date32(),
    }[column.type]


def to_arrow(table: Table, rows: Rows) -> pa.Table:
    """``rows`` as an Arrow table holding every column of ``table`` in order (absent ones NULL).

    JSON values that are not text yet are serialised. Raises ``KeyError`` for an unknown column.
    """
    schema = pa.schema([pa.field(column.name, arrow_type(column)) for column in table.columns])
    if isinstance(rows, pa.Table):
        unknown = set(rows.column_names) - set(table.column_names)
        if unknown:
            raise KeyError(f"{table.name} has no columns {sorted(unknown)}")
        arrays = [
            rows.column(column.name).cast(arrow_type(column)) if column.name in rows.column_names
            else pa.nulls(rows.num_rows, arrow_type(column))
            for column in table.columns
        ]
        return pa.Table.from_arrays(arrays, schema=schema)
    names = set(table.column_names)
    for row in rows:
        unknown = row.keys() - names
        if unknown:
            raise KeyError(f"{table.name} has no columns {sorted(unknown)}")
    # Column by column: several times faster than pa.Table.from_pylist for the HTTP batch path.
    arrays = []
    for column in table.columns:
        values = [row.get(column.name) for row in rows]
        if column.type == "json":
            values = [_json_text(value) for value in values]
        arrays.append(pa.array(values, type=arrow_type(column)))
    return pa.Table.from_arrays(arrays, schema=schema)


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


def merge_rows(table: Table, stored: Mapping[str, Any], incoming: Mapping[str, Any]) -> dict[str, Any]:
    """The row that results from writing ``incoming`` over ``stored`` under ``table``'s merge rules.

    This is the reference for what the backends' ``ON CONFLICT`` clauses do; it is used to fold
    several rows with one key inside a batch before they reach the database.
    """
    out = dict(stored)
    for column in table.columns:
        old, new = stored.get(column.name), incoming.get(column.name)
        if new is None:
            continue
        if old is None or column.merge == "new":
            out[column.name] = new
        elif column.merge == "least":
            out[column.name] = min(old, new)
        elif column.merge == "greatest":
            out[column.name] = max(old, new)
        elif column.merge == "merge":
            out[column.name] = {**_as_object(old), **_as_object(new)}
    return out


def _as_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value) if isinstance(value, Mapping) else {}


def fold_duplicates(table: Table, rows: Rows) -> Rows:
    """Rows of a ``merge`` table with one row per key, later rows merged over earlier ones.

    ``ignore`` tables are returned unchanged: their in-batch duplicates are dropped by the
    backends' ``DISTINCT ON`` while staging.
    """
    if table.conflict != "merge":
        return rows
    listed = rows.to_pylist() if isinstance(rows, pa.Table) else rows
    folded: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in listed:
        key = tuple(row.get(name) for name in table.key)
        folded[key] = merge_rows(table, folded[key], row) if key in folded else dict(row)
    return list(folded.values())


def insert_sql(table: Table, dialect: Dialect, staging: str) -> str:
    """``INSERT … SELECT DISTINCT ON (key) … FROM staging ON CONFLICT …`` for ``table``."""
    columns = ", ".join(table.column_names)
    key = ", ".join(table.key)
    select = f"SELECT DISTINCT ON ({key}) {columns} FROM {staging}"
    if table.conflict == "ignore":
        return f"INSERT INTO {table.name} ({columns}) {select} ON CONFLICT ({key}) DO NOTHING"
    updates = ", ".join(
        f"{column.name} = {_merge_expression(table.name, column, dialect)}"
        for column in table.columns
        if column.name not in table.key
    )
    return f"INSERT INTO {table.name} ({columns}) {select} ON CONFLICT ({key}) DO UPDATE SET {updates}"


def _merge_expression(table_name: str, column: Column, dialect: Dialect) -> str:
    old, new = f"{table_name}.{column.name}", f"EXCLUDED.{column.name}"
    if column.merge == "keep":
        return f"COALESCE({old}, {new})"
    if column.merge in ("least", "greatest"):
        function = column.merge.upper()
        return f"COALESCE({function}({old}, {new}), {old}, {new})"
    if column.merge == "merge":
        if dialect == "duckdb":
            return f"json_merge_patch(COALESCE({old}, '{{}}'), COALESCE({new}, '{{}}'))"
        return f"COALESCE({old}, '{{}}'::jsonb) || COALESCE({new}, '{{}}'::jsonb)"
    return f"COALESCE({new}, {old})"


def time_range(table: Table, arrow: pa.Table) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest value of ``table``'s dating column in ``arrow`` (``None`` when undated)."""
    from northstar.store.schema import TIME_COLUMN

    name = TIME_COLUMN.get(table.name)
    if name is None or arrow.num_rows == 0:
        return (None, None)
    import pyarrow.compute as pc

    bounds = pc.min_max(arrow.column(name)).as_py()
    low, high = bounds["min"], bounds["max"]
    if isinstance(low, date) and not isinstance(low, datetime):
        low = datetime(low.year, low.month, low.day)
        high = datetime(high.year, high.month, high.day)
    return (low, high)


def ingest_log_rows(result: WriteResult, source: str) -> list[dict[str, Any]]:
    """``ingest_log`` rows describing ``result``: one per dated table that received rows."""
    import uuid

    committed_at = datetime.now(UTC).replace(tzinfo=None)
    return [
        {
            "commit_id": uuid.uuid4().hex, "committed_at": committed_at, "source": source,
            "table_name": table, "rows_written": inserted,
            "min_time": result.time_range.get(table, (None, None))[0],
            "max_time": result.time_range.get(table, (None, None))[1],
        }
        for table, inserted in result.inserted.items()
        if inserted and table not in UNLOGGED_TABLES
    ]


def log_insert(rows: list[dict[str, Any]], placeholder: str) -> tuple[str, list[list[Any]]]:
    """A parameterised ``INSERT`` of ``ingest_log`` rows (``placeholder`` is ``?`` or ``%s``) and its
    parameter rows: a plain append, the log's keys being fresh, with no staging or conflict check."""
    from northstar.store.schema import INGEST_LOG

    columns = INGEST_LOG.column_names
    sql = f"INSERT INTO ingest_log ({', '.join(columns)}) VALUES ({', '.join(placeholder for _ in columns)})"
    return sql, [[row[name] for name in columns] for row in rows]


def stage(name: str, rows: Rows, result: WriteResult) -> tuple[Table, pa.Table] | None:
    """``rows`` of table ``name`` as Arrow, duplicates folded, counted in ``result.offered``;
    ``None`` when there is nothing to write. Raises ``KeyError`` for an undeclared table or column."""
    table = table_for(name)
    arrow = to_arrow(table, fold_duplicates(table, rows))
    result.offered[name] = result.offered.get(name, 0) + arrow.num_rows
    return (table, arrow) if arrow.num_rows else None


def record_insert(result: WriteResult, table: Table, arrow: pa.Table, inserted: int) -> None:
    """Count ``inserted`` new rows of ``table`` in ``result`` with the instants ``arrow`` touched."""
    result.inserted[table.name] = result.inserted.get(table.name, 0) + inserted
    result.time_range[table.name] = time_range(table, arrow)


# Tables whose writes are bookkeeping, not data that metrics read.
UNLOGGED_TABLES = frozenset({"ingest_log", "rejected_input", "api_keys"})


def table_for(name: str) -> Table:
    """The declared table ``name``; raises ``KeyError`` for an undeclared one."""
    return TABLES_BY_NAME[name]
