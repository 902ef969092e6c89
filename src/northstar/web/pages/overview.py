"""``/``: the executive overview, KPI cards grouped in sections; ``/overview/cards`` the same cards
as an HTML fragment (what live refresh swaps in); ``/overview/sparkline/{name}.svg`` a card's trend.

Sections are lists of catalog names (:data:`SECTIONS`), the one place that decides what the page
shows; labels, formats, targets, zones and benchmarks come from the metric results and the
registry. The view (timeframe, custom range, comparison, user type) is the query string, parsed by
:func:`northstar.reports.charts.chart_request_from_query`, so a view can be shared as a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from northstar.auth.visibility import visible_metrics
from northstar.domain.errors import InvalidInput, UnknownMetric
from northstar.metrics.results import MetricResult
from northstar.metrics.service import MetricsService
from northstar.reports import dashboard  # noqa: F401  (registers the overview's charts)
from northstar.reports.charts import TIMEFRAMES, ChartRequest, reason_text, sparkline
from northstar.web.api.v1.metrics import metrics_service
from northstar.web.auth import CurrentPrincipal, VisibleMetric, require
from northstar.web.pages.charts import ChartRequestDep, translated
from northstar.web.security.financial import financial_view
from northstar.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[require("view_dashboard")])
Service = Annotated[MetricsService, Depends(metrics_service)]


@dataclass(frozen=True, slots=True)
class CardSpec:
    """One card: catalog metric ``name``, computed over ``timeframe`` (``None``: the view's),
    titled ``title`` (``None``: the metric's label)."""

    name: str
    timeframe: str | None = None
    title: str | None = None


# The overview's sections, in order: title → cards. The one list to edit to change the page.
SECTIONS: tuple[tuple[str, tuple[CardSpec, ...]], ...] = (
    ("Revenue", (CardSpec("mrr"), CardSpec("arr"), CardSpec("mrr_growth_rate"), CardSpec("monthly_churn_rate"),
                 CardSpec("net_revenue_retention"))),
    # Revenue carried by purchase events (an e-commerce log such as CDNOW has no subscriptions).
    ("Sales", (CardSpec("revenue"), CardSpec("active_customers"))),
    ("Viral growth", (CardSpec("k_factor"), CardSpec("avg_invites_per_inviter"),
                      CardSpec("invitation_conversion_rate"))),
    ("Users", (CardSpec("total_suppliers"), CardSpec("total_couples"), CardSpec("mau", title="Active users (30 days)"),
               CardSpec("paid_users"), CardSpec("new_signups", timeframe="1d", title="New today"))),
    ("Engagement", (CardSpec("dau"), CardSpec("wau"), CardSpec("mau"), CardSpec("stickiness"),
                    CardSpec("avg_session_duration_minutes"))),
    ("Coordination", (CardSpec("weddings_coordinated"), CardSpec("active_vendor_pairs"),
                      CardSpec("avg_coordination_hours"))),
    ("System health", (CardSpec("uptime_percentage"), CardSpec("avg_page_load_time_ms"),
                       CardSpec("p95_api_response_time_ms"), CardSpec("error_rate"))),
    ("Support", (CardSpec("csat_score"), CardSpec("nps_score"))),
)
TIMEFRAME_LABELS = {"7d": "7 days", "30d": "30 days", "90d": "90 days", "1y": "1 year"}
ZONE_TEXT = {"green": "on target", "yellow": "near target", "red": "off target"}
SPARKLINE_DAYS = 60  # a sparkline shows at most the last 60 days of the view, one point per day


@dataclass(frozen=True, slots=True)
class Card:
    """What one metric card shows. ``value`` is the formatted value, or ``None`` with ``status``
    ("No data", "Not defined") and ``note`` (what to import, or why). ``trend`` is "up", "down" or
    "flat" with ``trend_text``; ``trend_good`` says whether that direction is good for the metric.
    ``progress`` is the share of the target reached (0–100) for the progress bar."""

    key: str
    name: str
    label: str
    description: str
    value: str | None
    status: str | None
    note: str | None
    trend: str | None
    trend_text: str | None
    trend_good: bool | None
    previous: str | None
    target: str | None
    target_by: str | None
    zone: str | None
    zone_text: str | None
    progress: int | None
    benchmark: str | None
    scope: str | None
    href: str
    sparkline_src: str
    download_query: str


def progress_of(result: MetricResult) -> int | None:
    """How far ``result`` is towards its target, 0–100 (value/target when higher is better,
    target/value when lower is better); ``None`` without a value or a positive target."""
    if result.value is None or result.target is None or result.target <= 0:
        return None
    value = Decimal(result.value)
    share = value / result.target if result.direction == "higher" else (
        Decimal(1) if value <= 0 else result.target / value)
    return int(max(Decimal(0), min(Decimal(1), share)) * 100)


def trend_of(result: MetricResult) -> tuple[str | None, str | None, bool | None]:
    """``(trend, text, good)`` of ``result`` against the previous period."""
    if result.change is None:
        return None, None, None
    trend = "up" if result.change > 0 else "down" if result.change < 0 else "flat"
    if result.change_rate is not None:
        amount = f"{abs(result.change_rate) * 100:.1f}%"
    else:
        amount = f"from {result.previous_display}"
    text = {"up": f"Up {amount}", "down": f"Down {amount}", "flat": "No change"}[trend] + " vs previous period"
    good = None if trend == "flat" else (trend == "up") == (result.direction == "higher")
    return trend, text, good


def card_of(
    key: str, result: MetricResult, service: MetricsService, request: ChartRequest, title: str | None,
    scope: str | None,
) -> Card:
    """The :class:`Card` of ``result`` for the view ``request``."""
    status = note = None
    if result.reason is not None:
        kind = result.reason.partition(": ")[0]
        status = "No data" if kind == "no_data" else "Not defined"
        note = reason_text(result.reason)
    trend, trend_text, trend_good = trend_of(result)
    spec = service.registry.spec(result.name)
    target = service.settings.targets.get(result.name)
    view = request.query(metric=None, mark=None, grain=None)
    drill = urlencode(view)
    return Card(
        key=key, name=result.name, label=title or result.label, description=result.description,
        value=result.display, status=status, note=note, trend=trend, trend_text=trend_text, trend_good=trend_good,
        previous=result.previous_display, target=result.target_display, target_by=target.by if target else None,
        zone=result.zone, zone_text=ZONE_TEXT.get(result.zone or ""), progress=progress_of(result),
        benchmark=spec.benchmark, scope=scope, href=f"/metrics/{result.name}?{drill}",
        sparkline_src=f"/overview/sparkline/{result.name}.svg?{urlencode(view)}",
        download_query=urlencode({**view, "metric": result.name}),
    )


def compute_card(service: MetricsService, spec: CardSpec, request: ChartRequest) -> Card:
    """One card for the view: the view's filters the metric cannot be split by are dropped, and
    the card says it covers all users."""
    metric = service.registry.spec(spec.name)
    usable = {}
    for dimension, value in request.filters.items():
        try:
            usable.update(service.check_filters(metric, {dimension: value}))
        except InvalidInput:
            continue
    dropped = sorted(set(request.filters) - set(usable))
    scope = f"All users (not split by {', '.join(dropped)})" if dropped else None
    timeframe = spec.timeframe or request.timeframe
    result = service.compute(spec.name, request.day, timeframe, usable)
    return card_of(f"{spec.name}-{timeframe}", result, service, request, spec.title, scope)


def build_sections(service: MetricsService, request: ChartRequest,
                   sections: tuple[tuple[str, tuple[CardSpec, ...]], ...] = SECTIONS,
                   allowed: set[str] | None = None) -> list[tuple[str, list[Card]]]:
    """Every section's cards for the view; metrics outside the catalog, and outside ``allowed``
    (the metrics the visitor's role may see, :func:`northstar.auth.visibility.visible_metrics`)
    when given, are left out, and so is a section left without cards."""
    built = [
        (title, [compute_card(service, spec, request) for spec in specs
                 if spec.name in service.registry and (allowed is None or spec.name in allowed)])
        for title, specs in sections
    ]
    return [(title, cards) for title, cards in built if cards]


def page_context(service: MetricsService, request: ChartRequest) -> dict[str, Any]:
    """What overview.html needs besides the cards: the view's controls and period text."""
    preset = request.timeframe if request.timeframe in TIMEFRAMES else None
    return {
        "view": request, "preset": preset, "timeframes": TIMEFRAMES, "timeframe_labels": TIMEFRAME_LABELS,
        "user_types": service.settings.user_types, "user_type": request.filters.get("user_type"),
        "currency": service.settings.reporting_currency, "timezone": service.settings.reporting_timezone,
        "refresh_seconds": service.settings.dashboard.refresh_seconds,
        "updated_at": datetime.now(UTC).replace(microsecond=0),
        "cards_src": "/overview/cards?" + urlencode(request.query(metric=None, mark=None, grain=None)),
        "chart_query": request.query(metric=None, mark="bar", grain="month", breakdown=None, compare=None,
                                     start=None, end=None),
    }


@router.get("/", response_class=HTMLResponse, summary="Overview page", dependencies=[financial_view()])
def overview_page(request: Request, service: Service, view: ChartRequestDep,
                  principal: CurrentPrincipal) -> HTMLResponse:
    """The overview cards the visitor's role may see, for the view in the query string."""
    with translated():
        sections = build_sections(service, view, allowed=visible_metrics(principal, service.registry,
                                                                         service.settings))
    return templates.TemplateResponse(request, "overview.html",
                                      {"sections": sections, **page_context(service, view)})


@router.get("/overview/cards", response_class=HTMLResponse, summary="The overview cards (HTML fragment)")
def overview_cards(request: Request, service: Service, view: ChartRequestDep,
                   principal: CurrentPrincipal) -> HTMLResponse:
    """The cards alone (those the visitor's role may see), as live refresh swaps them into the page."""
    with translated():
        sections = build_sections(service, view, allowed=visible_metrics(principal, service.registry,
                                                                         service.settings))
    return templates.TemplateResponse(request, "_overview_sections.html",
                                      {"sections": sections, **page_context(service, view)})


@router.get("/overview/sparkline/{name}.svg", summary="A card's sparkline (SVG)")
def sparkline_svg(name: str, service: Service, view: ChartRequestDep, _visible: VisibleMetric) -> Response:
    """Metric ``name`` per day over the last :data:`SPARKLINE_DAYS` days of the view, as a small
    SVG image (an empty image when fewer than two days have a value). Each point of a timeframe
    metric covers the view's timeframe ending on that day, as the card's value does (and as the
    daily snapshot holds it), not that day alone."""
    start = max(view.start, view.end - timedelta(days=SPARKLINE_DAYS - 1))
    try:
        spec = service.registry.spec(name)
        filters = {key: value for key, value in view.filters.items()
                   if _splits(service, name, key, value)}
        found = service.series(name, start, view.end, "day", filters=filters, timeframe=view.timeframe)
    except UnknownMetric as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    line = sparkline([point.value for point in found.lines[0].points], f"{spec.label}, {start} to {view.end}")
    body = templates.get_template("_sparkline.svg").render(line=line, width=120, height=32)
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


def _splits(service: MetricsService, name: str, dimension: str, value: str) -> bool:
    try:
        service.check_filters(service.registry.spec(name), {dimension: value})
    except InvalidInput:
        return False
    return True
