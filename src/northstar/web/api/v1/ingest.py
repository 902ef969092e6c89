"""Ingestion routes: the Segment HTTP tracking API (``/v1/track`` … ``/v1/batch``) and the
specification's ``POST /api/v1/metrics/track``. A thin adapter over
:func:`northstar.ingest.http_ingest.ingest` (docs/http-ingestion.md).

Answers: 200 ``{"success": true}`` once the data is committed (plus ``accepted`` and ``rejected``
when a batch had invalid messages); 400 ``{"success": false, "errors": [{index?, field, reason}]}``
for malformed JSON or invalid messages; 401 for a missing, unknown or revoked write key; 413 for a
body or message over its limit; 503 when the store cannot commit (the client should retry).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from northstar.domain.errors import InvalidInput, StoreError
from northstar.ingest.http_ingest import (
    IngestResult,
    Kind,
    PayloadTooLarge,
    Unauthorized,
    body_limit,
    ingest,
)
from northstar.ingest.segment import MESSAGE_MODELS, AnalyticsEvent, Batch
from northstar.web.auth import require
from northstar.web.deps import NorthstarDep, WriteKeyHeader

router = APIRouter(tags=["ingestion"], dependencies=[require("ingest")])


class ErrorItem(BaseModel):
    """One refused input: its position in the batch (absent for a single call), field and reason."""

    index: int | None = None
    field: str
    reason: str


class IngestAnswer(BaseModel):
    """Segment's answer. ``accepted`` and ``rejected`` appear only when a batch had invalid messages."""

    success: bool
    accepted: int | None = None
    rejected: list[ErrorItem] | None = None


class ErrorAnswer(BaseModel):
    """A refused request."""

    success: bool = False
    errors: list[ErrorItem]


_CHALLENGE = {"WWW-Authenticate": 'Basic realm="northstar"'}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": IngestAnswer, "description": "Committed to the store."},
    400: {"model": ErrorAnswer, "description": "Malformed JSON or an invalid message (field and reason)."},
    401: {"model": ErrorAnswer, "description": "Missing, unknown or revoked write key."},
    413: {"model": ErrorAnswer, "description": "Body or message over its size limit (measured decompressed)."},
    503: {"model": ErrorAnswer, "description": "The store could not commit; nothing was stored, retry."},
}


def _json(status: int, content: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json", headers=headers)


def _failure(status: int, errors: list[dict[str, object]], headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"success": False, "errors": errors}, headers)


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing to buffer much more than ``limit`` (room left for gzip's overhead)."""
    cap = limit + limit // 64 + 1024
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise PayloadTooLarge("body", limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise PayloadTooLarge("body", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(result: IngestResult) -> Response:
    errors = [error.as_dict() for error in result.rejected]
    if result.accepted == 0 and errors:
        return _failure(400, errors)
    if errors:
        return _json(200, {"success": True, "accepted": result.accepted, "rejected": errors})
    return _json(200, {"success": True})


async def _handle(request: Request, northstar: NorthstarDep, header_key: str | None, kind: Kind) -> Response:
    settings = northstar.settings
    try:
        body = await _read_body(request, body_limit(settings.max_event_bytes, settings.max_batch_bytes, kind))
        result = await ingest(northstar, kind, body, request.headers.get("content-encoding"), header_key,
                              request.url.path)
    except Unauthorized as exc:
        return _failure(401, [{"field": "writeKey", "reason": str(exc)}], _CHALLENGE)
    except PayloadTooLarge as exc:
        return _failure(413, [exc.as_dict()])
    except InvalidInput as exc:
        return _failure(400, [exc.as_dict()])
    except StoreError:
        return _failure(503, [{"field": "store", "reason": "the data could not be committed; nothing was stored"}])
    return _answer(result)


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    if model is Batch:
        schema["properties"]["batch"]["items"] = {
            "oneOf": [message.model_json_schema(by_alias=True) for message in MESSAGE_MODELS.values()]
        }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _endpoint(kind: Kind) -> Callable[..., Awaitable[Response]]:
    async def endpoint(request: Request, northstar: NorthstarDep, write_key: WriteKeyHeader) -> Response:
        return await _handle(request, northstar, write_key, kind)

    return endpoint


_ROUTES: tuple[tuple[str, Kind, type[BaseModel], str], ...] = (
    *((f"/v1/{kind}", kind, model, f"Segment `{kind}` call.") for kind, model in MESSAGE_MODELS.items()),
    ("/v1/batch", "batch", Batch, "Several Segment calls in one request (up to the batch size limit)."),
    ("/api/v1/metrics/track", "analytics_event", AnalyticsEvent,
     "The specification's AnalyticsEvent, stored as a `track` call."),
)

for _path, _kind, _model, _summary in _ROUTES:
    router.add_api_route(
        _path, _endpoint(_kind), methods=["POST"], summary=_summary, name=f"ingest_{_kind}",
        response_model=None, responses=_RESPONSES, openapi_extra=_body_schema(_model),
    )
