"""``/alerts``: the alerts manager page (the specification's ``AlertsManager``), and the critical
banner the overview shows.

Server-rendered from the same wire forms as ``/api/v1/metrics/alerts`` (active alerts, every rule,
one rule to edit) and the stored notification channels; static/js/alerts.js sends the changes
(create, edit, acknowledge, resolve, delete, preview, channel tests) to the JSON API and shows its
422 answers next to the field they name. The metric picker is built from the list of metric
names the principal may see (:func:`visible_names`, ``auth.family_roles``), and rules on the
other metrics are left out of the page and the banner. ``/alerts/critical-banner`` answers the
banner's lines for its live refresh (static/js/alert_banner.js).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from northstar.alerts.channels import list_channels
from northstar.alerts.destinations import masked
from northstar.alerts.model import ALERT_TYPES, SEVERITIES
from northstar.alerts.service import AlertNotFound, AlertView
from northstar.app import Northstar
from northstar.auth.visibility import visible_metrics
from northstar.domain.money import currency_exponent
from northstar.metrics.registry import Registry
from northstar.metrics.service import service_for
from northstar.store.schema import CHANNEL_TYPES
from northstar.web.api.v1.alerts import AlertOut, alert_out, alerts_service
from northstar.web.auth import CurrentPrincipal, require
from northstar.web.auth.dependencies import current_principal
from northstar.web.deps import NorthstarDep
from northstar.web.pages.alerts_choices import metric_choices
from northstar.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[require("view_dashboard")])

SEVERITY_LABELS = {"critical": "Critical", "warning": "Warning", "info": "Info"}
STATE_LABELS = {"ok": "OK", "pending": "Pending", "firing": "Firing", "resolved": "Resolved", "no_data": "No data"}
TYPE_LABELS = {
    "threshold": "Threshold", "change": "Change", "trend": "Trend", "anomaly": "Anomaly", "target": "Target",
}
# What each comparison of each condition type reads as in the form.
COMPARISON_LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "threshold": ((">", "above (>)"), (">=", "at or above (≥)"), ("<", "below (<)"), ("<=", "at or below (≤)"),
                  ("=", "equal to (=)")),
    "change": (("change_%", "either way"), ("increase", "up"), ("decrease", "down")),
    "trend": (("decreasing", "decreasing"), ("increasing", "increasing")),
    "anomaly": (("outside", "outside the band"), ("above", "above the band"), ("below", "below the band")),
    "target": (("below", "below the target"), ("above", "above the target")),
}
CHANNEL_TYPE_LABELS = {
    "email": "Email", "slack": "Slack", "teams": "Microsoft Teams", "sms": "SMS (Twilio)",
    "webhook": "Webhook (signed JSON)", "in_app": "In-app (the bell)", "apprise": "Other Apprise URL",
}
NOTICES = {
    "created": "The rule was created.", "saved": "The rule was saved.", "deleted": "The rule was deleted.",
    "acknowledged": "The alert was acknowledged.", "resolved": "The alert was resolved.",
    "channel": "The channel was added.",
}


def visible_names(request: Request) -> set[str]:
    """The catalog metrics the request's principal may see (none without a principal): rules on
    the others are left out of the page and the banner, and the picker does not offer them."""
    principal = current_principal(request)
    if principal is None:
        return set()
    northstar = request.app.state.northstar
    return visible_metrics(principal, service_for(northstar).registry, northstar.settings)


def firing_critical(northstar: Northstar, names: set[str]) -> list[AlertOut]:
    """The critical alerts firing now on the metrics called ``names``, in the service's order."""
    views = alerts_service(northstar).list(state="firing", severity="critical")
    return [alert_out(view) for view in views if view.rule.metric_name in names]


def may_see(view: AlertView, names: set[str], registry: Registry) -> bool:
    """Whether a principal who may see the metrics ``names`` may see alert ``view`` (a rule on a
    metric no longer in the catalog shows no value, so anyone may)."""
    return view.rule.metric_name in names or view.rule.metric_name not in registry


