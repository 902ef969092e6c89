"""Wire models of the Segment HTTP tracking API and of the specification's ``AnalyticsEvent``.

Sources: Segment's "HTTP Tracking API" and "Spec: Common fields" (track, identify, page, screen,
group, alias and batch; camelCase field names), and the original specification's
``AnalyticsEvent {user_id, event_name, event_category, properties?, timestamp?}``
(``POST /api/v1/metrics/track``).

The models check structure and types only; :func:`parse_message` turns a decoded JSON object into
one of them or raises :class:`InvalidInput` naming the field (Segment's camelCase name) and the
reason. The rules that span fields (``userId`` or ``anonymousId``) live in ``ingest/normalize.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from northstar.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

_CONFIG = ConfigDict(extra="ignore", coerce_numbers_to_str=True, populate_by_name=True, frozen=True)


class Message(BaseModel):
    """Fields common to every Segment call (Spec: Common fields). Instants may carry an offset.
    A message needs ``userId`` or ``anonymousId`` (checked in ``ingest/normalize.py``; declared in
    the JSON schema)."""

    model_config = ConfigDict(
        **_CONFIG, json_schema_extra={"anyOf": [
            {"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
            for name in ("userId", "anonymousId")
        ]},
    )

    type: str
    message_id: str | None = Field(default=None, alias="messageId", min_length=1, max_length=200)
    user_id: str | None = Field(default=None, alias="userId", min_length=1, max_length=500)
    anonymous_id: str | None = Field(default=None, alias="anonymousId", min_length=1, max_length=500)
    timestamp: datetime | None = Field(default=None, description="When it happened, by the client's clock.")
    sent_at: datetime | None = Field(default=None, alias="sentAt", description="When the client sent it.")
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None


class Track(Message):
    """``track``: a user did ``event``, with ``properties``."""

    type: Literal["track"] = "track"
    event: str = Field(min_length=1, max_length=500)
    properties: dict[str, Any] | None = None


class Identify(Message):
    """``identify``: who the user is (``traits``)."""

    type: Literal["identify"] = "identify"
    traits: dict[str, Any] | None = None


class Page(Message):
    """``page``: a web page view (``name``, ``category``, ``properties``)."""

    type: Literal["page"] = "page"
    name: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=500)
    properties: dict[str, Any] | None = None


class Screen(Message):
    """``screen``: a mobile screen view (``name``, ``properties``)."""

    type: Literal["screen"] = "screen"
    name: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=500)
    properties: dict[str, Any] | None = None


class Group(Message):
    """``group``: the user belongs to the account ``groupId`` (with its ``traits``)."""

    type: Literal["group"] = "group"
    group_id: str = Field(alias="groupId", min_length=1, max_length=500)
    traits: dict[str, Any] | None = None


class Alias(Message):
    """``alias``: ``previousId`` is the same person as ``userId``."""

    type: Literal["alias"] = "alias"
    previous_id: str = Field(alias="previousId", min_length=1, max_length=500)
    user_id: str = Field(alias="userId", min_length=1, max_length=500)


class Batch(BaseModel):
    """``POST /v1/batch``: up to 500 KB of messages, each with its ``type``; ``sentAt`` and
    ``context`` apply to every message (a message's own values win for ``context``)."""

    model_config = _CONFIG

    batch: list[dict[str, Any]]
    sent_at: datetime | None = Field(default=None, alias="sentAt")
    context: dict[str, Any] | None = None
    write_key: str | None = Field(default=None, alias="writeKey")


class AnalyticsEvent(BaseModel):
    """The original specification's event (``POST /api/v1/metrics/track``), stored as a ``track``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    user_id: str = Field(min_length=1, max_length=500)
    event_name: str = Field(min_length=1, max_length=500)
    event_category: str = Field(min_length=1, max_length=500)
    properties: dict[str, Any] | None = None
    timestamp: datetime | None = None
    session_id: str | None = Field(default=None, max_length=500)


MESSAGE_MODELS: dict[str, type[Message]] = {
    "track": Track, "identify": Identify, "page": Page, "screen": Screen, "group": Group, "alias": Alias,
}


def parse_message(raw: Any, index: int | None = None, kind: str | None = None) -> Message:
    """A decoded Segment message as its model.

    ``kind`` is the call type implied by the route (``/v1/track`` → ``track``) and overrides the
    body's ``type``; without it (``/v1/batch``) the message's own ``type`` decides. Raises
    :class:`InvalidInput` with the offending field (dotted camelCase path, e.g. ``context``) and
    ``index``.
    """
    if not isinstance(raw, dict):
        raise InvalidInput("message", "must be a JSON object", index)
    kind = kind or raw.get("type")
    model = MESSAGE_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise InvalidInput("type", f"must be one of {', '.join(MESSAGE_MODELS)}", index)
    if raw.get("type") != kind:
        raw = {**raw, "type": kind}
    return validate_model(model, raw, index)


def validate_model(model: type[M], raw: Any, index: int | None = None) -> M:
    """``raw`` validated as ``model``; a failure raises :class:`InvalidInput` for its first error."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise invalid_from(exc, index) from None


def invalid_from(exc: ValidationError, index: int | None = None) -> InvalidInput:
    """The first error of a pydantic ``ValidationError`` as an :class:`InvalidInput`."""
    error = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "message"
    return InvalidInput(field, error["msg"], index)
