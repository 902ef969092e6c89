"""Bulk import: ``northstar import KIND FILE`` (DESIGN.md, "Ingestion guarantees").

:func:`import_path` reads a CSV, JSONL or Parquet file with DuckDB's readers, validates it by the
same rules as the API (events in vectorised SQL, ``events_sql``; the other kinds row by row,
``records``) and commits the valid rows and the rejected ones (to ``rejected_input``) in ONE
transaction: a failed import stores nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from northstar.domain.errors import InvalidInput
from northstar.ingest.importers.events_sql import EventRows, normalise_events
from northstar.ingest.importers.mapping import check_columns, parse_mapping
from northstar.ingest.importers.progress import stages
from northstar.ingest.importers.readers import FileOptions, open_source
from northstar.ingest.importers.records import RecordRows, validate_records
from northstar.ingest.importers.report import ImportReport, Rejection
from northstar.store.schema import IMPORT_KINDS, Table

if TYPE_CHECKING:
    from northstar.app import Northstar

__all__ = ["FileOptions", "ImportReport", "Rejection", "import_path"]

MAX_PAYLOAD_CHARS = 32 * 1024
_KEY_CHUNK = 1_000


def import_path(
    northstar: Northstar,
    kind: str,
    path: Path,
    *,
    mapping: Sequence[str] = (),
    event: str | None = None,
    progress: bool = False,
    options: FileOptions | None = None,
    currency: str | None = None,
    rejections_shown: int = 100,
) -> ImportReport:
    """Import ``path`` as ``kind`` (an ``import_kind`` of ``store/schema.py``) into ``northstar``'s store.

    ``mapping`` holds ``field=column`` items; ``event`` names the events of a file without an
    event column; ``options`` describe a delimited text file (header, delimiter, column names);
    ``currency`` is the default currency of event revenue (default: the reporting currency).
    ``progress`` shows rich progress bars. The valid rows and the rejected ones (with line, field
    and reason, into ``rejected_input``) are written in one transaction from source
    ``import:<file name>``. Returns the :class:`ImportReport` (its first ``rejections_shown``
    rejections listed).

    Raises :class:`InvalidInput` for an unknown kind, an unreadable file or bad options (nothing
    read is written), and :class:`northstar.domain.errors.StoreError` when the transaction fails
    (nothing is stored).
    """
    started = time.perf_counter()
    table = IMPORT_KINDS.get(kind)
    if table is None:
        raise InvalidInput("kind", f"{kind!r} is not one of {', '.join(IMPORT_KINDS)}")
    path = Path(path)
    fields = parse_mapping(mapping)
    received_at = datetime.now(UTC).replace(tzinfo=None)
    source_label = f"import:{path.name}"
    report = ImportReport(kind=kind, table=table.name, path=path)
    with stages(progress) as shown:
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            with shown.stage(f"opening {path.name}"):
                source = open_source(con, path, options)
            if source.format != "jsonl":
                check_columns(fields, source.columns)
            with shown.stage("reading and validating"):
                rows: EventRows | RecordRows
                if table.name == "events":
                    rows = normalise_events(
                        con, source, fields, event=event, currency=currency or northstar.settings.reporting_currency,
                        received_at=received_at, source_label=source_label,
                    )
                    valid, valid_count = rows.valid, rows.valid.num_rows
                else:
                    rows = validate_records(con, source, table, fields, received_at)
                    valid, valid_count = rows.rows, len(rows.rows)
        finally:
            con.close()
        with shown.stage(f"writing {valid_count:,} rows"):
            present = _stored_keys(northstar, table, valid) if table.conflict == "merge" else 0
            rejected = _rejected_rows(kind, source_label, received_at, rows.rejections, rows.payloads)
            result = northstar.write({table.name: valid, "rejected_input": rejected}, source=source_label)
    report.rows_read = rows.rows_read
    report.valid = valid_count
    report.rejected = len(rows.rejections)
    report.rejections = rows.rejections[:rejections_shown]
    if table.conflict == "merge":
        report.already_present = present
        report.new = valid_count - present
    else:
        report.new = result.inserted.get(table.name, 0)
        report.already_present = valid_count - report.new
    report.seconds = time.perf_counter() - started
    return report


def _stored_keys(northstar: Northstar, table: Table, rows: list[dict[str, Any]]) -> int:
    """How many of ``rows`` (or repeats within them) have a key already stored, for the report."""
    key = table.key[0]
    keys = [row[key] for row in rows]
    distinct = list(dict.fromkeys(keys))
    stored = 0
    for start in range(0, len(distinct), _KEY_CHUNK):
        chunk = distinct[start:start + _KEY_CHUNK]
        placeholders = ", ".join("?" for _ in chunk)
        stored += northstar.store.query(
            f"SELECT count(*) FROM {table.name} WHERE {key} IN ({placeholders})", chunk
        )[0][0]
    return stored + len(keys) - len(distinct)


def _rejected_rows(
    kind: str, source_label: str, received_at: datetime, rejections: list[Rejection], payloads: list[str],
) -> list[dict[str, Any]]:
    """``rejected_input`` rows; their ids derive from the source, line, field and refused row, so a
    re-import of the same file does not list its rejections twice."""
    return [
        {
            "rejection_id": hashlib.md5(
                f"{source_label}\x1f{rejection.line}\x1f{rejection.field}\x1f{payload}".encode(),
                usedforsecurity=False,
            ).hexdigest(),
            "received_at": received_at, "source": source_label, "kind": kind, "position": rejection.line,
            "field": rejection.field, "reason": rejection.reason, "payload": payload[:MAX_PAYLOAD_CHARS],
        }
        for rejection, payload in zip(rejections, payloads, strict=True)
    ]
