"""``/api/v1/metrics/alerts``: alert rules with their live state (the specification's
``metric_alerts``, extended), acknowledgement, resolution, history and a condition preview.
A thin adapter over :class:`northstar.alerts.service.AlertsService`.

One resource: an *alert* is a rule together with its current state. ``GET`` lists the active
ones (``pending`` or ``firing``) by default, ``?state=all`` every rule. Values are in the metric's
own unit, as in the metrics API (rates as fractions, money in minor units, durations in the
metric's ``duration_unit``). Bad input is a 422 whose ``detail[].loc`` names the field; an
unknown alert id a 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import AfterValidator, BaseModel, Field

from northstar.alerts.model import (
    AlertType,
    Grain,
    NoDataPolicy,
    Severity,
    StateName,
    Timeframe,
)
from northstar.alerts.service import AlertNotFound, AlertsService, AlertView, HistoryEvent, Preview, alerts_for
from northstar.auth.roles import Principal
from northstar.auth.visibility import can_view, role_needed, visible
from northstar.domain.errors import InvalidInput
from northstar.web.auth.dependencies import PermissionDenied, require
from northstar.web.auth.visibility import CurrentPrincipal
from northstar.web.deps import NorthstarDep
from northstar.web.security.audit import audit

PREFIX = "/api/v1/metrics/alerts"
router = APIRouter(tags=["alerts"], responses={
    401: {"description": "No acceptable credentials (a session, or a read key as `Authorization: Bearer`)."},
    403: {"description": "The caller's role does not allow this (rules are changed by `manage`), or the alert's "
                         "metric needs a higher role."},
})


def alerts_service(northstar: NorthstarDep) -> AlertsService:
    """The façade's alerts service."""
    return alerts_for(northstar)


Alerts = Annotated[AlertsService, Depends(alerts_service)]

UtcInstant = Annotated[datetime, AfterValidator(lambda value: value if value.tzinfo else value.replace(tzinfo=UTC))]
"""An instant of the store (naive UTC) answered as RFC 3339 with ``Z``."""

Comparison = Literal[">", ">=", "<", "<=", "=", "increase", "decrease", "change_%", "increasing", "decreasing",
                     "outside", "above", "below"]


class QuietHoursIn(BaseModel):
    """Hours ``[start, end)`` (local time in ``timezone``) when non-critical notifications wait;
    ``22:00``–``07:00`` wraps midnight."""

    start: time
    end: time
    timezone: str = "UTC"


class EscalationStepIn(BaseModel):
    """Still firing and unacknowledged ``after_minutes`` after it fired → notify these too."""

    after_minutes: int = Field(ge=1, le=43200)
    channels: list[str] = []
    recipients: list[str] = []


class AlertRuleFields(BaseModel):
    """The fields of a rule (all optional here; see :class:`AlertRuleIn` for what a new rule needs).

    ``threshold_value`` means, by ``alert_type``: ``threshold`` the bound; ``change`` the percent
    (``10`` = 10 %, > 0); ``trend`` with ``trend_method=slope`` the slope bound per period (≥ 0);
    ``anomaly`` the sensitivity in robust standard deviations (default 3); ``target`` the target
    (default: the metric's configured target). ``comparison`` by type: ``threshold`` ``> >= < <= =``;
    ``change`` ``increase decrease change_%`` (default ``change_%``, either way); ``trend``
    ``increasing decreasing`` (default: the metric's wrong way); ``anomaly`` ``outside above below``
    (default ``outside``); ``target`` ``below above`` (default: the metric's wrong side)."""

    name: str | None = Field(default=None, max_length=200, description="Default: the condition as text.")
    metric_name: str | None = Field(default=None, description="A catalog metric (GET /api/v1/metrics).")
    alert_type: AlertType | None = None
    comparison: Comparison | None = None
    threshold_value: float | None = None
    severity: Severity | None = None
    is_active: bool | None = None
    notification_channels: list[str] | None = Field(
        default=None, description="Channel ids or kinds (`email`, `slack`, `teams`, `webhook`, `sms`, `in_app`).")
    recipients: list[str] | None = Field(
        default=None, description="Email addresses, webhook URLs or Apprise URLs.")
    filters: dict[str, str] | None = Field(default=None, description="Dimension → value, e.g. {\"plan\": \"pro\"}.")
    timeframe: Timeframe | None = Field(default=None, description="Window of each day's value (day grain).")
    grain: Grain | None = Field(default=None, description="day (rolling timeframe), or completed weeks/months.")
    days_earlier: int | None = Field(default=None, description="change: compare with N days earlier "
                                     "(default: one timeframe earlier).")
    trend_method: Literal["consecutive", "slope"] | None = None
    periods: int | None = Field(default=None, description="trend/target: points considered.")
    season_length: int | None = Field(default=None, description="anomaly: points per season (7 for daily data "
                                      "with a weekly pattern; 1 for none).")
    history: int | None = Field(default=None, description="anomaly: past points the band is learnt from.")
    target_date: date | None = Field(default=None, description="target: the day the target is due.")
    pending_evaluations: int | None = Field(default=None, description="Evaluations spent pending before firing.")
    no_data: NoDataPolicy | None = Field(default=None, description="Without a value: ok, keep the state, "
                                         "alerting, or the no_data state.")
    repeat_interval_minutes: int | None = Field(default=None, description="Re-notify while firing unacknowledged.")
    quiet_hours: QuietHoursIn | None = None
    escalation: list[EscalationStepIn] | None = None


