"""``GET /charts/{chart_id}.{fmt}``: any registered chart (``reports/charts.py``) as JSON (spec and
table, what the pages' vega-embed draws), CSV, XLSX, PNG, SVG, or HTML (its table as a page: what
"view as table" links to without JavaScript).

The query parameters are those of :func:`northstar.reports.charts.chart_request_from_query`. An
unknown chart or metric is a 404 naming it; a bad parameter a 422 whose ``detail`` names it
(``loc: ["query", <parameter>]``). Downloads carry a ``Content-Disposition`` file name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from northstar.domain.errors import InvalidInput, UnknownMetric
from northstar.metrics.service import MetricsService
from northstar.reports import exports
from northstar.reports.charts import (
    FILTER_KEYS,
    Chart,
    ChartRequest,
    UnknownChart,
    build_chart,
    chart_request_from_query,
)
from northstar.web.api.v1.metrics import metrics_service
from northstar.web.auth import AUTH_RESPONSES, require
from northstar.web.auth.visibility import VisibleChart
from northstar.web.templating import templates

router = APIRouter(tags=["charts"], dependencies=[require("view_dashboard")], responses=AUTH_RESPONSES)
Service = Annotated[MetricsService, Depends(metrics_service)]
Format = Literal["json", "csv", "xlsx", "png", "svg", "html"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html; charset=utf-8",
}


def unprocessable(field: str, reason: str) -> HTTPException:
    """A 422 naming query parameter ``field``, shaped like FastAPI's own validation errors."""
    return HTTPException(status_code=422, detail=[{"loc": ["query", field], "msg": reason, "type": "value_error"}])


@contextmanager
def translated() -> Iterator[None]:
    """Our errors as HTTP answers: unknown chart or metric → 404, :class:`InvalidInput` → 422."""
    try:
        yield
    except (UnknownChart, UnknownMetric) as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except InvalidInput as exc:
        raise unprocessable(exc.field, exc.reason) from exc


def chart_request(
    request: Request,
    service: Service,
    day: Annotated[str | None, Query(alias="date", description="Reporting day (YYYY-MM-DD); default: the "
                                     "latest day with data.")] = None,
    timeframe: Annotated[str | None, Query(description="7d, 30d (default), 90d or 1y ending on `date`.")] = None,
    start: Annotated[str | None, Query(description="First day of a custom range (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, Query(description="Last day of a custom range (YYYY-MM-DD).")] = None,
    grain: Annotated[str | None, Query(description="day, week or month (default by the range's length).")] = None,
    metric: Annotated[str | None, Query(description="The catalog metric of generic charts.")] = None,
    mark: Annotated[str | None, Query(description="line (default), bar or area.")] = None,
    breakdown: Annotated[str | None, Query(description="A dimension: one line per value of it.")] = None,
    compare: Annotated[str | None, Query(description="1 to add the previous period.")] = None,
) -> ChartRequest:
    """The :class:`ChartRequest` of the query (filters: ``user_type``, ``plan``, ``acquisition_source``,
    ``acquisition_campaign``, ``country``, ``device``); a bad parameter is a 422 naming it."""
    given = {"date": day, "timeframe": timeframe, "start": start, "end": end, "grain": grain, "metric": metric,
             "mark": mark, "breakdown": breakdown, "compare": compare}
    params = {key: value for key, value in given.items() if value is not None}
    params.update({key: value for key, value in request.query_params.items() if key in FILTER_KEYS})
    with translated():
        return chart_request_from_query(params, service.as_of())


ChartRequestDep = Annotated[ChartRequest, Depends(chart_request)]


def chart_payload(chart: Chart) -> dict[str, Any]:
    """The JSON form of a chart: ``chart_id``, ``title``, ``spec``, ``columns``, ``rows`` (money as
    major-unit numbers, dates as ISO days) and ``empty_reason``."""
    return jsonable_encoder({"chart_id": chart.chart_id, "title": chart.title, "spec": chart.spec,
                             "columns": chart.columns, "rows": chart.rows, "empty_reason": chart.empty_reason})


def file_response(chart: Chart, fmt: str, stem: str) -> Response:
    """``chart`` as a download in ``fmt`` (csv, xlsx, png, svg) named ``<stem>.<fmt>``."""
    render = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "png": exports.to_png, "svg": exports.to_svg}[fmt]
    return Response(render(chart), media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


@router.get(
    "/charts/{chart_id}.{fmt}", summary="A dashboard chart as JSON, CSV, XLSX, PNG, SVG or an HTML table",
    responses={
        200: {"description": "The chart: JSON `{chart_id, title, spec, columns, rows, empty_reason}`, the file, "
                             "or its table as an HTML page.",
              "content": {media: {} for media in MEDIA_TYPES.values()}},
        404: {"description": "No chart of that id, or no metric of that name."},
        422: {"description": "A bad `fmt` or query parameter; `detail[0].loc` names it."},
    },
)
def chart_file(chart_id: str, fmt: Format, service: Service, request: ChartRequestDep, http: Request,
               _visible: VisibleChart) -> Response:
    """Chart ``chart_id`` for the query's day, range, grain, filters, metric, mark and breakdown."""
    with translated():
        found = build_chart(chart_id, service, request)
    if fmt == "json":
        return JSONResponse(chart_payload(found))
    if fmt == "html":
        return templates.TemplateResponse(http, "chart_table.html", {
            "chart": found, "chart_id": chart_id, "query": http.url.query,
            "period": f"{request.start.isoformat()} to {request.end.isoformat()}"})
    stem = "-".join(part for part in (chart_id.replace(".", "-"), request.metric, request.start.isoformat(),
                                      request.end.isoformat()) if part)
    return file_response(found, fmt, stem)
