"""``--map field=column``: read an import field from a file column of another name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from northstar.domain.errors import InvalidInput


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["userId=customer", "properties.revenue=amount"]`` as ``{field: column}``.

    Raises :class:`InvalidInput` (field ``--map``) for an item without ``=``, with an empty side,
    or naming a field twice.
    """
    mapping: dict[str, str] = {}
    for item in items:
        field, separator, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not separator or not field or not column:
            raise InvalidInput("--map", f"{item!r} is not field=column")
        if field in mapping:
            raise InvalidInput("--map", f"field {field!r} is mapped twice")
        mapping[field] = column
    return mapping


def check_columns(mapping: Mapping[str, str], columns: Iterable[str]) -> None:
    """Raise :class:`InvalidInput` (field ``--map``) when a mapped column is not in the file."""
    present = set(columns)
    missing = sorted(column for column in mapping.values() if column not in present)
    if missing:
        raise InvalidInput("--map", f"the file has no column {', '.join(map(repr, missing))}")


def apply_mapping(row: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """``row`` with each mapped column renamed to its field (unmapped columns keep their names)."""
    sources = set(mapping.values())
    out = {name: value for name, value in row.items() if name not in sources}
    for field, column in mapping.items():
        out[field] = row.get(column)
    return out
