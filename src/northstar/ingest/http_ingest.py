"""The HTTP ingestion service: one request body in, committed rows out (DESIGN.md, "Ingestion guarantees").

Steps, in order: decompress (``gzip``) within the size limit, authenticate the write key (the HTTP
Basic user before decoding, else the body's ``writeKey`` after), decode JSON, validate and
normalise each message, then hand every row — valid messages and the ``rejected_input`` rows of
invalid ones — to the group-commit writer as one batch and wait for its commit. The caller may answer 2xx only after
:func:`ingest` returns: the data is then durable.

The service raises Northstar errors, never HTTP ones: :class:`Unauthorized`, :class:`PayloadTooLarge`,
:class:`InvalidInput` (a malformed body) and :class:`northstar.domain.errors.StoreError`. Nothing
is written for a request that raises.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from northstar.app import Northstar
from northstar.domain.errors import InvalidInput, NorthstarError
from northstar.ingest.keys import verify_key
from northstar.ingest.normalize import Receipt, Rows, analytics_event_message, normalize, utc_instant
from northstar.ingest.segment import AnalyticsEvent, Batch, parse_message, validate_model

Kind = Literal["track", "identify", "page", "screen", "group", "alias", "batch", "analytics_event"]
PAYLOAD_TEXT_LIMIT = 32 * 1024
# A JSON ``\u0000`` escape, not preceded by an escaped backslash.
_NUL_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


class Unauthorized(NorthstarError):
    """No write key, or one that is unknown or revoked."""


class PayloadTooLarge(NorthstarError):
    """A body or one message over its size limit (``limit`` bytes, measured decompressed)."""

    def __init__(self, what: str, limit: int, index: int | None = None) -> None:
        self.what, self.limit, self.index = what, limit, index
        where = f" (item {index})" if index is not None else ""
        super().__init__(f"{what} is larger than {limit} bytes{where}")

    def as_dict(self) -> dict[str, object]:
        """``{"field", "reason"}`` plus ``"index"`` when known, like :meth:`InvalidInput.as_dict`."""
        out: dict[str, object] = {"field": self.what, "reason": f"larger than {self.limit} bytes"}
        if self.index is not None:
            out["index"] = self.index
        return out


@dataclass(slots=True)
class IngestResult:
    """What a request stored: ``accepted`` messages (new or already stored by an earlier delivery)
    and the ``rejected`` ones of a batch, each naming its index, field and reason."""

    accepted: int
    rejected: list[InvalidInput] = field(default_factory=list)


def body_limit(settings_max_event: int, settings_max_batch: int, kind: Kind) -> int:
    """The byte limit of a decompressed body of ``kind``: the batch limit for ``/v1/batch``, else
    the per-event limit."""
    return settings_max_batch if kind == "batch" else settings_max_event


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """``body`` decoded from its ``Content-Encoding`` (none/``identity`` or ``gzip``), refusing to
    inflate past ``limit`` bytes. Raises :class:`PayloadTooLarge` (field ``body``) over the limit and
    :class:`InvalidInput` (field ``Content-Encoding``) for another encoding or a corrupt stream."""
    coding = (encoding or "identity").strip().lower()
    if coding == "identity":
        if len(body) > limit:
            raise PayloadTooLarge("body", limit)
        return body
    if coding != "gzip":
        raise InvalidInput("Content-Encoding", f"{encoding!r} is not supported (use gzip)")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InvalidInput("Content-Encoding", f"the gzip body is corrupt: {exc}") from None
    if len(data) > limit:
        raise PayloadTooLarge("body", limit)
    if not inflater.eof:
        raise InvalidInput("Content-Encoding", "the gzip body is truncated")
    return data


def authenticate(northstar: Northstar, secret: str | None) -> dict[str, Any]:
    """The active write key ``secret`` (see :func:`northstar.ingest.keys.verify_key`); raises
    :class:`Unauthorized` when it is missing, unknown or revoked."""
    key = verify_key(northstar.store, secret, "write")
    if key is None:
        raise Unauthorized("a valid write key is required (HTTP Basic user, or writeKey in the body)")
    return key


async def ingest(
    northstar: Northstar, kind: Kind, body: bytes, encoding: str | None, header_key: str | None, route: str
) -> IngestResult:
    """Store one request to ``route`` carrying a ``kind`` payload; returns once it is committed.

    ``header_key`` is the write key from HTTP Basic (``None`` when absent). Raises as the module
    says. Valid messages are kept and invalid ones listed in ``rejected`` (and stored in
    ``rejected_input``); an invalid single call gives ``accepted == 0`` and one rejection.
    """
    settings = northstar.settings
    received_at = datetime.now(UTC).replace(tzinfo=None)
    data = decompress(body, encoding, body_limit(settings.max_event_bytes, settings.max_batch_bytes, kind))
    key = authenticate(northstar, header_key) if header_key is not None else None
    payload = _without_nul(data, _decode(data))
    if key is None:
        body_key = payload.get("writeKey") if isinstance(payload, dict) else None
        key = authenticate(northstar, body_key if isinstance(body_key, str) else None)
    receipt = Receipt(received_at=received_at, source=f"api:{key['name']}", currency=settings.reporting_currency)
    if kind == "batch":
        rows, accepted, rejected = _batch_rows(payload, data, receipt, settings.max_event_bytes)
    else:
        rows, accepted, rejected = _single_rows(kind, payload, receipt)
    if rejected:
        rows["rejected_input"] = [_rejection(error, route, received_at, payload, kind) for error in rejected]
    if rows:
        await asyncio.wrap_future(northstar.writer.submit(rows, receipt.source))
    return IngestResult(accepted=accepted, rejected=rejected)


def _decode(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("body", f"malformed JSON: {exc}") from None


def _single_rows(kind: Kind, payload: Any, receipt: Receipt) -> tuple[Rows, int, list[InvalidInput]]:
    try:
        if kind == "analytics_event":
            message = analytics_event_message(validate_model(AnalyticsEvent, payload))
        else:
            message = parse_message(payload, kind=kind)
        return normalize(message, payload, receipt), 1, []
    except InvalidInput as error:
        return {}, 0, [error]


def _batch_rows(payload: Any, data: bytes, receipt: Receipt, max_event: int) -> tuple[Rows, int, list[InvalidInput]]:
    envelope = validate_model(Batch, payload)
    receipt = Receipt(
        received_at=receipt.received_at, source=receipt.source, currency=receipt.currency,
        sent_at=utc_instant(envelope.sent_at), context=envelope.context,
    )
    measure = len(data) > max_event
    rows: Rows = {}
    accepted, rejected = 0, []
    for index, raw in enumerate(envelope.batch):
        try:
            if measure and len(orjson.dumps(raw)) > max_event:
                raise PayloadTooLarge("message", max_event, index)
            produced = normalize(parse_message(raw, index), raw, receipt, index)
        except InvalidInput as error:
            rejected.append(error)
            continue
        accepted += 1
        for table, table_rows in produced.items():
            rows.setdefault(table, []).extend(table_rows)
    return rows, accepted, rejected


def _without_nul(data: bytes, payload: Any) -> Any:
    """``payload`` (decoded from the JSON ``data``) with every U+0000 in its text replaced by U+FFFD:
    PostgreSQL cannot store NUL in text or JSON, and both backends must store the same thing."""
    if b"\\u0000" not in data:
        return payload
    return orjson.loads(_NUL_ESCAPE.sub(rb"\1\\ufffd", data))


def _rejection(error: InvalidInput, route: str, received_at: datetime, payload: Any, kind: Kind) -> dict[str, Any]:
    item = payload
    if kind == "batch" and isinstance(payload, Mapping) and error.index is not None:
        item = payload["batch"][error.index]
    if isinstance(item, Mapping) and "writeKey" in item:
        item = {name: value for name, value in item.items() if name != "writeKey"}
    text = orjson.dumps(item).decode()[:PAYLOAD_TEXT_LIMIT]
    identity = f"{route}\x1f{error.index}\x1f{error.field}\x1f{error.reason}\x1f{text}"
    return {
        "rejection_id": hashlib.sha256(identity.encode()).hexdigest()[:32],
        "received_at": received_at, "source": f"api:{route}", "kind": "events", "position": error.index,
        "field": error.field, "reason": error.reason, "payload": text,
    }
