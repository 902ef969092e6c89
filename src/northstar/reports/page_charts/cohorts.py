"""The Cohorts page's charts (issue 4, page 5): the retention heatmap (signup month × months since
signup) for one user type or all, the revenue cohorts (MRR of each cohort by months since signup)
and N-day retention curves (D1, D7, D30, D90) per signup month.

Definitions: METRICS.md § Retention and cohorts; the heatmaps read
:func:`northstar.metrics.cohorts.cohort_table_for` (the ``/api/v1/metrics/cohorts`` table), the
curves the catalog's ``d{N}_retention`` metrics by month.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import altair as alt

from northstar.domain.money import Money, currency_exponent
from northstar.metrics.cohorts import CohortRow, cohort_table_for
from northstar.metrics.results import json_number
from northstar.metrics.retention import RETENTION_DAYS
from northstar.metrics.service import MetricsService
from northstar.reports.charts import Chart, ChartRequest, chart
from northstar.reports.page_charts.common import (
    INK,
    MONTHS_SHOWN,
    PALETTE,
    applicable_filters,
    empty_reason,
    finish,
    month_range,
    series_table,
)

ALL_TYPES = "all"
CURVE_MONTHS = 6
HEATMAP_COLUMNS = ["cohort_month", "user_type", "cohort_size", "months_since_signup", "retained", "retention"]
REVENUE_COLUMNS = ["cohort_month", "user_type", "cohort_size", "months_since_signup", "mrr", "currency"]
CURVE_COLUMNS = ["cohort_month", "cohort_last_day", "days_after_signup", "metric", "retention"]


def merged_cohorts(service: MetricsService, day: date, user_type: str | None) -> list[CohortRow]:
    """The monthly cohorts of the last :data:`MONTHS_SHOWN` months on ``day`` for ``user_type``, or
    for every user when ``None`` (each month's cohorts of every type added up into one row whose
    ``user_type`` is ``"all"``, its averages the size-weighted means of its parts), oldest first."""
    rows = cohort_table_for(service, day, user_type, "month", MONTHS_SHOWN)
    if user_type is not None:
        return rows
    by_month: dict[date, list[CohortRow]] = defaultdict(list)
    for row in rows:
        by_month[row.cohort_start].append(row)
    merged = []
    for month in sorted(by_month):
        parts = by_month[month]
        first = parts[0]
        size = sum(part.cohort_size for part in parts)
        merged.append(CohortRow(
            cohort_start=month, grain="month", user_type=ALL_TYPES, cohort_size=size,
            retained=tuple(sum(values) for values in zip(*(part.retained for part in parts), strict=True)),
            revenue=tuple(sum(values, Decimal(0)) for values in zip(*(part.revenue for part in parts), strict=True)),
            currency=first.currency,
            avg_forms_created=_weighted(parts, "avg_forms_created"),
            avg_invitations_sent=_weighted(parts, "avg_invitations_sent") or Decimal(0),
            avg_feature_adoption=_weighted(parts, "avg_feature_adoption"),
        ))
    return merged


def _weighted(parts: list[CohortRow], field: str) -> Decimal | None:
    """The size-weighted mean of the per-member average ``field`` of ``parts`` (``None`` when one is)."""
    values = [getattr(part, field) for part in parts]
    if any(value is None for value in values):
        return None
    total = sum((value * part.cohort_size for value, part in zip(values, parts, strict=True)), Decimal(0))
    return total / sum(part.cohort_size for part in parts)


def _no_cohorts(service: MetricsService, day: date) -> str:
    """Why there is no cohort: what to import (users, then events), else no signup in the months."""
    for name in ("total_users", "dau"):
        result = service.compute(name, day, "30d")
        if result.reason is not None and result.reason.startswith("no_data"):
            return empty_reason([result.reason], []) or ""
    return "No user signed up in the months shown"


def _cohort_label(row: CohortRow) -> str:
    return f"{row.cohort_start:%b %Y} ({row.cohort_size:,} users)"


def _heatmap(records: list[dict[str, Any]], value: str, text: str, scheme: str, title: str, description: str,
             legend: str, legend_format: str, highest: float) -> dict[str, Any]:
    """A cohort heatmap: months since signup across, cohorts down (oldest first), ``value`` as the
    colour on the fixed scale ``[0, highest]``, ``text`` written in each cell (white on the darker
    cells, from 60 % of the scale, so the text keeps its contrast)."""
    order = list(dict.fromkeys(record["cohort"] for record in records))
    base = alt.Chart(alt.Data(values=records)).encode(
        x=alt.X("k:O", title="Months since signup", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:N", title="Signup month", sort=order),
        tooltip=[alt.Tooltip("cohort:N", title="Cohort"), alt.Tooltip("k:O", title="Months since signup"),
                 alt.Tooltip(f"{text}:N", title=legend)],
    )
    cells = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color(f"{value}:Q", title=legend, scale=alt.Scale(scheme=scheme, domain=[0, highest]),
                        legend=alt.Legend(format=legend_format, orient="right")))
    labels = base.mark_text(fontSize=11).encode(
        text=f"{text}:N",
        color=alt.condition(f"datum.{value} >= {highest * 0.6}", alt.value("#ffffff"), alt.value(INK)))
    height = max(120, 26 * len(order))
    return finish(alt.layer(cells, labels), title, description, height=height)


@chart("cohorts.retention")
def retention_heatmap(service: MetricsService, request: ChartRequest) -> Chart:
    """Share of each signup month's users active in each later month (k = 0 is the signup month),
    for the request's ``user_type`` filter or every user."""
    user_type = request.filters.get("user_type")
    cohorts = merged_cohorts(service, request.day, user_type)
    rows, records = [], []
    for row in cohorts:
        for k, (kept, share) in enumerate(zip(row.retained, row.retention, strict=True)):
            rows.append([row.cohort_start, row.user_type or "unknown", row.cohort_size, k, kept, json_number(share)])
            records.append({"cohort": _cohort_label(row), "k": k, "retention": float(share),
                            "shown": f"{share * 100:.0f}%"})
    who = f"{user_type}s" if user_type else "all users"
    title = f"Monthly retention of {who}"
    spec = _heatmap(records, "retention", "shown", "blues", title,
                    f"Heatmap: for each signup month ({who}), the share of its users active in each month since "
                    "signup.", "Active", ".0%", 1.0)
    return Chart(chart_id="cohorts.retention", title=title, spec=spec, columns=HEATMAP_COLUMNS, rows=rows,
                 empty_reason=None if rows else _no_cohorts(service, request.day))


