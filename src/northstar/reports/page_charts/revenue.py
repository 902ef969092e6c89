"""The Revenue page's charts (issue 4, page 3): MRR movements per month with net new MRR, MRR by
plan, churn and revenue-retention trends, MRR by acquisition source.

Every number comes from the metric catalog through :meth:`MetricsService.series` (METRICS.md
§ Revenue: "MRR movements", "Breakdowns", churn and NRR); the charts cover at least the last
:data:`~northstar.reports.page_charts.common.MONTHS_SHOWN` calendar months ending on the request's
end day (the last month cut at it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import altair as alt

from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.results import Measurement, exact, format_value
from northstar.metrics.revenue_movements import GAINS as GAIN_KINDS
from northstar.metrics.revenue_movements import LOSSES as LOSS_KINDS
from northstar.metrics.revenue_movements import MrrTimeline, sums, timeline
from northstar.metrics.series import periods
from northstar.metrics.service import IMPORT_HINTS, MetricsService
from northstar.reports.charts import Chart, ChartRequest, chart, table_value
from northstar.reports.page_charts.common import (
    INK,
    PALETTE,
    SeriesTable,
    applicable_filters,
    finish,
    line_chart,
    month_range,
    period_text,
    period_x,
    series_chart,
    series_table,
    tooltip,
    y_axis,
)

GAINS = ("new_mrr", "expansion_mrr", "reactivation_mrr")
LOSSES = ("contraction_mrr", "churned_mrr")
MOVEMENTS = (*GAINS, *LOSSES)
# Gains in blue, green and violet, losses in amber and red (each ≥ 3:1 against white).
MOVEMENT_COLOURS = ("#1d4ed8", "#047857", "#7c3aed", "#b45309", "#be123c")
CHURN_METRICS = ("monthly_churn_rate", "revenue_churn_rate", "net_mrr_churn_rate")
RETENTION_METRICS = ("net_revenue_retention", "gross_revenue_retention")


def movement_table(service: MetricsService, start: date, end: date, filters: Mapping[str, str]) -> SeriesTable:
    """The MRR movements and net new MRR of every calendar month of ``[start, end]`` (the last cut
    at ``end``), as :func:`series_table` would give them from the catalog's ``*_mrr`` metrics, but
    from ONE timeline of every customer's movements up to the end of ``end``
    (:func:`northstar.metrics.revenue_movements.timeline`): the movements up to any earlier day are
    a prefix of it, so each month's sums are exactly the catalog's values for that month."""
    names = (*MOVEMENTS, "net_new_mrr")
    specs = [service.registry.spec(name) for name in names]
    chosen = service.check_filters(specs[0], applicable_filters(service, specs[0], filters))
    context = MetricContext(service.store.reader(), service.settings, end, Window(start, end + timedelta(days=1)),
                            chosen)
    found: MrrTimeline | Measurement
    if context.has_rows("subscription_history"):
        found = timeline(context)
    else:
        found = Measurement(None, "no_data: " + IMPORT_HINTS["subscription_history"])
    currency = service.settings.reporting_currency
    table = SeriesTable(["start", "end", "metric", "label", "value", "currency"])
    spans = periods(start, end, "month")
    for spec in specs:
        for first, last in spans:
            if isinstance(found, Measurement):
                value, reason = None, found.reason
            else:
                totals = sums(found.between(*context.bounds(Window(first, last + timedelta(days=1)))))
                amount = (sum((totals[kind] for kind in GAIN_KINDS), Fraction(0))
                          - sum((totals[kind] for kind in LOSS_KINDS), Fraction(0))) if spec.name == "net_new_mrr" \
                    else totals[spec.name.removesuffix("_mrr")]  # type: ignore[index]
                value, reason = exact(amount), None
            cell = table_value(spec, value, currency)
            table.rows.append([first, last, spec.name, spec.label, cell, currency])
            table.records.append({
                "metric": spec.name, "label": spec.label, "period": period_text(first, "month"),
                "start": first.isoformat(), "end": last.isoformat(), "value": None if cell is None else float(cell),
                "display": format_value(spec, value, currency) or "no value", "reason": reason,
            })
    return table


@chart("revenue.movements")
def movements(service: MetricsService, request: ChartRequest) -> Chart:
    """MRR movements per calendar month (:func:`movement_table`): new, expansion and reactivation
    stacked up, contraction and churned stacked down, net new MRR as a line. The table has the
    catalog's values (losses positive, as the API gives them); only the chart draws losses below zero."""
    start, end = month_range(request.start, request.end)
    table = movement_table(service, start, end, request.filters)
    for record in table.records:
        if record["metric"] in LOSSES and record["value"] is not None:
            record["value"] = -record["value"]
    currency = service.settings.reporting_currency
    labels = [service.registry.spec(name).label for name in MOVEMENTS]
    net = service.registry.spec("net_new_mrr")
    y = y_axis(net, currency)
    y.title = f"MRR movement ({currency})"
    data = alt.Chart(alt.Data(values=table.records))
    bars = data.transform_filter(alt.FieldOneOfPredicate(field="metric", oneOf=list(MOVEMENTS))).mark_bar().encode(
        x=period_x("month"), y=y, tooltip=tooltip("Movement"),
        color=alt.Color("label:N", title=None, sort=labels,
                        scale=alt.Scale(domain=labels, range=list(MOVEMENT_COLOURS))),
    )
    line = data.transform_filter(alt.FieldEqualPredicate(field="metric", equal=net.name)).mark_line(
        point=alt.OverlayMarkDef(color=INK, size=50), color=INK, strokeWidth=2).encode(
        x=period_x("month"), y=y, tooltip=tooltip("Movement"))
    title = "MRR movements per month"
    spec = finish(alt.layer(bars, line), title,
                  f"Stacked bars per month in {currency}: {', '.join(labels)}, losses below zero; "
                  f"the dark line is {net.label}.")
    return series_chart("revenue.movements", title, table, spec)