class AlertRuleIn(AlertRuleFields):
    """A new rule: ``metric_name`` is required; ``threshold_value`` and ``comparison`` too for a
    ``threshold`` rule (the default ``alert_type``)."""

    metric_name: str = Field(description="A catalog metric (GET /api/v1/metrics).")  # type: ignore[assignment]


class AlertRulePatch(AlertRuleFields):
    """A partial update: only the fields sent change (``null`` resets an optional one)."""


class NoteIn(BaseModel):
    """A note kept with an acknowledgement or a resolution."""

    note: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")


class AlertOut(BaseModel):
    """A rule with its state. ``state`` is ``ok``, ``pending``, ``firing``, ``resolved`` or
    ``no_data``; ``value`` the value of the last evaluation (``value_display`` formatted);
    ``alert_id`` names the current episode (from pending/firing to resolution);
    ``condition_text`` reads like "K-factor < 1.0"; ``link`` is the metric's drill-down."""

    id: str
    name: str
    metric_name: str
    metric_label: str
    alert_type: AlertType
    comparison: str
    threshold_value: float | None
    severity: Severity
    is_active: bool
    notification_channels: list[str]
    recipients: list[str]
    last_triggered_at: UtcInstant | None
    trigger_count: int
    filters: dict[str, str]
    timeframe: Timeframe
    grain: Grain
    days_earlier: int | None
    trend_method: Literal["consecutive", "slope"] | None
    periods: int | None
    season_length: int | None
    history: int | None
    target_date: date | None
    pending_evaluations: int
    no_data: NoDataPolicy
    repeat_interval_minutes: int | None
    quiet_hours: QuietHoursIn | None
    escalation: list[EscalationStepIn]
    condition_text: str
    link: str
    default_key: str | None
    state: StateName
    state_since: UtcInstant | None
    value: float | int | None
    value_display: str | None
    alert_id: str | None
    fired_at: UtcInstant | None
    acknowledged_at: UtcInstant | None
    ack_note: str | None
    last_evaluated_at: UtcInstant | None
    created_at: UtcInstant
    updated_at: UtcInstant


class HistoryOut(BaseModel):
    """One event of an alert's history: a state ``transition`` (``from_state`` → ``to_state`` with
    the ``value`` that caused it), an ``ack``, a manual ``resolve``, or a rule ``created``/``updated``."""

    at: UtcInstant
    kind: Literal["transition", "ack", "resolve", "created", "updated"]
    alert_id: str | None
    from_state: StateName | None
    to_state: StateName | None
    value: float | int | None
    value_display: str | None
    detail: str | None
    note: str | None


class PreviewPoint(BaseModel):
    """One recent value and whether the condition holds on it (``null``: cannot tell, e.g. no data
    or not enough history)."""

    date: date
    value: float | int | None
    display: str | None
    reason: str | None
    holds: bool | None


class PreviewOut(BaseModel):
    """The metric's recent values against a draft rule's condition, oldest first."""

    metric_name: str
    metric_label: str
    unit: str
    condition_text: str
    points: list[PreviewPoint]


class EvaluationOut(BaseModel):
    """How many rules one evaluation looked at, and the ids now firing."""

    evaluated: int
    firing: list[str]
    transitions: int


NOT_FOUND = {404: {"description": "No alert with that id."}}
BAD_RULE = {422: {"description": "A bad field: an unknown `metric_name`, a `comparison` that does not fit the "
                                 "`alert_type`, an impossible `threshold_value` (a percent ≤ 0, a rate outside "
                                 "[0, 1]…), a negative `pending_evaluations`, an unknown channel or recipient. "
                                 "`detail[].loc` names the field."}}