@chart("cohorts.revenue")
def revenue_heatmap(service: MetricsService, request: ChartRequest) -> Chart:
    """MRR of each signup month's users at the end of each month since signup (the reporting day
    for the month in progress), in the reporting currency."""
    user_type = request.filters.get("user_type")
    cohorts = merged_cohorts(service, request.day, user_type)
    currency = service.settings.reporting_currency
    rows, records = [], []
    for row in cohorts:
        for k, minor in enumerate(row.revenue):
            rounded = Money(minor, row.currency).rounded()
            major = Decimal(rounded).scaleb(-currency_exponent(row.currency))
            rows.append([row.cohort_start, row.user_type or "unknown", row.cohort_size, k, major, row.currency])
            records.append({"cohort": _cohort_label(row), "k": k, "mrr": float(major),
                            "shown": Money(minor, row.currency).display()})
    highest = max((record["mrr"] for record in records), default=0.0)
    who = f"{user_type}s" if user_type else "all users"
    title = f"MRR by signup month ({who})"
    spec = _heatmap(records, "mrr", "shown", "greens", title,
                    f"Heatmap: MRR in {currency} of each signup month's users ({who}) at the end of each month "
                    "since signup.", f"MRR ({currency})", ",.0f", highest or 1.0)
    reason = None if rows else _no_cohorts(service, request.day)
    if rows and not any(record["mrr"] for record in records):
        paying = service.compute("mrr", request.day, "30d")
        reason = empty_reason([paying.reason], [None]) if paying.reason else None
    return Chart(chart_id="cohorts.revenue", title=title, spec=spec, columns=REVENUE_COLUMNS, rows=rows,
                 empty_reason=reason)


@chart("cohorts.curves")
def retention_curves(service: MetricsService, request: ChartRequest) -> Chart:
    """N-day retention (users active on day N after signup, N = 1, 7, 30, 90) of each of the last
    :data:`CURVE_MONTHS` signup months: one curve per month; a point whose day N has not come for
    the month's users is left out (undefined)."""
    start, end = month_range(request.start, request.end, CURVE_MONTHS)
    names = [f"d{days}_retention" for days in RETENTION_DAYS]
    spec_first = service.registry.spec(names[0])
    table = series_table(service, names, start, end, "month", applicable_filters(service, spec_first, request.filters))
    days_of = {name: days for name, days in zip(names, RETENTION_DAYS, strict=True)}
    rows, records = [], []
    for row, record in zip(table.rows, table.records, strict=True):
        first, last, name, _label, value = row[:5]
        rows.append([first, last, days_of[name], name, value])
        if value is not None:
            records.append({"cohort": f"{first:%b %Y}", "days": f"Day {days_of[name]}", "value": float(value),
                            "display": record["display"]})
    order = [f"Day {days}" for days in RETENTION_DAYS]
    lines = alt.Chart(alt.Data(values=records)).mark_line(point=True).encode(
        x=alt.X("days:O", title="Days after signup", sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title="Retained (%)", axis=alt.Axis(format=".0%")),
        color=alt.Color("cohort:N", title="Signup month", sort=None, scale=alt.Scale(range=list(PALETTE))),
        tooltip=[alt.Tooltip("cohort:N", title="Signup month"), alt.Tooltip("days:O", title="Day"),
                 alt.Tooltip("display:N", title="Retained")],
    )
    title = "N-day retention by signup month"
    spec = finish(lines, title, "Lines: the share of each signup month's users active exactly 1, 7, 30 and 90 "
                  "days after signing up.")
    return Chart(chart_id="cohorts.curves", title=title, spec=spec, columns=CURVE_COLUMNS, rows=rows,
                 empty_reason=table.empty_reason)