@chart("revenue.mrr_by_plan")
def mrr_by_plan(service: MetricsService, request: ChartRequest) -> Chart:
    """MRR at the end of each month (the end day for the last), stacked by subscription plan (the
    catalog's own MRR breakdown, so the parts add up to MRR exactly)."""
    return _mrr_split(service, request, "plan", "revenue.mrr_by_plan", "MRR by plan", "Plan")


@chart("revenue.by_source")
def mrr_by_source(service: MetricsService, request: ChartRequest) -> Chart:
    """MRR at the end of each month stacked by the customer's acquisition source."""
    return _mrr_split(service, request, "acquisition_source", "revenue.by_source", "MRR by acquisition source",
                      "Acquisition source")


def _mrr_split(service: MetricsService, request: ChartRequest, dimension: str, chart_id: str, title: str,
               legend: str) -> Chart:
    start, end = month_range(request.start, request.end)
    filters = {key: value for key, value in request.filters.items() if key != dimension}
    table = series_table(service, ("mrr",), start, end, "month", filters, breakdown=dimension)
    mrr = service.registry.spec("mrr")
    currency = service.settings.reporting_currency
    bars = alt.Chart(alt.Data(values=table.records)).mark_bar().encode(
        x=period_x("month"), y=y_axis(mrr, currency), tooltip=tooltip(legend),
        color=alt.Color("label:N", title=legend, scale=alt.Scale(range=list(PALETTE))),
    )
    spec = finish(bars, title, f"Stacked bars: {mrr.label} in {currency} at the end of each month, one colour per "
                  f"{legend.lower()}.")
    found = series_chart(chart_id, title, table, spec)
    if table.records:
        return found
    # No line at all: nothing imported (the plain series says what to import), or nobody paid.
    plain = series_table(service, ("mrr",), start, end, "month", filters)
    reason = plain.empty_reason or "No paying customer in the chosen months"
    return Chart(chart_id=chart_id, title=title, spec=spec, columns=table.columns, rows=[], empty_reason=reason)


@chart("revenue.churn")
def churn(service: MetricsService, request: ChartRequest) -> Chart:
    """Logo, revenue and net MRR churn per month (each the catalog's value for the latest complete
    month at the end of the month shown), with the churn target of the settings."""
    target = service.settings.targets.get("monthly_churn_rate")
    rules = [] if target is None else [(target.value, f"Target {target.value * 100:g}%")]
    return _rates(service, request, CHURN_METRICS, "revenue.churn", "Churn per month", rules, "Churn (%)")


@chart("revenue.retention")
def retention(service: MetricsService, request: ChartRequest) -> Chart:
    """Net and gross revenue retention (12-month ratios) per month, with the line at 1.0 (every
    pound of MRR of a year before kept)."""
    return _rates(service, request, RETENTION_METRICS, "revenue.retention", "Revenue retention per month",
                  [(Decimal(1), "1.0: all MRR kept")], "NRR and GRR")


def _rates(service: MetricsService, request: ChartRequest, names: tuple[str, ...], chart_id: str, title: str,
           rules: list[tuple[Decimal, str]], y_title: str) -> Chart:
    start, end = month_range(request.start, request.end)
    table = series_table(service, names, start, end, "month", request.filters)
    labels = ", ".join(service.registry.spec(name).label for name in names)
    spec = line_chart(table.records, service.registry.spec(names[0]), service.settings.reporting_currency, "month",
                      title, f"Lines per month: {labels}.", rules, y_title)
    return series_chart(chart_id, title, table, spec)
