"""Render the declared schema (``store/schema.py``) as DDL for one SQL dialect."""

from __future__ import annotations

from typing import Literal

from northstar.store.schema import Column, Table

Dialect = Literal["duckdb", "postgres"]

_TYPES: dict[Dialect, dict[str, str]] = {
    "duckdb": {"text": "VARCHAR", "bigint": "BIGINT", "integer": "INTEGER", "double": "DOUBLE",
               "boolean": "BOOLEAN", "timestamp": "TIMESTAMP", "date": "DATE", "json": "JSON"},
    "postgres": {"text": "TEXT", "bigint": "BIGINT", "integer": "INTEGER", "double": "DOUBLE PRECISION",
                 "boolean": "BOOLEAN", "timestamp": "TIMESTAMP", "date": "DATE", "json": "JSONB"},
}


def sql_type(column: Column, dialect: Dialect) -> str:
    """The SQL type of ``column`` in ``dialect``."""
    return _TYPES[dialect][column.type]


def create_table(table: Table, dialect: Dialect) -> list[str]:
    """``CREATE TABLE`` (and, on PostgreSQL, secondary ``CREATE INDEX``) statements for ``table``.

    DuckDB gets no secondary indexes: its zone maps serve range scans, and ART indexes on
    non-unique columns would only slow bulk inserts down.
    """
    lines = [
        f"    {column.name} {sql_type(column, dialect)}{' NOT NULL' if column.required else ''}"
        for column in table.columns
    ]
    lines.append(f"    PRIMARY KEY ({', '.join(table.key)})")
    statements = [f"CREATE TABLE {table.name} (\n" + ",\n".join(lines) + "\n)"]
    if dialect == "postgres":
        for columns in table.indexes:
            statements.append(
                f"CREATE INDEX {table.name}_{'_'.join(columns)}_idx ON {table.name} ({', '.join(columns)})"
            )
    return statements
