"""Quoting for the SQL text the importers generate (DuckDB dialect)."""

from __future__ import annotations


def quote_literal(text: str) -> str:
    """``text`` as a SQL string literal: ``it's`` → ``'it''s'``."""
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier: ``a"b`` → ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'
