"""Where each Segment field of an imported event comes from: SQL over the view ``_source``.

Fields are read by their Segment names (``userId``, the spelling of the HTTP API), and in CSV or
Parquet files also by the ``events`` column names (``user_id``). ``--map field=column`` reads a
field from another column (in JSONL: another key, dotted for a nested one). ``properties.x``,
``context.x.y`` and ``traits.x`` targets, as map fields or as flat column names, build those
objects; in a CSV or Parquet file every other column becomes a property of its own name. In CSV
files, values written as plain decimal numbers become JSON numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from northstar.domain.errors import InvalidInput
from northstar.ingest.importers.readers import Source
from northstar.ingest.importers.sqltext import quote_identifier, quote_literal

# Segment field → events column, for the scalar fields read as text.
SCALAR_FIELDS: dict[str, str] = {
    "messageId": "message_id", "type": "type", "event": "event", "name": "name", "category": "category",
    "userId": "user_id", "anonymousId": "anonymous_id", "groupId": "group_id", "previousId": "previous_id",
    "timestamp": "timestamp", "sentAt": "sent_at", "receivedAt": "received_at",
}
OBJECT_FIELDS = ("context", "properties", "traits")
# events columns computed from the objects (see ``events_sql``), not read from a field of their own.
DERIVED_COLUMNS: dict[str, str] = {
    "session_id": "properties.session_id", "device_type": "context.device.type",
    "revenue_minor": "properties.revenue", "currency": "properties.currency",
}
_NUMBER = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?"


def is_object_sql(text: str) -> str:
    """SQL: the text ``text`` is a JSON object."""
    return f"(json_valid({text}) AND ltrim({text}) LIKE '{{%')"


class EventFields:
    """SQL reading every field of an event from ``_source``, given the file and the ``--map`` items.

    Raises :class:`InvalidInput` (field ``--map``) for a target that is not an events field.
    """

    def __init__(self, source: Source, mapping: Mapping[str, str]) -> None:
        known = {*SCALAR_FIELDS, *SCALAR_FIELDS.values(), *OBJECT_FIELDS}
        for target in mapping:
            if target not in known and target.split(".", 1)[0] not in OBJECT_FIELDS:
                raise InvalidInput("--map", f"{target!r} is not an events field")
        self.source = source
        self.mapping = {_segment_name(target): column for target, column in mapping.items()}
        self.json = source.format == "jsonl"

    def select(self, event: str | None) -> str:
        """``SELECT`` from ``_source`` of ``_line``, each scalar as trimmed text (NULL when blank)
        under its column name, the objects as JSON text, ``_revenue`` (the exact text of a flat
        revenue column), ``_content`` (the row as text) and ``_is_object`` (false for a JSONL line
        that is not a JSON object). Blank JSONL lines are skipped."""
        scalars = {column: self._scalar(field) for field, column in SCALAR_FIELDS.items()}
        if event is not None:
            scalars["event"] = f"COALESCE({scalars['event']}, {quote_literal(event)})"
        scalars["type"] = f"COALESCE({scalars['type']}, 'track')"
        parts = ["_line"]
        parts += [f"{expression} AS {column}" for column, expression in scalars.items()]
        parts += [f"{self._object(name)} AS {name}" for name in OBJECT_FIELDS]
        parts.append(f"{self._revenue_text()} AS _revenue")
        if self.json:
            parts += [
                f"CASE WHEN {scalars['message_id']} IS NULL THEN _text END AS _content",
                "(_s IS NOT NULL AND (_text LIKE '{%' OR ltrim(_text) LIKE '{%')) AS _is_object",
            ]
            return (
                f"SELECT {', '.join(parts)} FROM (SELECT _line, _text, {self._json_lists()} FROM _source "
                "WHERE _text IS NOT NULL) WHERE _s IS NOT NULL OR trim(_text) <> ''"
            )
        values = ", ".join(f"coalesce({quote_identifier(c)}::VARCHAR, chr(30))" for c in self.source.columns)
        parts += [
            f"CASE WHEN {scalars['message_id']} IS NULL THEN concat_ws(chr(31), {values}) END AS _content",
            "true AS _is_object",
        ]
        return f"SELECT {', '.join(parts)} FROM _source"

    def payload(self) -> str:
        """SQL over ``_source``: the row as text (the JSONL line, or the flat row as a JSON object)."""
        if self.json:
            return "_text"
        members = ", ".join(f"{quote_literal(c)}, {quote_identifier(c)}" for c in self.source.columns)
        return f"json_object({members})::VARCHAR"

    def _column_for(self, field: str) -> str | None:
        """The flat column holding ``field``: mapped, else its Segment name, else its column name."""
        if field in self.mapping:
            return self.mapping[field]
        for candidate in (field, SCALAR_FIELDS.get(field)):
            if candidate in self.source.columns:
                return candidate
        return None

    def _json_scalar_keys(self) -> list[str]:
        """Keys (dotted paths) of the scalar fields in each JSONL line, in the order of the list ``_s``."""
        return [self.mapping.get(field, field) for field in SCALAR_FIELDS]

    def _json_value_keys(self) -> list[str]:
        """Keys of the objects and of the dotted map targets, in the order of the JSON list ``_o``."""
        keys = [self.mapping.get(name, name) for name in OBJECT_FIELDS]
        keys += [column for target, column in self.mapping.items() if "." in target]
        return list(dict.fromkeys(keys))

    def _json_lists(self) -> str:
        """Two extractions per line (NULL for invalid JSON): the scalars as text ``_s``, the rest as JSON ``_o``."""
        def paths(keys: list[str]) -> str:
            return ", ".join(quote_literal("$." + ".".join(f'"{part}"' for part in key.split("."))) for key in keys)

        return (
            f"try(json_extract_string(_text, [{paths(self._json_scalar_keys())}])) AS _s, "
            f"try(json_extract(_text, [{paths(self._json_value_keys())}])) AS _o"
        )

    def _json_item(self, key: str) -> str:
        return f"_o[{self._json_value_keys().index(key) + 1}]"

    def _scalar(self, field: str) -> str:
        if self.json:
            expression = f"_s[{list(SCALAR_FIELDS).index(field) + 1}]"
        else:
            column = self._column_for(field)
            if column is None:
                return "NULL::VARCHAR"
            expression = f"{quote_identifier(column)}::VARCHAR"
        return f"NULLIF(trim({expression}), '')"

    def _object(self, name: str) -> str:
        """Object ``name`` as JSON text: the file's own, with the dotted targets merged in."""
        if self.json:
            base = f"{self._json_item(self.mapping.get(name, name))}::VARCHAR"
        else:
            column = self.mapping.get(name, name if name in self.source.columns else None)
            base = self._flat_object(column) if column else "NULL::VARCHAR"
        tree = self._targets(name)
        if not tree:
            return base
        merged = f"json_merge_patch(COALESCE({base}, '{{}}'), json_merge_patch('{{}}', {self._tree_sql(tree)}))"
        return (
            f"CASE WHEN {base} IS NULL OR {is_object_sql(base)} THEN NULLIF({merged}::VARCHAR, '{{}}') ELSE {base} END"
        )

    def _flat_object(self, column: str) -> str:
        """A flat column holding an object: JSON text as it is, a Parquet struct or map as JSON text."""
        quoted = quote_identifier(column)
        if self.source.types.get(column, "VARCHAR") != "VARCHAR":
            return f"to_json({quoted})::VARCHAR"
        return f"NULLIF(trim({quoted}), '')"

    def _targets(self, name: str) -> dict[str, Any]:
        """Nested ``{key: sub-tree | column}`` of the dotted targets under object ``name``."""
        targets = {target: column for target, column in self.mapping.items() if target.startswith(name + ".")}
        if not self.json:
            consumed = set(self.mapping.values()) | self._claimed_columns()
            for column in self.source.columns:
                if column in consumed:
                    continue
                if column.startswith(name + "."):
                    targets[column] = column
                elif name == "properties" and column.split(".", 1)[0] not in OBJECT_FIELDS:
                    targets[f"properties.{column}"] = column
        tree: dict[str, Any] = {}
        for target, column in targets.items():
            *parents, leaf = target.split(".")[1:]
            node = tree
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = column
        return tree

    def _claimed_columns(self) -> set[str]:
        """Flat columns read as a field or an object (not to be copied into ``properties``)."""
        claimed = {column for field in SCALAR_FIELDS if (column := self._column_for(field))}
        claimed |= {name for name in OBJECT_FIELDS if name in self.source.columns}
        return claimed

    def _tree_sql(self, tree: Mapping[str, Any]) -> str:
        members = []
        for key, node in tree.items():
            value = self._tree_sql(node) if isinstance(node, dict) else self._json_value(node)
            members.append(f"{quote_literal(key)}, {value}")
        return f"json_object({', '.join(members)})"

    def _json_value(self, column: str) -> str:
        """A source value as JSON; in CSV, text holding a plain decimal number becomes a JSON number."""
        if self.json:
            return self._json_item(column)
        quoted = quote_identifier(column)
        if self.source.format == "parquet":
            return f"to_json({quoted})"
        text = f"NULLIF(trim({quoted}), '')"
        return f"CASE WHEN regexp_full_match({text}, '{_NUMBER}') THEN {text}::JSON ELSE to_json({text}) END"

    def _revenue_text(self) -> str:
        """The exact text of a flat column feeding ``properties.revenue``, else NULL (then the
        revenue is read from the ``properties`` object)."""
        column = self.mapping.get("properties.revenue")
        if column is None and "properties.revenue" in self.source.columns:
            column = "properties.revenue"
        if column is None or self.json:
            return "NULL::VARCHAR"
        return f"NULLIF(trim({quote_identifier(column)}::VARCHAR), '')"


def _segment_name(target: str) -> str:
    """A map target in column spelling (``user_id``) as its Segment name (``userId``)."""
    for field, column in SCALAR_FIELDS.items():
        if target == column:
            return field
    return target
