"""Open an import file with DuckDB's own readers, as ``_source`` in an in-memory database.

DuckDB is the parsing engine whatever the target store is: ``read_csv`` (every value read as
text, so amounts stay exact), ``read_parquet`` (native types) and, for JSONL, the file's lines as
text (``_text``) so that a malformed line is one rejected row with its line number instead of a
failed import. Every ``_source`` has ``_line``: the 1-based line of a JSONL file or a headerless
whitespace-separated file, the 1-based record number after the header of a CSV file (DuckDB's CSV
reader skips blank lines), the 1-based row of a Parquet file. Text files are numbered by a window
over the whole file, so ``_source`` is a table for them (what reads it then runs in parallel);
a Parquet file numbers its own rows, so it stays a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from northstar.domain.errors import InvalidInput
from northstar.ingest.importers.sqltext import quote_identifier, quote_literal

Format = Literal["csv", "jsonl", "parquet"]
WHITESPACE = "whitespace"
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".dat": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
}


@dataclass(frozen=True, slots=True)
class FileOptions:
    """How to read a delimited text file.

    ``columns`` names the columns of a file without a header line; ``header`` says whether the
    first line is a header (default: yes unless ``columns`` is given; with both, the header line
    is skipped and ``columns`` replace its names). ``delimiter`` is one character, ``\\t``, or
    ``whitespace`` for runs of spaces and tabs with leading and trailing blanks ignored (the CDNOW
    log's layout); default: DuckDB's sniffer (``,``, ``;``, tab, ``|``).
    """

    columns: tuple[str, ...] = ()
    delimiter: str | None = None
    header: bool | None = None

    @property
    def has_header(self) -> bool:
        return self.header if self.header is not None else not self.columns


@dataclass(frozen=True, slots=True)
class Source:
    """The opened file: its format, the column names of ``_source`` (without ``_line``) and their
    DuckDB types. A JSONL source has the single column ``_text`` (one JSON object per line)."""

    path: Path
    format: Format
    columns: tuple[str, ...]
    types: dict[str, str]


def detect_format(path: Path) -> Format:
    """The format named by ``path``'s suffix; raises :class:`InvalidInput` (field ``file``) otherwise."""
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_SUFFIXES))
        raise InvalidInput("file", f"{path.name}: unknown format; expected one of {known}") from None


def open_source(con: duckdb.DuckDBPyConnection, path: Path, options: FileOptions | None = None) -> Source:
    """Create ``_source(_line, <columns>)`` from ``path`` in ``con`` and describe it.

    Raises :class:`InvalidInput` (field ``file``) when DuckDB cannot read the file or the options
    do not fit it.
    """
    options = options or FileOptions()
    fmt = detect_format(path)
    literal = quote_literal(str(path))
    try:
        if fmt == "jsonl":
            con.execute(
                "CREATE TEMP TABLE _source AS SELECT row_number() OVER () AS _line, line AS _text "
                f"FROM {_lines(literal)}"
            )
        elif fmt == "parquet":
            con.execute(
                f"CREATE VIEW _source AS SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _line "
                f"FROM read_parquet({literal}, file_row_number = true)"
            )
        elif options.delimiter == WHITESPACE:
            _open_whitespace(con, literal, options)
        else:
            _open_csv(con, literal, options)
        described = {name: kind for name, kind, *_ in con.execute("DESCRIBE _source").fetchall() if name != "_line"}
    except duckdb.Error as exc:
        raise InvalidInput("file", f"{path.name}: cannot be read as {fmt}: {exc}".splitlines()[0]) from exc
    return Source(path, fmt, tuple(described), described)


def _open_csv(con: duckdb.DuckDBPyConnection, literal: str, options: FileOptions) -> None:
    arguments = ["all_varchar = true", f"header = {str(options.has_header).lower()}"]
    if options.delimiter:
        delimiter = "\t" if options.delimiter in ("\\t", "tab") else options.delimiter
        arguments.append(f"delim = {quote_literal(delimiter)}")
    if options.columns:
        arguments.append("names = [" + ", ".join(quote_literal(name) for name in options.columns) + "]")
    first_line = 2 if options.has_header else 1
    con.execute(
        f"CREATE TEMP TABLE _source AS SELECT row_number() OVER () + {first_line - 1} AS _line, * "
        f"FROM read_csv({literal}, {', '.join(arguments)})"
    )


def _open_whitespace(con: duckdb.DuckDBPyConnection, literal: str, options: FileOptions) -> None:
    lines = f"SELECT row_number() OVER () AS _line, line FROM {_lines(literal)}"
    names = list(options.columns)
    if options.has_header:
        header = con.execute(f"SELECT line FROM ({lines}) WHERE _line = 1").fetchone()
        if not names:
            names = header[0].split() if header and header[0] else []
    if not names:
        raise InvalidInput("columns", "a whitespace-separated file needs a header line or --columns")
    first = 2 if options.has_header else 1
    fields = ", ".join(f"_parts[{index + 1}] AS {quote_identifier(name)}" for index, name in enumerate(names))
    con.execute(
        f"CREATE TEMP TABLE _source AS SELECT _line, {fields} FROM ("
        f"SELECT _line, regexp_split_to_array(trim(line), '\\s+') AS _parts FROM ({lines}) "
        f"WHERE _line >= {first} AND trim(coalesce(line, '')) <> '')"
    )


def _lines(literal: str) -> str:
    """A table function giving each line of a text file as ``line`` (blank lines as NULL)."""
    return (
        f"read_csv({literal}, columns = {{'line': 'VARCHAR'}}, header = false, delim = chr(0), "
        "quote = '', escape = '', auto_detect = false)"
    )
