"""Vectorised validation and normalisation of imported Segment events, in DuckDB SQL.

The rules are those of the ``events`` table's Column declarations (``store/schema.py``) and the
Segment spec (https://segment.com/docs/connections/spec/common/), applied to all rows at once:

- ``type`` must be one of ``SEGMENT_TYPES`` (``track`` when a row has none);
- a ``track`` call needs ``event`` (``--event NAME`` names the events of a file without one);
- every message needs ``userId`` or ``anonymousId``;
- ``timestamp`` is required and must parse (ISO 8601 with or without offset, or ``YYYYMMDD``);
  with both ``sentAt`` and ``receivedAt`` in the row it is corrected for clock skew,
  ``timestamp + (receivedAt − sentAt)``; instants are stored as naive UTC;
- ``context``, ``properties`` and ``traits`` must be JSON objects;
- ``properties.revenue`` (major units, text or number) becomes ``revenue_minor`` by exact DECIMAL
  arithmetic, rounded half-even to the exponent of ``properties.currency`` (default: the
  reporting currency), as :func:`northstar.domain.money.to_minor_units` does;
- ``properties.currency``, when there is revenue, must be a 3-letter code;
- ``device_type`` is :func:`northstar.ingest.normalize.device_type` (the HTTP API's rule) of
  ``context.device.type`` and ``context.userAgent``, applied once per distinct pair;
  ``session_id`` comes from ``properties.session_id``, else ``context.session_id`` (text or an
  integer); a ``track`` call's ``category``, when the row has none, from ``properties.category``;
- ``messageId``, when absent, is the MD5 of the row's content, ``--event`` and the row's
  occurrence among identical rows, so re-importing a file adds nothing and identical rows (two
  equal purchases on one day) stay distinct events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from northstar.domain.money import currency_exponent
from northstar.ingest.importers.event_fields import OBJECT_FIELDS, EventFields, is_object_sql
from northstar.ingest.importers.readers import Source
from northstar.ingest.importers.report import Rejection
from northstar.ingest.importers.sqltext import quote_literal
from northstar.ingest.normalize import device_type
from northstar.store.schema import EVENTS, SEGMENT_TYPES

_MAX_REVENUE = 10**15
# Text of a JSON value that may not be a string or an integer (an object, array, boolean or float).
_MAYBE_NOT_TEXT = r"^[\[{]|^(true|false)$|^-?[0-9.]+[.eE]"


@dataclass(frozen=True, slots=True)
class EventRows:
    """Normalised events: ``valid`` (Arrow, every column of ``events``), ``rejections`` in line
    order with their ``payloads`` (the refused rows as text), and ``rows_read``."""

    valid: pa.Table
    rejections: list[Rejection]
    payloads: list[str]
    rows_read: int


def normalise_events(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    mapping: Mapping[str, str],
    *,
    event: str | None,
    currency: str,
    received_at: datetime,
    source_label: str,
) -> EventRows:
    """Validate and normalise the rows of ``_source`` in ``con`` into ``events`` rows.

    ``currency`` is the default ISO 4217 code of revenue; ``received_at`` (naive UTC) is stored as
    every row's ``received_at`` and ``source_label`` as its ``source``. Raises
    :class:`northstar.domain.errors.InvalidInput` (field ``--map``) for a map target that is not
    an events field.
    """
    fields = EventFields(source, mapping)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TEMP TABLE _fields AS {fields.select(event)}")
    con.execute(f"CREATE TEMP TABLE _events AS {_normalise_sql(currency, received_at, source_label)}")
    con.execute("DROP TABLE _fields")
    currencies, missing_ids, rows_read = con.execute(
        "SELECT list(DISTINCT _currency) FILTER (WHERE _revenue_decimal IS NOT NULL), "
        "count(*) FILTER (WHERE message_id IS NULL AND _reason IS NULL), count(*) FROM _events"
    ).fetchone()
    if missing_ids:
        con.execute(
            f"CREATE TEMP TABLE _ids AS SELECT _line, md5(_content || chr(31) || {quote_literal(event or '')} || "
            "chr(31) || (row_number() OVER (PARTITION BY _content ORDER BY _line))::VARCHAR) AS _id "
            "FROM _events WHERE message_id IS NULL AND _reason IS NULL"
        )
    devices = _register_devices(con)
    joined = "LEFT JOIN _ids USING (_line) " if missing_ids else ""
    if devices:
        joined += ("LEFT JOIN _devices d ON d.kind IS NOT DISTINCT FROM e._device_kind "
                   "AND d.agent IS NOT DISTINCT FROM e._agent ")
    valid = con.execute(
        f"SELECT {_output_columns(currencies or [], bool(missing_ids), devices)} FROM _events e {joined}"
        "WHERE e._reason IS NULL"
    ).to_arrow_table()
    rejected = con.execute("SELECT _line, _field, _reason FROM _events WHERE _reason IS NOT NULL ORDER BY _line")
    rejections = [Rejection(line, field, reason) for line, field, reason in rejected.fetchall()]
    payloads = [row[0] or "" for row in con.execute(
        f"SELECT {fields.payload()} FROM _source WHERE _line IN "
        "(SELECT _line FROM _events WHERE _reason IS NOT NULL) ORDER BY _line"
    ).fetchall()] if rejections else []
    con.execute("DROP TABLE _events")
    if missing_ids:
        con.execute("DROP TABLE _ids")
    if devices:
        con.unregister("_devices")
    return EventRows(valid, rejections, payloads, int(rows_read))


def _register_devices(con: duckdb.DuckDBPyConnection) -> bool:
    """Register ``_devices(kind, agent, device_type)``: the API's :func:`device_type` of every
    distinct (``context.device.type``, ``context.userAgent``) pair of the valid rows. Returns
    whether there was any."""
    pairs = con.execute(
        "SELECT DISTINCT _device_kind, _agent FROM _events "
        "WHERE _reason IS NULL AND (_device_kind IS NOT NULL OR _agent IS NOT NULL)"
    ).fetchall()
    if not pairs:
        return False
    types = [device_type({"device": {"type": kind}, "userAgent": agent}) for kind, agent in pairs]
    con.register("_devices", pa.table({
        "kind": pa.array([kind for kind, _ in pairs], pa.string()),
        "agent": pa.array([agent for _, agent in pairs], pa.string()),
        "device_type": pa.array(types, pa.string()),
    }))
    return True


def _output_columns(currencies: list[str], derived_ids: bool, devices: bool) -> str:
    """The ``events`` columns selected from ``_events e`` (and ``_ids``): ``revenue_minor`` is the
    exact ``_revenue_decimal`` scaled to the minor unit of its currency, rounded half-even."""
    cases = " ".join(f"WHEN {quote_literal(code)} THEN {10 ** currency_exponent(code)}" for code in currencies)
    factor = f"CASE e._currency {cases} ELSE 100 END" if cases else "100"
    scaled = f"(e._revenue_decimal * CAST({factor} AS DECIMAL(38, 0)))"
    low = f"floor({scaled})"
    revenue = (
        f"CASE WHEN {scaled} - {low} > 0.5 THEN {low} + 1 WHEN {scaled} - {low} < 0.5 THEN {low} "
        f"WHEN {low} % 2 = 0 THEN {low} ELSE {low} + 1 END::BIGINT"
    )
    special = {
        "message_id": "COALESCE(e.message_id, _ids._id)" if derived_ids else "e.message_id",
        "revenue_minor": revenue,
        "device_type": "d.device_type" if devices else "NULL::VARCHAR",
    }
    return ", ".join(f"{special.get(column.name, f'e.{column.name}')} AS {column.name}" for column in EVENTS.columns)


def _timestamp_sql(text: str) -> str:
    """Text → naive-UTC TIMESTAMP, NULL when it does not parse."""
    return f"COALESCE(TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP), TRY_STRPTIME({text}, '%Y%m%d'))"


def _not_text_or_integer(text: str, document: str) -> str:
    """SQL: the session id read as ``text`` from ``document`` is neither a JSON string nor an integer
    (its JSON type is looked up only when its text looks like something else)."""
    return (
        f"CASE WHEN regexp_matches({text}, '{_MAYBE_NOT_TEXT}') THEN "
        f"json_type({document}, '$.session_id') NOT IN ('VARCHAR', 'BIGINT', 'UBIGINT') ELSE false END"
    )


def _not_a(what: str, value: str) -> str:
    """The reason for a value that does not parse, in ``validate_row``'s words: ``'x' is not a number``."""
    return "concat(" + quote_literal("'") + f", {value}, " + quote_literal(f"' is not {what}") + ")"


