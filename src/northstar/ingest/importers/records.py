"""Row-wise import of the record kinds (users, subscriptions, invitations, ...): each row of
``_source`` is mapped, validated by :func:`northstar.ingest.records.validate_row` (the API's
rules, derived from the Column declarations) and completed with the columns Northstar fills.

Keys documented as derived (``change_id``, ``response_id``, ``sample_id``, ``spend_id``) are the
MD5 of the validated values they derive from, so a re-import writes the same keys again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import orjson

from northstar.domain.errors import InvalidInput
from northstar.ingest.importers.mapping import apply_mapping
from northstar.ingest.importers.readers import Source
from northstar.ingest.importers.report import Rejection
from northstar.ingest.records import validate_row
from northstar.store.schema import Table

# Key column → the columns it derives from when a file has none (None: every importable column).
DERIVED_KEYS: dict[str, tuple[str, ...] | None] = {
    "change_id": ("subscription_id", "effective_at"),
    "spend_id": ("spent_on", "channel", "campaign"),
    "response_id": None,
    "sample_id": None,
}
_PENDING = "\x00pending"


@dataclass(frozen=True, slots=True)
class RecordRows:
    """Validated ``rows`` (dicts of the table's columns), ``rejections`` with their ``payloads``
    in line order, and ``rows_read``."""

    rows: list[dict[str, Any]]
    rejections: list[Rejection]
    payloads: list[str]
    rows_read: int


def importable_columns(table: Table) -> list[str]:
    """The columns an import file may carry for ``table``."""
    return [column.name for column in table.columns if column.importable]


def validate_records(
    con: duckdb.DuckDBPyConnection, source: Source, table: Table, mapping: Mapping[str, str], received_at: datetime,
) -> RecordRows:
    """Validate every row of ``_source`` in ``con`` as a row of ``table``.

    ``received_at`` (naive UTC) fills ``recorded_at`` and, without ``created_at``, a user's
    ``first_seen_at``. Raises :class:`InvalidInput` naming the column when a CSV or Parquet file
    has a column that is not an importable column of ``table`` (before anything is written).
    """
    allowed = set(importable_columns(table))
    if source.format != "jsonl":
        unknown = sorted(set(apply_mapping(dict.fromkeys(source.columns), mapping)) - allowed)
        if unknown:
            raise InvalidInput(unknown[0], f"not an import column of {table.name}; use --map field=column")
    rows: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    payloads: list[str] = []
    occurrences: Counter[str] = Counter()
    count = 0
    for line, raw, payload in _rows(con, source):
        count += 1
        try:
            if raw is None:
                raise InvalidInput("line", "is not a JSON object", line)
            row = _complete(table, apply_mapping(raw, mapping), line, received_at, occurrences)
        except InvalidInput as exc:
            rejections.append(Rejection(line, exc.field, exc.reason))
            payloads.append(payload)
            continue
        rows.append(row)
    return RecordRows(rows, rejections, payloads, count)


def _rows(con: duckdb.DuckDBPyConnection, source: Source) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """``(line, row or None when not a JSON object, row as text)`` for each non-blank row."""
    cursor = con.execute("SELECT * FROM _source ORDER BY _line")
    names = [description[0] for description in cursor.description]
    while batch := cursor.fetchmany(10_000):
        for values in batch:
            record = dict(zip(names, values, strict=True))
            line = record.pop("_line")
            if source.format == "jsonl":
                text = record["_text"]
                if text is None or not text.strip():
                    continue
                try:
                    parsed = orjson.loads(text)
                except orjson.JSONDecodeError:
                    parsed = None
                yield line, parsed if isinstance(parsed, dict) else None, text
            else:
                yield line, record, orjson.dumps(record, default=str).decode()


def _complete(
    table: Table, raw: dict[str, Any], line: int, received_at: datetime, occurrences: Counter[str],
) -> dict[str, Any]:
    """``raw`` validated, with its derived key and the columns Northstar fills."""
    key = table.key[0]
    derive = key in DERIVED_KEYS and raw.get(key) in (None, "")
    if derive:
        raw = {**raw, key: _PENDING}
    row = validate_row(table, raw, line)
    if derive:
        sources = DERIVED_KEYS[key] or tuple(name for name in importable_columns(table) if name != key)
        content = "\x1f".join(_text(row.get(name)) for name in sources)
        if DERIVED_KEYS[key] is None:
            occurrences[content] += 1
            content += f"\x1f{occurrences[content]}"
        row[key] = hashlib.md5(content.encode(), usedforsecurity=False).hexdigest()
    names = set(table.column_names)
    if "recorded_at" in names and not table.column("recorded_at").importable:
        row["recorded_at"] = received_at
    if "first_seen_at" in names:
        row["first_seen_at"] = row.get("created_at") or received_at
    return row


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value)
