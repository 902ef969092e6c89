"""``/metrics/{name}``: one metric in depth — its value for the view, its series as a line, bar or
area chart (switchable), a breakdown by any dimension it allows, the values as a table, and its
definition and source. An unknown metric is a 404 page."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from northstar.domain.errors import InvalidInput, UnknownMetric
from northstar.metrics.service import MetricsService
from northstar.reports.charts import GRAINS, build_chart
from northstar.web.api.v1.metrics import metrics_service
from northstar.web.auth import VisibleMetric, require
from northstar.web.pages.charts import ChartRequestDep, translated
from northstar.web.pages.overview import TIMEFRAME_LABELS, card_of
from northstar.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[require("view_dashboard")])
Service = Annotated[MetricsService, Depends(metrics_service)]


def breakdowns(service: MetricsService, name: str) -> list[str]:
    """The dimensions metric ``name`` can be broken down by (``user_traits`` stands for the
    declared user dimensions)."""
    found: list[str] = []
    for dimension in service.registry.spec(name).dimensions:
        found.extend(service.settings.user_dimensions if dimension == "user_traits" else [dimension])
    return found


@router.get("/metrics/{name}", response_class=HTMLResponse, summary="Metric drill-down page")
def drilldown_page(name: str, request: Request, service: Service, view: ChartRequestDep,
                   _visible: VisibleMetric) -> HTMLResponse:
    """The drill-down of ``name`` for the view in the query string."""
    if name not in service.registry:
        return templates.TemplateResponse(request, "drilldown.html", {"missing": name}, status_code=404)
    spec = service.registry.spec(name)
    view = replace(view, metric=name)
    with translated():
        usable = {key: value for key, value in view.filters.items()
                  if _splits(service, name, key, value)}
        result = service.compute(name, view.day, view.timeframe, usable)
        card = card_of(name, result, service, replace(view, filters=usable), None, None)
        chart = build_chart("metric.series", service, replace(view, filters=usable))
    return templates.TemplateResponse(request, "drilldown.html", {
        "spec": spec, "view": view, "card": card, "chart": chart, "breakdowns": breakdowns(service, name),
        "grains": GRAINS, "timeframe_labels": TIMEFRAME_LABELS,
        "chart_query": replace(view, filters=usable).query(),
        "dropped": sorted(set(view.filters) - set(usable)),
    })


def _splits(service: MetricsService, name: str, dimension: str, value: str) -> bool:
    try:
        service.check_filters(service.registry.spec(name), {dimension: value})
    except InvalidInput:
        return False
    except UnknownMetric:
        return False
    return True