def banner_lines(request: Request) -> list[str]:
    """The critical banner's lines for ``request``'s principal, e.g. ``"DAU is 3 (DAU > 2)"``: the
    template global behind ``_alert_banner.html`` and the answer of ``/alerts/critical-banner``."""
    alerts = firing_critical(request.app.state.northstar, visible_names(request))
    return [f"{alert.metric_label} is {alert.value_display or 'without data'} ({alert.condition_text})"
            for alert in alerts]


def _bell_visible(request: Request) -> bool:
    """The template global behind base.html's bell: only for a request with a principal (a signed-in
    user, a key, or an anonymous role), never on the sign-in page of a closed deployment."""
    return current_principal(request) is not None


templates.env.globals["critical_banner_lines"] = banner_lines
templates.env.globals["bell_visible"] = _bell_visible


def value_scale(unit: str, currency: str) -> float:
    """What one unit typed in the form is worth in the metric's own unit: money is typed in major
    units and stored in minor units (×100 for GBP), a rate is typed in % and stored as a fraction."""
    if unit == "money":
        return float(10 ** currency_exponent(currency))
    if unit == "rate":
        return 0.01
    return 1.0


@router.get("/alerts", response_class=HTMLResponse, summary="Alerts manager page")
def alerts_page(
    request: Request,
    northstar: NorthstarDep,
    principal: CurrentPrincipal,
    severity: Annotated[Literal["critical", "warning", "info"] | None, Query()] = None,
    edit: Annotated[str | None, Query(max_length=64)] = None,
    notice: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    """Active alerts and every rule (filtered by ``severity``), the rule form (filled with rule
    ``edit`` when given) and the notification channels."""
    service = alerts_service(northstar)
    metrics = service_for(northstar)
    currency = metrics.settings.reporting_currency
    names = visible_names(request)
    registry = metrics.registry
    rules = [alert_out(view) for view in service.list(state="all", severity=severity) if may_see(view, names, registry)]
    active = [alert_out(view) for view in service.list(state="active", severity=severity)
              if may_see(view, names, registry)]
    editing = None
    if edit:
        try:
            view = service.get(edit)
            editing = alert_out(view) if may_see(view, names, registry) else None
        except AlertNotFound:
            editing = None
    groups = metric_choices(registry, names, currency)
    scales = {choice.name: value_scale(choice.unit, currency) for group in groups.values() for choice in group}
    shown_value = None
    if editing is not None and editing.threshold_value is not None:
        factor = scales.get(editing.metric_name, 1.0) if editing.alert_type in ("threshold", "target", "trend") else 1.0
        shown_value = f"{editing.threshold_value / factor:.10f}".rstrip("0").rstrip(".")
    channels = [(channel, masked(channel.type, channel.target)) for channel in list_channels(northstar.store)
                if principal.has("manage")]
    return templates.TemplateResponse(
        request,
        "alerts.html",
        {
            "severity": severity, "severities": SEVERITIES, "severity_labels": SEVERITY_LABELS,
            "state_labels": STATE_LABELS, "type_labels": TYPE_LABELS, "alert_types": ALERT_TYPES,
            "comparison_labels": COMPARISON_LABELS, "rules": rules, "active": active, "editing": editing,
            "edit_missing": bool(edit) and editing is None, "shown_value": shown_value,
            "metric_groups": groups, "scales": scales, "currency": currency,
            "timezone": metrics.settings.reporting_timezone, "user_types": metrics.settings.user_types,
            "channels": channels, "channel_types": CHANNEL_TYPES, "channel_type_labels": CHANNEL_TYPE_LABELS,
            "notice": NOTICES.get(notice or ""),
        },
    )


@router.get("/alerts/critical-banner", summary="The overview's critical banner, for its live refresh")
def critical_banner(request: Request) -> JSONResponse:
    """``{"lines": [...]}``: what the banner shows now (static/js/alert_banner.js polls it)."""
    return JSONResponse({"lines": banner_lines(request)})