def _unprocessable(field: str, reason: str) -> HTTPException:
    return HTTPException(status_code=422, detail=[{"loc": ["body", field], "msg": reason, "type": "value_error"}])


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except AlertNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except InvalidInput as exc:
        raise _unprocessable(exc.field, exc.reason) from exc


def _number(value: Any) -> float | int | None:
    from northstar.metrics.results import json_number

    return json_number(value)


def alert_out(view: AlertView) -> AlertOut:
    """The wire form of an :class:`AlertView`."""
    fields = {key: value for key, value in view.fields.items() if key in AlertOut.model_fields}
    fields["threshold_value"] = _number(fields["threshold_value"])
    return AlertOut(
        **fields, value=_number(view.state.value), value_display=view.value_display,
        metric_label=view.metric_label, condition_text=view.condition_text, link=view.link,
        state=view.state.state, state_since=view.state.since, alert_id=view.state.alert_id,
        fired_at=view.state.fired_at, acknowledged_at=view.state.acknowledged_at, ack_note=view.state.ack_note,
        last_evaluated_at=view.state.evaluated_at,
    )


def history_out(event: HistoryEvent) -> HistoryOut:
    """The wire form of a :class:`HistoryEvent`."""
    return HistoryOut(at=event.at, kind=event.kind, alert_id=event.alert_id, from_state=event.from_state,
                      to_state=event.to_state, value=_number(event.value), value_display=event.value_display,
                      detail=event.detail, note=event.note)


def preview_out(preview: Preview) -> PreviewOut:
    """The wire form of a :class:`Preview`."""
    return PreviewOut(metric_name=preview.metric_name, metric_label=preview.metric_label, unit=preview.unit,
                      condition_text=preview.condition_text, points=[
                          PreviewPoint(date=point.day, value=_number(point.value), display=point.display,
                                       reason=point.reason, holds=point.holds)
                          for point in preview.points])


StateFilter = Literal["active", "all", "ok", "pending", "firing", "resolved", "no_data"]


@router.get(PREFIX, response_model=list[AlertOut], summary="Active alerts, or every rule",
            dependencies=[require("view_dashboard")],
            responses={422: {"description": "A `state` or `severity` outside its values."}})
def list_alerts(
    alerts: Alerts, principal: CurrentPrincipal,
    state: Annotated[StateFilter, Query(description="`active` (pending or firing, the default), `all` rules, "
                                        "or one state.")] = "active",
    severity: Annotated[Severity | None, Query(description="Only this severity.")] = None,
    metric_name: Annotated[str | None, Query(description="Only rules on this metric.")] = None,
) -> list[AlertOut]:
    """Alerts (rules with their state), most severe first: firing before pending, critical before
    warning before info, then by name. Alerts on metrics the caller's role may not see are left out."""
    views = alerts.list(state=state, severity=severity, metric_name=metric_name)
    shown = visible(principal, [view.rule.metric_name for view in views], alerts.metrics.registry, alerts.settings)
    return [alert_out(view) for view in views if view.rule.metric_name in shown]


@router.post(PREFIX, response_model=AlertOut, status_code=201, summary="Create an alert rule", responses=BAD_RULE,
             dependencies=[require("manage")])
def create_alert(body: AlertRuleIn, alerts: Alerts, request: Request) -> AlertOut:
    """A new rule, evaluated from the next evaluation on; answers it with state ``ok``."""
    with _translated():
        created = alerts.create(body.model_dump(exclude_unset=True, mode="python"))
    audit(request, "alert.create", created.rule.id, {"metric_name": created.rule.metric_name,
                                                     "condition": created.condition_text})
    return alert_out(created)


@router.post(f"{PREFIX}/preview", response_model=PreviewOut, summary="Preview a condition on recent values",
             responses=BAD_RULE, dependencies=[require("view_dashboard")])
def preview_alert(
    body: AlertRuleIn, alerts: Alerts, principal: CurrentPrincipal,
    points: Annotated[int, Query(ge=1, le=90, description="How many recent points.")] = 30,
) -> PreviewOut:
    """The metric's last ``points`` values on the draft rule's grain and timeframe, each marked with
    whether the condition would hold on it. Nothing is stored."""
    _check_visible(principal, body.metric_name, alerts)
    with _translated():
        return preview_out(alerts.preview(body.model_dump(exclude_unset=True, mode="python"), points))


@router.get(f"{PREFIX}/{{alert_id}}", response_model=AlertOut, summary="One alert",
            responses=NOT_FOUND, dependencies=[require("view_dashboard")])
