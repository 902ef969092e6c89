"""The import-column reference of ``docs/ingestion.md``, generated from ``store/schema.py``.

Regenerate the section between the markers with ``python -m northstar.ingest.importers.docs``;
``tests/unit/test_docs_ingestion.py`` fails when the file and the schema disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from northstar.ingest.importers.event_fields import DERIVED_COLUMNS, OBJECT_FIELDS, SCALAR_FIELDS
from northstar.ingest.importers.records import DERIVED_KEYS
from northstar.store.schema import IMPORT_KINDS, Column, Table

BEGIN = "<!-- BEGIN GENERATED IMPORT COLUMNS (python -m northstar.ingest.importers.docs) -->"
END = "<!-- END GENERATED IMPORT COLUMNS -->"
DOCS_FILE = Path(__file__).resolve().parents[4] / "docs" / "ingestion.md"
_SEGMENT_NAMES = {column: field for field, column in SCALAR_FIELDS.items()}


def render_import_reference() -> str:
    """Markdown: one section per import kind with its table, key, conflict policy and a row per
    importable column (file field, type, required, rules, meaning)."""
    sections = [_section(kind, table) for kind, table in IMPORT_KINDS.items()]
    return "\n".join(sections).rstrip() + "\n"


def _section(kind: str, table: Table) -> str:
    key = ", ".join(f"`{name}`" for name in table.key)
    policy = (
        "a row whose key is stored already is left as it is"
        if table.conflict == "ignore"
        else "a row whose key is stored already is merged into it, column by column"
    )
    lines = [
        f"### `{kind}` → table `{table.name}`",
        "",
        f"{table.doc} Key: {key}; {policy}.",
        "",
        "| field in the file | type | required | rules | meaning |",
        "|---|---|---|---|---|",
    ]
    for column in table.columns:
        if column.importable:
            lines.append(
                f"| {_field_names(table, column)} | {column.type} | {_required(table, column)} | {_rules(column)} "
                f"| {column.doc.replace('|', '/')} |"
            )
    filled = [f"`{column.name}`" for column in table.columns if not column.importable]
    if filled:
        lines += ["", f"Filled by Northstar: {', '.join(filled)}."]
    return "\n".join(lines) + "\n"


def _field_names(table: Table, column: Column) -> str:
    if table.name != "events":
        return f"`{column.name}`"
    if column.name in DERIVED_COLUMNS:
        return f"`{column.name}` ← `{DERIVED_COLUMNS[column.name]}`"
    if column.name in OBJECT_FIELDS:
        return f"`{column.name}` (or `{column.name}.x` columns)"
    segment = _SEGMENT_NAMES.get(column.name, column.name)
    return f"`{segment}` or `{column.name}`" if segment != column.name else f"`{column.name}`"


def _required(table: Table, column: Column) -> str:
    if column.name in DERIVED_KEYS or (table.name == "events" and column.name in table.key):
        return "derived when absent"
    if table.name == "events" and column.name == "type":
        return "default `track`"
    return "yes" if column.required else ""


def _rules(column: Column) -> str:
    rules = []
    if column.choices:
        rules.append("one of " + ", ".join(f"`{choice}`" for choice in column.choices))
    if column.minimum is not None:
        rules.append(f"≥ {_number(column.minimum)}")
    if column.maximum is not None:
        rules.append(f"≤ {_number(column.maximum)}")
    return "; ".join(rules)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def generated_section(text: str) -> str:
    """The text between the markers of ``text`` (without them); raises ``ValueError`` when absent."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip("\n") + "\n"


def regenerate(path: Path = DOCS_FILE) -> bool:
    """Rewrite the generated section of ``path``; returns whether it changed."""
    text = path.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    updated = text[:start] + "\n" + render_import_reference() + text[end:]
    path.write_text(updated)
    return updated != text


if __name__ == "__main__":
    sys.stdout.write(f"{DOCS_FILE}: {'regenerated' if regenerate() else 'up to date'}\n")
