"""What the Revenue, Viral, Cohorts and Engagement pages' charts share: several metric series as
one table and as Vega-Lite records, the empty-state reason, and the pieces of their specs.

Table cells follow :mod:`northstar.reports.charts`: money in exact major units (``Decimal``) with a
``currency`` column, rates as fractions, counts as ``int``, dates as ``date``, undefined as ``None``.
The Vega-Lite records carry the same numbers as JSON floats (presentation only) plus the display text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import altair as alt

from northstar.domain.time import add_months
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import format_value
from northstar.metrics.service import MetricsService
from northstar.reports.charts import Chart, axis_format, reason_text, table_value, value_title
from northstar.store.schema import TABLES_BY_NAME

# How many calendar months the monthly charts show at least, the reporting day's month last.
MONTHS_SHOWN = 12
INK = "#1b1f24"
# Distinguishable colours, each with at least 3:1 contrast on white (WCAG 1.4.11, graphics).
PALETTE: tuple[str, ...] = ("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a21caf",
                            "#374151", "#c2410c", "#1e40af", "#166534")


def month_range(start: date, end: date, months: int = MONTHS_SHOWN) -> tuple[date, date]:
    """``(first, end)``: the first day of the month ``months − 1`` months before ``end``'s, or of
    ``start``'s month when that is earlier, so a monthly chart shows at least ``months`` months."""
    first = add_months(end.replace(day=1), -(months - 1))
    return min(first, start.replace(day=1)), end


def applicable_filters(service: MetricsService, spec: MetricSpec, filters: Mapping[str, str]) -> dict[str, str]:
    """The ``filters`` ``spec`` can be split by (a page's user-type filter does not apply to the
    network metrics, which look at both sides of each connection)."""
    allowed: set[str] = set()
    for dimension in spec.dimensions:
        allowed.update(service.settings.user_dimensions if dimension == "user_traits" else [dimension])
    columns = set(TABLES_BY_NAME["users"].column_names)
    return {key: value for key, value in filters.items() if key in allowed and key in columns}


@dataclass(slots=True)
class SeriesTable:
    """Metric series as a table (``columns``/``rows``, see the module) and as Vega-Lite
    ``records``: ``{"metric", "label", "period", "start", "end", "value", "display", "reason"}`` with
    ``period`` the period's label (:func:`period_text`), ISO days
    and ``value`` a float (money in major units) or ``None``."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty_reason(self) -> str | None:
        """Why nothing is shown (:func:`empty_reason` of the records)."""
        return empty_reason((record["reason"] for record in self.records),
                            (record["value"] for record in self.records))


def series_table(
    service: MetricsService, names: Sequence[str], start: date, end: date, grain: str,
    filters: Mapping[str, str], timeframe: str | None = None, breakdown: str | None = None,
) -> SeriesTable:
    """Metrics ``names`` at every ``grain`` period of ``[start, end]`` (:meth:`MetricsService.series`,
    each with the ``filters`` it can be split by), one line per ``breakdown`` value when given.
    Columns: ``start, end, metric, <breakdown or label>, value`` and ``currency`` when one of them is
    money. Raises what :meth:`MetricsService.series` raises."""
    currency = service.settings.reporting_currency
    specs = [service.registry.spec(name) for name in names]
    money = any(spec.unit == "money" for spec in specs)
    table = SeriesTable(["start", "end", "metric", breakdown or "label", "value", *(["currency"] if money else [])])
    for spec in specs:
        found = service.series(spec.name, start, end, grain, breakdown, applicable_filters(service, spec, filters),
                               timeframe)
        for line in found.lines:
            label = line.key if breakdown else spec.label
            for point in line.points:
                cell = table_value(spec, point.value, currency)
                table.rows.append([point.first, point.last, spec.name, label, cell,
                                   *([currency if spec.unit == "money" else None] if money else [])])
                table.records.append({
                    "metric": spec.name, "label": label, "period": period_text(point.first, grain),
                    "start": point.first.isoformat(),
                    "end": point.last.isoformat(), "value": None if cell is None else float(cell),
                    "display": format_value(spec, point.value, currency) or "no value", "reason": point.reason,
                })
    return table


def empty_reason(reasons: Iterable[str | None], values: Iterable[object]) -> str | None:
    """Why a chart has nothing to show, as text for people (``Import subscriptions …``): ``None``
    when some value is defined; else the first ``no_data`` reason (what to import), else the first
    reason, else that the period has no values."""
    if any(value is not None for value in values):
        return None
    given = [reason for reason in reasons if reason]
    missing = [reason for reason in given if reason.startswith("no_data")]
    return reason_text((missing or given or ["no_data: no values in the chosen period"])[0])


def y_axis(spec: MetricSpec, currency: str, field_name: str = "value") -> alt.Y:
    """The quantitative ``y`` of ``field_name`` in ``spec``'s unit, titled with the unit."""
    return alt.Y(f"{field_name}:Q", title=value_title(spec, currency), axis=alt.Axis(format=axis_format(spec.unit)))


