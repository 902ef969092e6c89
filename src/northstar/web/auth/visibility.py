"""Financial visibility in the web layer: dependencies that refuse a metric, a chart or an export
the principal may not see (403 naming the metric and the role it needs), and the helpers pages use
to leave such metrics out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from northstar.auth.roles import Principal, Role, rank
from northstar.auth.visibility import can_view, role_needed, visible_metrics
from northstar.metrics.service import MetricsService, service_for
from northstar.web.auth.dependencies import PermissionDenied, principal_for
from northstar.web.security.audit import audit

CurrentPrincipal = Annotated[Principal, Depends(principal_for)]


def visible_metric(name: str, request: Request) -> Principal:
    """The principal, after checking it may see metric ``name`` (a name not in the catalog passes:
    the route answers 404). Raises :class:`PermissionDenied`: ``metric mrr needs the executive role``.
    A permitted view of a metric that needs more than ``viewer`` is audited (``metric.view_financial``)."""
    principal = principal_for(request)
    northstar = request.app.state.northstar
    registry = service_for(northstar).registry
    if name not in registry:
        return principal
    needed = role_needed(registry.spec(name), northstar.settings)
    if not can_view(principal, registry.spec(name), northstar.settings):
        raise PermissionDenied(f"metric {name} needs the {needed} role")
    if needed != "viewer":
        audit(request, "metric.view_financial", name, {"path": request.url.path})
    return principal


VisibleMetric = Annotated[Principal, Depends(visible_metric)]


# Charts whose id does not start with the family of the money they show.
REVENUE_CHARTS = frozenset({"cohorts.revenue", "overview.revenue_by_month"})


def chart_role(chart_id: str, metric: str | None, service: MetricsService) -> Role:
    """The least role that may see chart ``chart_id`` (for the catalog ``metric`` of a generic
    chart): its family's role (the id's prefix, ``revenue`` for :data:`REVENUE_CHARTS`), raised to
    the metric's when one is named."""
    family = "revenue" if chart_id in REVENUE_CHARTS else chart_id.partition(".")[0]
    needed = service.settings.auth.family_roles.get(family, "viewer")
    if metric and metric in service.registry:
        needed = max(needed, role_needed(service.registry.spec(metric), service.settings), key=rank)
    return needed


def chart_allowed(principal: Principal, chart_id: str, metric: str | None, service: MetricsService) -> bool:
    """Whether ``principal`` may see chart ``chart_id`` (see :func:`chart_role`)."""
    return principal.at_least(chart_role(chart_id, metric, service))


def visible_chart(chart_id: str, fmt: str, request: Request) -> Principal:
    """The principal, after checking it may see chart ``chart_id`` (and its ``metric`` query
    parameter) and, for a download (any ``fmt`` but ``json``), that it may ``export``; a download is
    audited (``export``). Raises :class:`PermissionDenied` naming what is needed."""
    principal = principal_for(request)
    service = service_for(request.app.state.northstar)
    metric = request.query_params.get("metric")
    needed = chart_role(chart_id, metric, service)
    if not principal.at_least(needed):
        raise PermissionDenied(f"chart {chart_id}{f' of {metric}' if metric else ''} needs the {needed} role")
    if fmt != "json":
        if not principal.has("export"):
            raise PermissionDenied("downloads need the analyst role (permission export)")
        audit(request, "export", chart_id, {"format": fmt, "metric": metric})
    return principal


VisibleChart = Annotated[Principal, Depends(visible_chart)]


def hidden_metric_names(principal: Principal, service: MetricsService) -> set[str]:
    """The catalog metrics ``principal`` may not see."""
    return set(service.registry.names) - visible_metrics(principal, service.registry, service.settings)


def export_allowed(request: Request) -> Principal:
    """For the board export (``?metrics=a,b``): the principal, after checking it may see every
    metric named; the export is audited (``export``). Raises :class:`PermissionDenied` naming the
    first hidden metric and the role it needs."""
    principal = principal_for(request)
    service = service_for(request.app.state.northstar)
    names = [name.strip() for name in request.query_params.get("metrics", "").split(",") if name.strip()]
    for name in names:
        if name in service.registry and not can_view(principal, service.registry.spec(name), service.settings):
            needed = role_needed(service.registry.spec(name), service.settings)
            raise PermissionDenied(f"metric {name} needs the {needed} role")
    audit(request, "export", ",".join(names), {"format": request.query_params.get("format", "csv")})
    return principal
