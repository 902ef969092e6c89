"""Notification channels, in-app notifications and the delivery log (issue 5, "Notifications").

A thin adapter over ``northstar.alerts`` (``channels``, ``notify``, ``inbox``, ``delivery``):

- ``/api/v1/notification-channels``: list, create, read, change, delete channels; ``…/{id}/test``
  sends a test notification at once and answers with the outcome;
- ``/api/v1/notifications``: the in-app notifications under the bell (``?unread=true``) and
  ``…/{id}/read``;
- ``/api/v1/notification-deliveries``: every delivery with its status, attempts and last error.

Bad input answers 422 whose ``detail[0].loc`` names the field (``["body", "target"]``). Channel
targets are shown with their credentials masked; a webhook's secret is in the answer only when it
is created or rotated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import AfterValidator, BaseModel, Field

from northstar.alerts.channels import (
    Channel,
    create_channel,
    delete_channel,
    get_channel,
    list_channels,
    update_channel,
)
from northstar.alerts.delivery import list_deliveries
from northstar.alerts.destinations import masked
from northstar.alerts.inbox import InAppNotification, list_in_app, mark_read, unread_count
from northstar.alerts.notify import send_test
from northstar.domain.errors import InvalidInput
from northstar.metrics.service import service_for
from northstar.web.auth import AUTH_RESPONSES, require
from northstar.web.auth.visibility import CurrentPrincipal, hidden_metric_names
from northstar.web.deps import NorthstarDep
from northstar.web.security.audit import audit

router = APIRouter(tags=["notifications"], dependencies=[require("view_dashboard")], responses=AUTH_RESPONSES)
MANAGE = [require("manage")]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# The store keeps naive UTC; answers mark it (``…Z``) so clients need not guess.
Instant = Annotated[datetime, AfterValidator(_utc)]

ChannelType = Literal["email", "slack", "teams", "sms", "webhook", "in_app", "apprise"]
DeliveryStatus = Literal["pending", "held", "sending", "delivered", "failed"]

NOT_FOUND = {404: {"description": "No channel with this id."}}
BAD_CHANNEL = {422: {"description": "A bad `name` (empty, a channel kind, taken), an unknown `type` or a `target` "
                     "the type cannot use (not a URL of that service, email addresses without an SMTP server); "
                     "`detail[0].loc` names the field."}}


class ChannelIn(BaseModel):
    """A new channel. ``target``: an Apprise URL (``slack://…``, ``workflow://…`` for Teams,
    ``twilio://…``, ``mailtos://…``, any Apprise URL for ``apprise``), email addresses for
    ``email`` (sent through ``notifications.smtp_url``), an http(s) URL for ``webhook``, nothing for
    ``in_app``. ``secret`` sets a webhook's signing secret (generated when absent)."""

    name: str = Field(min_length=1, max_length=100, examples=["ops-slack"])
    type: ChannelType
    target: str | None = Field(default=None, max_length=2000, examples=["slack://T000/B000/XXXX/#alerts"])
    enabled: bool = True
    secret: str | None = Field(default=None, min_length=16, max_length=200)


class ChannelPatch(BaseModel):
    """Changes to a channel (absent fields stay); ``rotate_secret`` gives a webhook a new secret."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    target: str | None = Field(default=None, max_length=2000)
    enabled: bool | None = None
    rotate_secret: bool = False


class ChannelOut(BaseModel):
    """A channel as shown: ``target`` with credentials masked, ``secret_hint`` the end of a webhook's
    secret; ``secret`` is the full secret, present only in the answer that created or rotated it."""

    id: str
    name: str
    type: ChannelType
    target: str | None
    enabled: bool
    secret_hint: str | None
    secret: str | None = None
    created_at: Instant
    updated_at: Instant


class TestOutcome(BaseModel):
    """The result of a test notification: ``delivered``, or ``failed`` with the ``error``."""

    channel_id: str
    delivery_id: str
    status: Literal["delivered", "failed"]
    error: str | None


class InAppOut(BaseModel):
    """One in-app notification; ``link`` is the drill-down path, ``read_at`` ``null`` while unread."""

    id: str
    alert_id: str
    rule_id: str
    event: str
    severity: str
    title: str
    body: str
    link: str
    created_at: Instant
    read_at: Instant | None


class InAppList(BaseModel):
    """The newest in-app notifications and how many are unread in all."""

    unread: int
    notifications: list[InAppOut]


class DeliveryOut(BaseModel):
    """One delivery: where (``kind``, ``channel_id`` or the masked ``recipient``), of what, and how
    it went. ``next_attempt_at`` is set while it is still to be attempted."""

    id: str
    alert_id: str
    rule_id: str
    event: str
    severity: str
    kind: str
    channel_id: str | None
    recipient: str | None
    status: DeliveryStatus
    attempts: int
    created_at: Instant
    next_attempt_at: Instant | None
    last_attempt_at: Instant | None
    delivered_at: Instant | None
    last_error: str | None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def _translated() -> Iterator[None]:
    """:class:`InvalidInput` as a 422 naming the body field."""
    try:
        yield
    except InvalidInput as exc:
        raise HTTPException(status_code=422, detail=[{"loc": ["body", exc.field], "msg": exc.reason,
                                                      "type": "value_error"}]) from exc


def _out(channel: Channel, show_secret: bool = False) -> ChannelOut:
    return ChannelOut(
        id=channel.id, name=channel.name, type=channel.type, target=masked(channel.type, channel.target),  # type: ignore[arg-type]
        enabled=channel.enabled, secret_hint=f"…{channel.secret[-4:]}" if channel.secret else None,
        secret=channel.secret if show_secret else None, created_at=channel.created_at, updated_at=channel.updated_at,
    )


def _channel_or_404(northstar: NorthstarDep, channel_id: str) -> Channel:
    channel = get_channel(northstar.store, channel_id)
    if channel is None:
        raise HTTPException(status_code=404, detail=f"no notification channel {channel_id!r}")
    return channel


@router.get("/api/v1/notification-channels", dependencies=MANAGE,
            response_model=list[ChannelOut], summary="List notification channels")
def channels_index(northstar: NorthstarDep) -> list[ChannelOut]:
    """Every channel, by name."""
    return [_out(channel) for channel in list_channels(northstar.store)]


@router.post("/api/v1/notification-channels", dependencies=MANAGE,
             response_model=ChannelOut, status_code=201, responses=BAD_CHANNEL,
             summary="Create a notification channel")
def channels_create(body: ChannelIn, request: Request, northstar: NorthstarDep) -> ChannelOut:
    """Create a channel; a webhook's secret is in this answer once (keep it to verify signatures)."""
    with _translated():
        channel = create_channel(northstar.store, northstar.settings.notifications, name=body.name, type=body.type,
                                 target=body.target, enabled=body.enabled, secret=body.secret, now=_now())
    audit(request, "notification_channel.create", channel.id, {"name": channel.name, "type": channel.type})
    return _out(channel, show_secret=True)


@router.get("/api/v1/notification-channels/{channel_id}", dependencies=MANAGE,
            response_model=ChannelOut, responses=NOT_FOUND,
            summary="One notification channel")
def channels_show(channel_id: str, northstar: NorthstarDep) -> ChannelOut:
    """The channel, its target masked."""
    return _out(_channel_or_404(northstar, channel_id))


@router.patch("/api/v1/notification-channels/{channel_id}", dependencies=MANAGE,
              response_model=ChannelOut,
              responses={**NOT_FOUND, **BAD_CHANNEL}, summary="Change a notification channel")
def channels_update(channel_id: str, body: ChannelPatch, request: Request, northstar: NorthstarDep) -> ChannelOut:
    """Rename, retarget, enable or disable a channel, or rotate a webhook's secret (shown once)."""
    channel = _channel_or_404(northstar, channel_id)
    with _translated():
        changed = update_channel(northstar.store, northstar.settings.notifications, channel, now=_now(),
                                 name=body.name, target=body.target, enabled=body.enabled,
                                 rotate_secret=body.rotate_secret)
    audit(request, "notification_channel.update", channel.id, {"changed": sorted(body.model_dump(exclude_unset=True))})
    return _out(changed, show_secret=body.rotate_secret and changed.type == "webhook")


@router.delete("/api/v1/notification-channels/{channel_id}", dependencies=MANAGE,
               status_code=204, responses=NOT_FOUND,
               summary="Delete a notification channel")
def channels_delete(channel_id: str, request: Request, northstar: NorthstarDep) -> Response:
    """Delete the channel; its deliveries not yet sent fail at their next attempt."""
    if not delete_channel(northstar.store, channel_id):
        raise HTTPException(status_code=404, detail=f"no notification channel {channel_id!r}")
    audit(request, "notification_channel.delete", channel_id)
    return Response(status_code=204)


@router.post("/api/v1/notification-channels/{channel_id}/test", dependencies=MANAGE,
             response_model=TestOutcome, responses=NOT_FOUND,
             summary="Send a test notification")
def channels_test(channel_id: str, northstar: NorthstarDep) -> TestOutcome:
    """Send a test notification through the channel now (no retry) and answer with the outcome;
    it is logged in the delivery log like any other."""
    channel = _channel_or_404(northstar, channel_id)
    outcome = send_test(northstar.store, northstar.settings, channel, _now())
    return TestOutcome(channel_id=channel.id, delivery_id=outcome.delivery_id,
                       status="delivered" if outcome.status == "delivered" else "failed", error=outcome.error)


@router.get("/api/v1/notifications", response_model=InAppList, summary="In-app notifications")
def notifications_index(
    northstar: NorthstarDep,
    principal: CurrentPrincipal,
    unread: Annotated[bool, Query(description="Only unread notifications.")] = False,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many, newest first.")] = 50,
) -> InAppList:
    """The newest in-app notifications (the bell's list) and the unread count, without those of
    alert rules on metrics the caller's role may not see (their text carries the value)."""
    hidden = hidden_metric_names(principal, service_for(northstar))
    items = list_in_app(northstar.store, unread_only=unread, limit=limit, hidden_metrics=hidden)
    return InAppList(unread=unread_count(northstar.store, hidden_metrics=hidden),
                     notifications=[_in_app(item) for item in items])


def _in_app(item: InAppNotification) -> InAppOut:
    return InAppOut.model_validate(item, from_attributes=True)


@router.post("/api/v1/notifications/{notification_id}/read", response_model=InAppOut,
             responses={404: {"description": "No in-app notification with this id."}}, summary="Mark as read")
def notifications_read(notification_id: str, northstar: NorthstarDep) -> InAppOut:
    """Mark the in-app notification read (reading it again keeps the first time)."""
    item = mark_read(northstar.store, notification_id, _now())
    if item is None:
        raise HTTPException(status_code=404, detail=f"no notification {notification_id!r}")
    return _in_app(item)


@router.get("/api/v1/notification-deliveries", dependencies=MANAGE,
            response_model=list[DeliveryOut], summary="The delivery log")
def deliveries_index(
    northstar: NorthstarDep,
    status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state.")] = None,
    alert_id: Annotated[str | None, Query(description="Only deliveries of this alert.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, newest first.")] = 100,
) -> list[DeliveryOut]:
    """Every delivery, newest first: status, attempts, next attempt, last error."""
    return [DeliveryOut.model_validate(record, from_attributes=True)
            for record in list_deliveries(northstar.store, status=status, alert_id=alert_id, limit=limit)]
