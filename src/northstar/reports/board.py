"""Board-report tables: several metrics over one range, one row per period and one column per
metric, as a :class:`northstar.reports.charts.Chart` (so it exports like any chart)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import altair as alt

from northstar.metrics.service import MetricsService
from northstar.reports.charts import Chart, table_value


def metrics_table(
    service: MetricsService, names: Sequence[str], start: date, end: date, grain: str,
    filters: Mapping[str, str] | None = None,
) -> Chart:
    """``names`` over ``[start, end]`` by ``grain``: columns ``period_start, period_end, <name>...``
    plus ``currency`` when a metric is money (values in major units, see ``reports/charts.py``).

    Raises :class:`northstar.domain.errors.UnknownMetric` and whatever
    :meth:`MetricsService.series` raises (:class:`InvalidInput` naming the parameter)."""
    currency = service.settings.reporting_currency
    found = [service.series(name, start, end, grain, filters=filters) for name in names]
    money = any(series.spec.unit == "money" for series in found)
    columns = ["period_start", "period_end", *names, *(["currency"] if money else [])]
    points = [series.lines[0].points for series in found]
    rows: list[list[Any]] = []
    for index, first in enumerate(points[0]):
        cells = [table_value(series.spec, line[index].value, currency) for series, line in zip(found, points,
                                                                                               strict=True)]
        rows.append([first.first, first.last, *cells, *([currency] if money else [])])
    records = [
        {"period": row[0].isoformat(), "metric": name, "value": None if cell is None else float(cell)}
        for row in rows for name, cell in zip(names, row[2:2 + len(names)], strict=True)
    ]
    title = f"Metrics from {start} to {end} by {grain}"
    spec = alt.Chart(alt.Data(values=records)).mark_line(point=True).encode(
        x=alt.X("period:T", title=None), y=alt.Y("value:Q", title=None), color=alt.Color("metric:N", title="metric"),
    ).properties(title=title, description=f"{', '.join(names)} per {grain}", width="container", height=260).to_dict()
    return Chart("metrics.export", title, spec, columns, rows)
