"""Validation of one record row against its table declaration (``store/schema.py``).

Used by every path that turns outside input into stored rows: the HTTP tracking plan
(``ingest/tracking_plan.py``) and the bulk importers. The declaration is the only source of the
rules: which columns exist, which are required, their types, ``choices`` and ``minimum``/``maximum``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from northstar.domain.errors import InvalidInput
from northstar.domain.time import to_naive_utc
from northstar.store.schema import Column, Table

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


def validate_row(table: Table, raw: Mapping[str, Any], index: int | None = None) -> dict[str, Any]:
    """``raw`` (column name → value) checked and coerced to the types of ``table``'s columns.

    Coercions: text accepts strings and integers; ``integer``/``bigint`` accept integers, integral
    numbers and their text (``"12"``); ``double`` any finite number or its text; ``boolean`` a bool,
    0/1 or ``true/false/yes/no/t/f/y/n``; ``timestamp`` a datetime, a date or an ISO-8601 string,
    returned as a naive UTC ``datetime`` (an offset is converted, no offset means UTC); ``date`` a
    date or an ISO-8601 date string; ``json`` an object/array or its JSON text. ``None`` and blank
    strings count as absent. Columns Northstar fills itself (``importable=False``) are accepted
    when given but never required.

    Returns a new dict holding only the present columns. Raises :class:`InvalidInput` whose
    ``field`` is the column name and whose ``index`` is ``index``, for an unknown column, a missing
    required column, a value of the wrong type, a value outside ``choices`` or outside
    ``minimum``/``maximum``.
    """
    out: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            column = table.column(name)
        except KeyError:
            raise InvalidInput(name, f"is not a column of {table.name}", index) from None
        coerced = coerce_value(column, value, index)
        if coerced is not None:
            out[name] = coerced
    for column in table.columns:
        if column.required and column.importable and column.name not in out:
            raise InvalidInput(column.name, "is required", index)
    return out


def coerce_value(column: Column, value: Any, index: int | None = None) -> Any:
    """One value coerced to ``column``'s type and checked against its choices and bounds.

    Returns ``None`` for an absent value (``None`` or a blank string); raises
    :class:`InvalidInput` (field = column name) as :func:`validate_row` does.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        coerced = _COERCERS[column.type](value)
    except (ValueError, TypeError, InvalidOperation, OverflowError) as exc:
        raise InvalidInput(column.name, f"{_describe(value)} is not {_EXPECTED[column.type]}", index) from exc
    if column.choices and coerced not in column.choices:
        raise InvalidInput(column.name, f"{coerced!r} is not one of {', '.join(column.choices)}", index)
    if column.minimum is not None and coerced < column.minimum:
        raise InvalidInput(column.name, f"{coerced} is below the minimum {_number(column.minimum)}", index)
    if column.maximum is not None and coerced > column.maximum:
        raise InvalidInput(column.name, f"{coerced} is above the maximum {_number(column.maximum)}", index)
    return coerced


def parse_timestamp(value: Any) -> datetime:
    """A datetime, date or ISO-8601 string as a naive UTC ``datetime``; raises ``ValueError``."""
    if isinstance(value, datetime):
        return to_naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return to_naive_utc(datetime.fromisoformat(value.strip()))
    raise TypeError(type(value).__name__)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(type(value).__name__)


def _integer(kind: str) -> Callable[[Any], int]:
    low, high = _INT_BOUNDS[kind]

    def convert(value: Any) -> int:
        if isinstance(value, bool):
            raise TypeError("bool")
        if isinstance(value, int):
            number = value
        else:
            exact = Decimal(value.strip() if isinstance(value, str) else str(value))
            if not exact.is_finite() or exact != exact.to_integral_value():
                raise ValueError("not integral")
            number = int(exact)
        if not low <= number <= high:
            raise OverflowError(number)
        return number

    return convert


def _double(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise TypeError(type(value).__name__)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not finite")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return to_naive_utc(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise TypeError(type(value).__name__)


def _json(value: Any) -> dict[str, Any] | list[Any]:
    if isinstance(value, str | bytes):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise ValueError("invalid JSON") from exc
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list):
        return value
    raise TypeError(type(value).__name__)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_COERCERS: dict[str, Callable[[Any], Any]] = {
    "text": _text, "bigint": _integer("bigint"), "integer": _integer("integer"), "double": _double,
    "boolean": _boolean, "timestamp": parse_timestamp, "date": _date, "json": _json,
}
_EXPECTED: dict[str, str] = {
    "text": "text", "bigint": "an integer", "integer": "an integer", "double": "a number",
    "boolean": "a boolean (true/false)", "timestamp": "an ISO-8601 timestamp", "date": "an ISO-8601 date",
    "json": "a JSON object or array",
}
