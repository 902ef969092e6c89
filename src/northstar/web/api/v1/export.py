"""``GET /api/v1/metrics/export``: several metrics over a range as one table for board reports —
one row per period, one column per metric — in CSV or XLSX.

Values are those of ``/api/v1/metrics/{name}/series`` for the same range and grain, except money,
which is exported in major units of the reporting currency (the API's ``money.minor`` divided by
100 for GBP) with a ``currency`` column. Must be registered before ``/api/v1/metrics/{name}``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from northstar.domain.errors import InvalidInput
from northstar.metrics.service import MetricsService
from northstar.reports.board import metrics_table
from northstar.web.api.v1.metrics import metric_filters, metrics_service
from northstar.web.auth import AUTH_RESPONSES, require
from northstar.web.auth.visibility import export_allowed
from northstar.web.pages.charts import MEDIA_TYPES, file_response, translated

router = APIRouter(tags=["metrics"], dependencies=[require("export"), Depends(export_allowed)],
                   responses=AUTH_RESPONSES)
Service = Annotated[MetricsService, Depends(metrics_service)]


@router.get(
    "/api/v1/metrics/export", summary="Several metrics over a range as CSV or XLSX (board reports)",
    response_class=Response,
    responses={
        200: {"description": "The table as a download: `period_start, period_end, <metric>..., currency`.",
              "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}},
        404: {"description": "A name in `metrics` that is not in the catalog."},
        422: {"description": "A bad `format`, `metrics` (empty), `start`, `end` (before `start`, or more than 1,000 "
                             "periods), `grain` or filter; `detail[0].loc` names it."},
    },
)
def export_metrics(
    service: Service,
    filters: Annotated[dict[str, str], Depends(metric_filters)],
    metrics: Annotated[str, Query(description="Comma-separated catalog names, e.g. `mrr,arr,k_factor`.")],
    start: Annotated[date, Query(description="First reporting day (YYYY-MM-DD), included.")],
    end: Annotated[date, Query(description="Last reporting day (YYYY-MM-DD), included.")],
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx.")] = "csv",
    grain: Annotated[Literal["day", "week", "month"], Query(description="Calendar day, ISO week or "
                                                            "calendar month.")] = "month",
) -> Response:
    """``metrics`` at every ``grain`` period of ``[start, end]`` for the users matching the filters."""
    names = [name.strip() for name in metrics.split(",") if name.strip()]
    with translated():
        if not names:
            raise InvalidInput("metrics", "name at least one metric")
        table = metrics_table(service, names, start, end, grain, filters)
    return file_response(table, format, f"northstar-metrics-{start.isoformat()}-{end.isoformat()}-{grain}")