def _normalise_sql(default_currency: str, received_at: datetime, source_label: str) -> str:
    """The rows of ``_fields`` (see ``EventFields.select``) normalised to the ``events`` columns,
    with ``_field`` and ``_reason`` (NULL when valid), ``_currency``, the exact ``_revenue_decimal``,
    the raw ``_device_kind`` and ``_agent``, and ``_content`` (kept for rows without a messageId)."""
    types = ", ".join(quote_literal(kind) for kind in SEGMENT_TYPES)
    timestamp_reason = "an ISO-8601 timestamp"
    reasons = [
        ("NOT _is_object", "line", "'is not a JSON object'"),
        (f"type NOT IN ({types})", "type", _not_a(f"one of {', '.join(SEGMENT_TYPES)}", "type")),
        ("type = 'track' AND event IS NULL", "event", "'is required for a track call (or give --event)'"),
        ("user_id IS NULL AND anonymous_id IS NULL", "userId", "'userId or anonymousId is required'"),
        ("timestamp IS NULL", "timestamp", "'is required'"),
        ("_ts IS NULL", "timestamp", _not_a(timestamp_reason, "timestamp")),
        ("sent_at IS NOT NULL AND _sent IS NULL", "sentAt", _not_a(timestamp_reason, "sent_at")),
        ("received_at IS NOT NULL AND _received IS NULL", "receivedAt", _not_a(timestamp_reason, "received_at")),
        *[(f"{name} IS NOT NULL AND NOT {is_object_sql(name)}", name, "'is not a JSON object'")
          for name in OBJECT_FIELDS],
        ("_revenue_text IS NOT NULL AND NOT regexp_full_match(_currency, '[A-Z]{3}')", "properties.currency",
         "concat(" + quote_literal("'") + ", _p[2], " + quote_literal("' is not a 3-letter ISO 4217 code") + ")"),
        ("_revenue_text IS NOT NULL AND _revenue_decimal IS NULL", "properties.revenue",
         _not_a("a number", "_revenue_text")),
        (f"abs(_revenue_decimal) >= {_MAX_REVENUE}", "properties.revenue", "'is out of range'"),
        (_not_text_or_integer("_p[3]", "properties"), "properties.session_id", "'must be text or an integer'"),
        (f"_p[3] IS NULL AND {_not_text_or_integer('_c[2]', 'context')}", "context.session_id",
         "'must be text or an integer'"),
    ]
    first_failure = " ".join(
        f"WHEN {condition} THEN [{quote_literal(field)}, {reason}]" for condition, field, reason in reasons
    )
    return f"""
    WITH extracted AS MATERIALIZED (
        SELECT *,
            try(json_extract_string(properties, ['$.revenue', '$.currency', '$.session_id', '$.category'])) AS _p,
            try(json_extract_string(context, ['$.device.type', '$.session_id', '$.userAgent'])) AS _c
        FROM _fields
    ), parsed AS (
        SELECT *,
            {_timestamp_sql('timestamp')} AS _ts,
            {_timestamp_sql('sent_at')} AS _sent,
            {_timestamp_sql('received_at')} AS _received,
            upper(COALESCE(NULLIF(trim(_p[2]), ''), {quote_literal(default_currency)})) AS _currency,
            COALESCE(_revenue, _p[1]) AS _revenue_text,
            TRY_CAST(COALESCE(_revenue, _p[1]) AS DECIMAL(38, 10)) AS _revenue_decimal
        FROM extracted
    ), checked AS (
        SELECT *, CASE {first_failure} END AS _failure FROM parsed
    )
    SELECT
        _line, message_id, type, event, name,
        COALESCE(category, CASE WHEN type = 'track' THEN _p[4] END) AS category,
        user_id, anonymous_id, group_id, previous_id,
        CASE WHEN _sent IS NOT NULL AND _received IS NOT NULL THEN _ts + (_received - _sent) ELSE _ts END
            AS timestamp,
        _ts AS original_timestamp,
        _sent AS sent_at,
        {quote_literal(received_at.isoformat(sep=' '))}::TIMESTAMP AS received_at,
        COALESCE(_p[3], _c[2]) AS session_id,
        NULL::VARCHAR AS device_type,
        NULL::BIGINT AS revenue_minor,
        CASE WHEN _revenue_decimal IS NOT NULL THEN _currency END AS currency,
        context, properties, traits,
        {quote_literal(source_label)} AS source,
        _revenue_decimal, _currency, _c[1] AS _device_kind, _c[3] AS _agent,
        CASE WHEN message_id IS NULL THEN _content END AS _content,
        _failure[1] AS _field, _failure[2] AS _reason
    FROM checked
    """
