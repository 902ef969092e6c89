"""``/``: the overview page, server-rendered from the same overview as the API (no JavaScript).

Labels, formats, targets and zones come from the metric results (the catalog), never from here;
this module only groups the specification's overview fields into sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from northstar.metrics.overview import build_overview
from northstar.metrics.results import MetricResult, money_value
from northstar.metrics.service import MetricsService
from northstar.web.api.v1.metrics import DateQuery, metrics_service
from northstar.web.templating import templates

router = APIRouter(include_in_schema=False)

TIMEFRAMES = ("7d", "30d", "90d", "1y")
TIMEFRAME_LABELS = {"7d": "7 days", "30d": "30 days", "90d": "90 days", "1y": "1 year"}

# Sections of the page: title → overview fields (seed 000's MetricsOverview), in order.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Business health": ("current_mrr", "mrr_growth_rate", "total_users", "paid_users", "trial_conversion"),
    "Sales": ("revenue", "active_customers"),
    "Viral growth": ("k_factor", "avg_invites_per_user", "invitation_conversion_rate", "time_to_first_invite_avg"),
    "Engagement": ("dau_rate", "wau_rate", "avg_session_duration"),
    "Product performance": ("avg_page_load_time", "uptime_percentage", "error_rate"),
}
ZONE_TEXT = {"green": "on target", "yellow": "near target", "red": "off target"}


@dataclass(frozen=True, slots=True)
class Card:
    """What one metric card shows: ``value`` is the formatted value or ``None``; then ``status``
    is "No data" or "Not defined" and ``note`` says what to import or why."""

    name: str
    label: str
    description: str
    value: str | None
    status: str | None
    note: str | None
    target: str | None
    zone: str | None
    zone_text: str | None
    change: str | None
    definition: str
    source: str


def card(result: MetricResult) -> Card:
    """The card of one metric result."""
    status = note = None
    if result.reason is not None:
        kind, _, note = result.reason.partition(": ")
        status = "No data" if kind == "no_data" else "Not defined"
        note = note[:1].upper() + note[1:] if note else None
    change = None
    if result.change_rate is not None and result.previous_display is not None:
        change = f"{result.change_rate * 100:+.1f}% vs {result.previous_display} the period before"
    return Card(
        name=result.name, label=result.label, description=result.description, value=result.display,
        status=status, note=note, target=result.target_display, zone=result.zone,
        zone_text=ZONE_TEXT.get(result.zone or ""), change=change, definition=result.definition,
        source=result.source,
    )


@router.get("/", response_class=HTMLResponse, summary="Overview page")
def overview_page(
    request: Request,
    service: Annotated[MetricsService, Depends(metrics_service)],
    timeframe: Annotated[Literal["7d", "30d", "90d", "1y"], Query()] = "30d",
    day: DateQuery = None,
) -> HTMLResponse:
    """The overview metrics as cards, grouped by section, for ``timeframe`` ending on ``date``."""
    chosen = day or service.as_of()
    overview = build_overview(service, chosen, timeframe)
    sections = {title: [card(overview.fields[field]) for field in fields] for title, fields in SECTIONS.items()}
    features = [card(result) for result in overview.features.values()]
    first = overview.fields["current_mrr"]
    currency = service.settings.reporting_currency
    revenue_rows = [
        (point.first, None if point.value is None else money_value(point.value, currency).display)
        for point in overview.revenue_by_month
    ]
    return templates.TemplateResponse(
        request,
        "overview.html",
        {
            "sections": sections, "features": features, "timeframe": timeframe, "timeframes": TIMEFRAMES,
            "timeframe_labels": TIMEFRAME_LABELS, "day": chosen, "explicit_day": day,
            "window_start": first.window_start, "window_last": first.window_end - timedelta(days=1),
            "currency": currency, "timezone": service.settings.reporting_timezone,
            "revenue_rows": revenue_rows if any(shown for _, shown in revenue_rows) else [],
        },
    )
