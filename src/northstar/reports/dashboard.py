"""The overview's own charts (the drill-down uses the generic ``metric.series``)."""

from __future__ import annotations

from dataclasses import replace

from northstar.domain.time import add_months, month_start
from northstar.metrics.overview import REVENUE_MONTHS
from northstar.metrics.service import MetricsService
from northstar.reports.charts import Chart, ChartRequest, chart, metric_series_chart


@chart("overview.revenue_by_month")
def revenue_by_month(service: MetricsService, request: ChartRequest) -> Chart:
    """Revenue carried by purchase events per calendar month, the last :data:`REVENUE_MONTHS`
    months ending with the reporting day's (the last month cut at the day), as bars by default."""
    first = add_months(month_start(request.day), 1 - REVENUE_MONTHS)
    monthly = replace(request, start=first, end=request.day, grain="month", breakdown=None, compare=False)
    return metric_series_chart(service, monthly, "revenue", "overview.revenue_by_month", "Revenue by month")
