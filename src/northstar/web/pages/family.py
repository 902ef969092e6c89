"""What the Revenue, Viral, Cohorts and Engagement pages share: a page is data (:class:`FamilyPage`:
its key-figure cards as catalog names and its charts as registered chart ids), rendered by one
route over the same view query string as the overview (``timeframe``, ``date``, ``start``/``end``,
``user_type``…, parsed by :func:`northstar.reports.charts.chart_request_from_query`).

Cards come from :func:`northstar.web.pages.overview.build_sections` and charts are drawn in the
browser from ``/charts/<id>.json`` (``templates/_chart.html``), so the HTML answers at once and
every chart and table downloads as CSV, XLSX, PNG and SVG.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from northstar.auth.roles import Principal
from northstar.auth.visibility import visible_metrics
from northstar.metrics.service import MetricsService
from northstar.reports import page_charts  # noqa: F401  (registers the pages' charts)
from northstar.reports.charts import TIMEFRAMES, ChartRequest
from northstar.web.api.v1.metrics import metrics_service
from northstar.web.auth import CurrentPrincipal, require
from northstar.web.auth.visibility import chart_allowed
from northstar.web.pages.charts import ChartRequestDep, translated
from northstar.web.pages.overview import TIMEFRAME_LABELS, CardSpec, build_sections
from northstar.web.templating import templates

Service = Annotated[MetricsService, Depends(metrics_service)]


@dataclass(frozen=True, slots=True)
class PageChart:
    """One chart of a page: the registered ``chart_id``, its ``title``, a one-line ``note`` saying
    what it shows (the definitions are in the catalog and the docs) and the catalog ``metrics``
    whose values it shows (what access control checks before showing it)."""

    chart_id: str
    title: str
    note: str
    metrics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PageSection:
    """A titled group of charts; with ``user_type_switch`` it starts with links choosing the
    user type of the whole view (the URL's ``user_type``), e.g. for the retention heatmap."""

    title: str
    charts: tuple[PageChart, ...]
    user_type_switch: bool = False


@dataclass(frozen=True, slots=True)
class FamilyPage:
    """A dashboard page: its ``path``, ``title``, ``template`` (extends ``_family_page.html``), an
    ``intro`` line, the ``cards`` of its key figures and its chart ``sections``."""

    path: str
    title: str
    template: str
    intro: str
    cards: tuple[CardSpec, ...]
    sections: tuple[PageSection, ...]


def visible_page(page: FamilyPage, principal: Principal, service: MetricsService) -> FamilyPage:
    """``page`` without the cards and charts ``principal`` may not see (financial metrics below the
    role ``auth.family_roles`` names, see :func:`northstar.web.auth.visibility.chart_allowed`)."""
    allowed = visible_metrics(principal, service.registry, service.settings)
    cards = tuple(card for card in page.cards if card.name in allowed or card.name not in service.registry)
    sections = tuple(
        replace(section, charts=shown) for section in page.sections
        if (shown := tuple(chart for chart in section.charts
                           if chart_allowed(principal, chart.chart_id, None, service)))
    )
    return replace(page, cards=cards, sections=sections)


def page_context(page: FamilyPage, service: MetricsService, view: ChartRequest) -> dict[str, Any]:
    """Everything a family page's template needs: the view and its controls, the key-figure cards
    (``sections`` in the overview's shape) and the query of every chart of the page."""
    preset = view.timeframe if view.timeframe in TIMEFRAMES else None
    with translated():
        cards = build_sections(service, view, (("Key figures", page.cards),))
    return {
        "page": page, "view": view, "preset": preset, "timeframes": TIMEFRAMES, "timeframe_labels": TIMEFRAME_LABELS,
        "user_types": service.settings.user_types, "user_type": view.filters.get("user_type"),
        "currency": service.settings.reporting_currency, "timezone": service.settings.reporting_timezone,
        "sections": cards, "cards": {card.name: card for _title, found in cards for card in found},
        "chart_query": view.query(metric=None, mark=None, breakdown=None, compare=None),
    }


def page_router(page: FamilyPage, extra: Callable[[MetricsService, ChartRequest], dict[str, Any]] | None = None
                ) -> APIRouter:
    """A router serving ``page`` at ``page.path``; ``extra(service, view)`` adds template values."""
    router = APIRouter(include_in_schema=False, dependencies=[require("view_dashboard")])

    def render(request: Request, service: Service, view: ChartRequestDep, principal: CurrentPrincipal) -> HTMLResponse:
        shown = visible_page(page, principal, service)
        context = page_context(shown, service, view)
        context["restricted"] = shown != page
        if extra is not None:
            context.update(extra(service, view))
        return templates.TemplateResponse(request, page.template, context)

    render.__doc__ = f"The {page.title} page for the view in the query string."
    router.add_api_route(page.path, render, methods=["GET"], response_class=HTMLResponse,
                         summary=f"{page.title} page", name=f"{page.title.lower()}_page")
    return router