def period_text(first: date, grain: str) -> str:
    """The label of a period starting on ``first``: ``Mar 2026`` for a month, the ISO day otherwise."""
    return f"{first:%b %Y}" if grain == "month" else first.isoformat()


def period_x(grain: str) -> alt.X:
    """The period axis of series records: months as ordered categories (so bars and points sit on
    their month), days and weeks on a time axis of ``start`` (ISO days, read as UTC so no timezone
    shifts them)."""
    if grain == "month":
        return alt.X("period:O", sort=None, title="Month", axis=alt.Axis(labelAngle=0, labelOverlap=True))
    unit = "utcyearmonth" if grain == "month" else "utcyearmonthdate"
    label = {"day": "Day", "week": "Week starting", "month": "Month"}[grain]
    return alt.X("start:T", timeUnit=unit, title=label,
                 axis=alt.Axis(format="%b %Y" if grain == "month" else "%-d %b", labelAngle=0, labelOverlap=True))


def finish(chart: alt.TopLevelMixin, title: str, description: str, height: int = 260) -> dict[str, Any]:
    """The Vega-Lite dict of ``chart`` with the pages' common top: a title, a text ``description``
    (the accessible name of the rendered SVG), the container's width, readable colours."""
    spec = chart.properties(title=title, description=description, width="container", height=height).configure_view(
        stroke=None).configure_axis(labelColor=INK, titleColor=INK).configure_legend(
        labelColor=INK, titleColor=INK, orient="bottom", columns=3, labelLimit=240).to_dict()
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def tooltip(label_title: str = "Metric") -> list[alt.Tooltip]:
    """The tooltip of a series record: its label, period and display text."""
    return [alt.Tooltip("label:N", title=label_title), alt.Tooltip("start:N", title="From"),
            alt.Tooltip("end:N", title="To"), alt.Tooltip("display:N", title="Value")]


def line_chart(records: list[dict[str, Any]], spec: MetricSpec, currency: str, grain: str, title: str,
               description: str, rules: Sequence[tuple[Decimal | int, str]] = (),
               y_title: str | None = None) -> dict[str, Any]:
    """Lines of series ``records``, one per ``label``, in ``spec``'s unit (the axis titled
    ``y_title``, default the metric's label and unit), with a dashed horizontal rule per
    ``(value, text)`` of ``rules`` (a target, a threshold) in the same unit."""
    y = y_axis(spec, currency)
    if y_title:
        y.title = y_title
    lines = alt.Chart(alt.Data(values=records)).mark_line(point=True).encode(
        x=period_x(grain), y=y, tooltip=tooltip(),
        color=alt.Color("label:N", title=None, sort=None, scale=alt.Scale(range=list(PALETTE))),
    )
    layers: list[alt.Chart] = [lines]
    if rules:
        marks = [{"value": float(value), "text": text} for value, text in rules]
        rule_data = alt.Chart(alt.Data(values=marks))
        layers.append(rule_data.mark_rule(strokeDash=[6, 4], color=INK).encode(
            y=y, tooltip=[alt.Tooltip("text:N", title="Line")]))
        layers.append(rule_data.mark_text(align="left", baseline="bottom", dx=4, dy=-2, color=INK).encode(
            y=y, x=alt.value(0), text="text:N"))
    return finish(alt.layer(*layers), title, description)


def series_chart(chart_id: str, title: str, table: SeriesTable, spec: dict[str, Any]) -> Chart:
    """A :class:`Chart` of a :class:`SeriesTable` and its spec."""
    return Chart(chart_id=chart_id, title=title, spec=spec, columns=table.columns, rows=table.rows,
                 empty_reason=table.empty_reason)