def get_alert(alert_id: str, alerts: Alerts, principal: CurrentPrincipal) -> AlertOut:
    """The rule ``alert_id`` with its state."""
    with _translated():
        view = alerts.get(alert_id)
    _check_visible(principal, view.rule.metric_name, alerts)
    return alert_out(view)


@router.patch(f"{PREFIX}/{{alert_id}}", response_model=AlertOut, summary="Change an alert rule",
              responses={**NOT_FOUND, **BAD_RULE}, dependencies=[require("manage")])
def update_alert(alert_id: str, body: AlertRulePatch, alerts: Alerts, request: Request) -> AlertOut:
    """Change the fields sent; a change of the condition, metric or filters starts the state over."""
    changes = body.model_dump(exclude_unset=True, mode="python")
    with _translated():
        updated = alerts.update(alert_id, changes)
    audit(request, "alert.update", alert_id, {"fields": sorted(changes), "condition": updated.condition_text})
    return alert_out(updated)


@router.delete(f"{PREFIX}/{{alert_id}}", status_code=204, summary="Delete an alert rule", responses=NOT_FOUND,
               dependencies=[require("manage")])
def delete_alert(alert_id: str, alerts: Alerts, request: Request) -> Response:
    """Delete the rule (a deleted default rule is not installed again)."""
    with _translated():
        alerts.delete(alert_id)
    audit(request, "alert.delete", alert_id)
    return Response(status_code=204)


@router.post(f"{PREFIX}/{{alert_id}}/ack", response_model=AlertOut, summary="Acknowledge a firing alert",
             responses={**NOT_FOUND, 409: {"description": "The alert is not firing."}},
             dependencies=[require("manage")])
def acknowledge_alert(alert_id: str, alerts: Alerts, request: Request, body: NoteIn | None = None) -> AlertOut:
    """Acknowledge the current episode with an optional note: repeats and escalation stop."""
    note = body.note if body else None
    with _translated():
        acknowledged = _conflict_checked(lambda: alerts.acknowledge(alert_id, note))
    audit(request, "alert.ack", alert_id, {"note": note})
    return alert_out(acknowledged)


@router.post(f"{PREFIX}/{{alert_id}}/resolve", response_model=AlertOut, summary="Resolve an alert",
             responses={**NOT_FOUND, 409: {"description": "The alert is not firing or pending."}},
             dependencies=[require("manage")])
def resolve_alert(alert_id: str, alerts: Alerts, request: Request, body: NoteIn | None = None) -> AlertOut:
    """Resolve the current episode by hand with an optional note (a ``resolved`` notification is
    sent when it was firing). If the condition still holds it starts again at the next evaluation."""
    note = body.note if body else None
    with _translated():
        resolved = _conflict_checked(lambda: alerts.resolve(alert_id, note))
    audit(request, "alert.resolve", alert_id, {"note": note})
    return alert_out(resolved)


@router.get(f"{PREFIX}/{{alert_id}}/history", response_model=list[HistoryOut], summary="An alert's history",
            responses=NOT_FOUND, dependencies=[require("view_dashboard")])
def alert_history(
    alert_id: str, alerts: Alerts, principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000, description="Newest events first, at most this many.")] = 100,
) -> list[HistoryOut]:
    """Transitions (with the value that caused each), acknowledgements, resolutions and rule changes,
    newest first."""
    with _translated():
        _check_visible(principal, alerts.get(alert_id).rule.metric_name, alerts)
        return [history_out(event) for event in alerts.history(alert_id, limit)]


@router.post(f"{PREFIX}/evaluate", response_model=EvaluationOut, summary="Evaluate every rule now",
             dependencies=[require("manage")])
def evaluate_alerts(alerts: Alerts) -> EvaluationOut:
    """One evaluation of every active rule (what the scheduler does every minute), then delivery."""
    report = alerts.evaluate_all()
    return EvaluationOut(evaluated=report.evaluated, firing=list(report.firing), transitions=report.transitions)


def _check_visible(principal: Principal, metric_name: str, alerts: AlertsService) -> None:
    """Refuse (403) an alert on a metric whose values ``principal``'s role may not see."""
    registry = alerts.metrics.registry
    if metric_name in registry and not can_view(principal, registry.spec(metric_name), alerts.settings):
        needed = role_needed(registry.spec(metric_name), alerts.settings)
        raise PermissionDenied(f"metric {metric_name} needs the {needed} role")


def _conflict_checked(action: Any) -> Any:
    from northstar.alerts.service import NotActive

    try:
        return action()
    except NotActive as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc

