"""Charts as data: a :class:`Chart` is a complete Vega-Lite spec (made with Altair, data inline)
plus the same numbers as a table, so one object serves the browser (vega-embed), the table view,
and every export (CSV, XLSX, PNG, SVG; ``reports/exports.py``).

A chart is built by a function registered under an id with :func:`chart`
(``builder(service, request) -> Chart``); :data:`CHARTS` holds them, :func:`build_chart` runs one.
Every builder reads metrics through :class:`northstar.metrics.service.MetricsService` only.

Table values are exact and display-ready: money in major units of the reporting currency
(``Decimal``, quantized to the currency's exponent) with a ``currency`` column, rates as
fractions (``0.125``), counts as ``int``, durations in the metric's ``duration_unit``, an
undefined value as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

import altair as alt

from northstar.domain.errors import InvalidInput, NorthstarError
from northstar.domain.money import Money, currency_exponent
from northstar.domain.time import parse_timeframe
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import Value, json_number
from northstar.metrics.series import GRAINS, Series
from northstar.metrics.service import MetricsService

Mark = Literal["line", "bar", "area"]
MARKS: tuple[str, ...] = ("line", "bar", "area")
TIMEFRAMES: tuple[str, ...] = ("7d", "30d", "90d", "1y")
# Query parameters that filter users (the dimensions ``MetricsService.check_filters`` knows).
FILTER_KEYS: tuple[str, ...] = ("user_type", "plan", "acquisition_source", "acquisition_campaign", "country", "device")
# Distinguishable line and bar colours, each with at least 3:1 contrast on white (WCAG 1.4.11).
SERIES_COLOURS: tuple[str, ...] = ("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f",
                                   "#a21caf", "#374151", "#c2410c")
TRUE_WORDS, FALSE_WORDS = ("1", "true", "on", "yes"), ("", "0", "false", "off", "no")


class UnknownChart(NorthstarError):
    """A chart id that no builder is registered under."""

    def __init__(self, chart_id: str) -> None:
        self.chart_id = chart_id
        super().__init__(f"unknown chart {chart_id!r}")


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """What a chart shows: the reporting ``day``, the range ``[start, end]`` of reporting days
    (both included) cut into ``grain`` periods, the ``timeframe`` cards compute over (``"30d"``, or
    ``"<n>d"`` for a custom range), user ``filters`` (dimension → value), the ``metric`` of generic
    charts, the ``mark``, an optional ``breakdown`` dimension, and ``compare`` (add the previous
    period of the same length)."""

    day: date
    start: date
    end: date
    grain: Literal["day", "week", "month"] = "day"
    timeframe: str = "30d"
    filters: dict[str, str] = field(default_factory=dict)
    metric: str | None = None
    mark: Mark = "line"
    breakdown: str | None = None
    compare: bool = False

    @property
    def days(self) -> int:
        """Length of ``[start, end]`` in days."""
        return (self.end - self.start).days + 1

    def query(self, **changes: object) -> dict[str, str]:
        """The query parameters that rebuild this request (with ``changes`` applied; ``None``
        drops a parameter), for links and ``data-chart-src`` URLs."""
        params: dict[str, object] = {
            "date": self.day.isoformat(), "start": self.start.isoformat(), "end": self.end.isoformat(),
            "grain": self.grain, "timeframe": self.timeframe, "metric": self.metric, "mark": self.mark,
            "breakdown": self.breakdown, "compare": "1" if self.compare else None, **self.filters,
        }
        params.update(changes)
        return {key: str(value) for key, value in params.items() if value is not None}


def default_grain(days: int) -> Literal["day", "week", "month"]:
    """Days up to 45 days, weeks up to 200 days, months beyond."""
    return "day" if days <= 45 else "week" if days <= 200 else "month"


def _day(params: Mapping[str, str], name: str) -> date | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(name, f"{text!r} is not a YYYY-MM-DD day") from None


def chart_request_from_query(params: Mapping[str, str], default_day: date) -> ChartRequest:
    """A :class:`ChartRequest` from query parameters (all text, all optional): ``date``,
    ``timeframe`` (7d, 30d, 90d, 1y; default 30d), ``start``/``end`` (a custom range; ``end``
    defaults to ``date``, ``start`` to the timeframe ending on ``end``; the reporting day becomes
    ``end`` and the timeframe ``"<n>d"``), ``grain`` (default by the range's length), ``metric``,
    ``mark``, ``breakdown``, ``compare`` and the filters of :data:`FILTER_KEYS`; unknown
    parameters are ignored. ``default_day`` is the reporting day when ``date`` is absent.

    Raises :class:`InvalidInput` naming the parameter (``date``, ``start``, ``end``,
    ``timeframe``, ``grain``, ``mark``, ``compare``, or a filter with an empty value)."""
    timeframe = (params.get("timeframe") or "30d").strip()
    if timeframe not in TIMEFRAMES:
        raise InvalidInput("timeframe", f"{timeframe!r} is not one of {', '.join(TIMEFRAMES)}")
    day = _day(params, "date") or default_day
    start, end = _day(params, "start"), _day(params, "end")
    if start is None and end is None:
        end, start = day, day - timedelta(days=parse_timeframe(timeframe) - 1)
    else:
        end = end or day
        start = start or end - timedelta(days=parse_timeframe(timeframe) - 1)
        if end < start:
            raise InvalidInput("end", f"{end} is before start {start}")
        day = end
        if (end - start).days + 1 != parse_timeframe(timeframe):
            timeframe = f"{(end - start).days + 1}d"
    grain = (params.get("grain") or default_grain((end - start).days + 1)).strip()
    if grain not in GRAINS:
        raise InvalidInput("grain", f"{grain!r} is not one of {', '.join(GRAINS)}")
    mark = (params.get("mark") or "line").strip()
    if mark not in MARKS:
        raise InvalidInput("mark", f"{mark!r} is not one of {', '.join(MARKS)}")
    compare_text = (params.get("compare") or "").strip().lower()
    if compare_text not in TRUE_WORDS + FALSE_WORDS:
        raise InvalidInput("compare", f"{compare_text!r} is not a yes/no value (1 or 0)")
    filters = {}
    for key in FILTER_KEYS:
        if key in params:
            value = params[key].strip()
            if value:
                filters[key] = value
    return ChartRequest(
        day=day, start=start, end=end, grain=grain, timeframe=timeframe,  # type: ignore[arg-type]
        filters=filters, metric=(params.get("metric") or "").strip() or None, mark=mark,  # type: ignore[arg-type]
        breakdown=(params.get("breakdown") or "").strip() or None, compare=compare_text in TRUE_WORDS,
    )


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: ``spec`` is a complete Vega-Lite spec with inline data, a title and a
    description; ``columns``/``rows`` the same numbers as a table (see the module for the value
    conventions); ``empty_reason`` says why there is nothing to show (what to import), else ``None``."""

    chart_id: str
    title: str
    spec: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]]
    empty_reason: str | None = None


ChartBuilder = Callable[[MetricsService, ChartRequest], Chart]
CHARTS: dict[str, ChartBuilder] = {}


def chart(chart_id: str) -> Callable[[ChartBuilder], ChartBuilder]:
    """Register ``builder(service, request) -> Chart`` under ``chart_id`` ("family.name").
    Raises ``ValueError`` when the id is taken by another function."""

    def register(builder: ChartBuilder) -> ChartBuilder:
        existing = CHARTS.get(chart_id)
        if existing is not None and existing.__qualname__ != builder.__qualname__:
            raise ValueError(f"chart {chart_id!r} is registered twice")
        CHARTS[chart_id] = builder
        return builder

    return register


def build_chart(chart_id: str, service: MetricsService, request: ChartRequest) -> Chart:
    """The chart ``chart_id`` for ``request``. Raises :class:`UnknownChart`, and whatever the
    builder raises (:class:`InvalidInput`, :class:`northstar.domain.errors.UnknownMetric`)."""
    builder = CHARTS.get(chart_id)
    if builder is None:
        raise UnknownChart(chart_id)
    return builder(service, request)


def reason_text(reason: str | None) -> str | None:
    """A result's reason without its kind (``no_data: import users …`` → ``Import users …``)."""
    if reason is None:
        return None
    text = reason.partition(": ")[2] or reason
    return text[:1].upper() + text[1:]


def table_value(spec: MetricSpec, value: Value | None, currency: str) -> int | float | Decimal | None:
    """A metric value as a table cell: money as exact major units (``Decimal('1234.50')``),
    everything else as the API's JSON number."""
    if value is None:
        return None
    if spec.unit == "money":
        return Decimal(Money(value, currency).rounded()).scaleb(-currency_exponent(currency))
    return json_number(value)


def value_title(spec: MetricSpec, currency: str) -> str:
    """The axis and column title of ``spec``'s values: its label with the unit."""
    if spec.unit == "money":
        return f"{spec.label} ({currency})"
    if spec.unit == "duration":
        return f"{spec.label} ({spec.duration_unit})"
    if spec.unit == "rate":
        return f"{spec.label} (%)"
    return spec.label


def axis_format(unit: str) -> str:
    """The d3 number format of a unit's axis."""
    return {"rate": ".0%", "money": ",.0f", "count": ",~f"}.get(unit, ",.2~f")


def period_label(first: date, grain: str) -> str:
    """``2026-03`` for a month, the first day's ISO date otherwise."""
    return first.strftime("%Y-%m") if grain == "month" else first.isoformat()


def series_spec(
    title: str, description: str, records: list[dict[str, Any]], y_title: str, unit: str, mark: str,
    grain: str, legend: str | None,
) -> dict[str, Any]:
    """A Vega-Lite spec of ``records`` (``{"x": ISO day, "period": label, "value": float | None,
    "series": str, "display": str}``) as ``mark``; one colour per ``series`` when ``legend``."""
    base = alt.Chart(alt.Data(values=records)).properties(
        title=title, description=description, width="container", height=260,
    )
    axis = alt.Axis(format=axis_format(unit), tickMinStep=1) if unit == "count" else alt.Axis(format=axis_format(unit))
    y = alt.Y("value:Q", title=y_title, axis=axis, stack=None)
    tooltip = [alt.Tooltip("period:N", title="Period"), alt.Tooltip("display:N", title=y_title)]
    encodings: dict[str, Any] = {"y": y}
    if legend:
        encodings["color"] = alt.Color("series:N", title=legend, scale=alt.Scale(range=list(SERIES_COLOURS)))
        tooltip.insert(1, alt.Tooltip("series:N", title=legend))
    if mark == "bar":
        encodings["x"] = alt.X("period:O", title=None, sort=None)
        if legend:
            encodings["xOffset"] = alt.XOffset("series:N")
        chart_ = base.mark_bar()
    else:
        time_format = "%b %Y" if grain == "month" else "%-d %b"
        encodings["x"] = alt.X("x:T", title=None, axis=alt.Axis(format=time_format))
        chart_ = base.mark_area(opacity=0.5, line=True) if mark == "area" else base.mark_line(point=True)
    return chart_.encode(tooltip=tooltip, **encodings).to_dict()


def _line_records(found: Series, currency: str, label: Callable[[str | None], str],
                  shift: timedelta = timedelta(0)) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """Vega records and ``(series, point)`` pairs of every line of ``found``; ``shift`` moves the
    plotted day (a previous period drawn over the current one)."""
    from northstar.metrics.results import format_value

    records, pairs = [], []
    for line in found.lines:
        name = label(line.key)
        for point in line.points:
            cell = table_value(found.spec, point.value, currency)
            records.append({
                "x": (point.first + shift).isoformat(), "period": period_label(point.first + shift, found.grain),
                "value": None if cell is None else float(cell), "series": name,
                "display": format_value(found.spec, point.value, currency) or "no value",
            })
            pairs.append((name, point))
    return records, pairs


def metric_series_chart(
    service: MetricsService, request: ChartRequest, metric: str | None = None, chart_id: str = "metric.series",
    title: str | None = None,
) -> Chart:
    """Metric ``metric`` (default ``request.metric``) over ``[request.start, request.end]`` by
    ``request.grain`` as ``request.mark``, one line per value of ``request.breakdown``, plus the
    previous period of the same length (drawn over the current one) when ``request.compare``.

    Rows: ``start, end, [<breakdown> | series], <metric>, [currency]``. Raises
    :class:`InvalidInput` naming ``metric`` when none is given, and whatever
    :meth:`MetricsService.series` raises."""
    name = metric or request.metric
    if not name:
        raise InvalidInput("metric", "a metric name is required")
    currency = service.settings.reporting_currency
    found = service.series(name, request.start, request.end, request.grain, request.breakdown, request.filters)
    spec = found.spec
    legend = request.breakdown or ("series" if request.compare else None)
    records, pairs = _line_records(found, currency, lambda key: key if key is not None else "this period")
    if request.compare:
        span = timedelta(days=request.days)
        before = service.series(name, request.start - span, request.end - span, request.grain,
                                request.breakdown, request.filters)
        more, earlier = _line_records(before, currency,
                                      lambda key: f"{key} (previous period)" if key else "previous period", span)
        records += more
        pairs += earlier
    money = spec.unit == "money"
    columns = ["start", "end", *([legend] if legend else []), spec.name, *(["currency"] if money else [])]
    rows = [
        [point.first, point.last, *([series] if legend else []), table_value(spec, point.value, currency),
         *([currency] if money else [])]
        for series, point in pairs
    ]
    empty = None
    if all(point.value is None for _, point in pairs):
        empty = reason_text(next((point.reason for _, point in pairs if point.reason), "no values in this range"))
    shown = title or spec.label
    grain_text = {"day": "day", "week": "week", "month": "month"}[request.grain]
    description = (f"{spec.label} per {grain_text} from {request.start} to {request.end}"
                   + (f", by {request.breakdown}" if request.breakdown else "")
                   + (", with the previous period" if request.compare else "") + f". {spec.description}")
    return Chart(
        chart_id=chart_id, title=shown,
        spec=series_spec(shown, description, records, value_title(spec, currency), spec.unit, request.mark,
                         request.grain, legend),
        columns=columns, rows=rows, empty_reason=empty,
    )


@chart("metric.series")
def metric_series(service: MetricsService, request: ChartRequest) -> Chart:
    """Any catalog metric's series: the ``metric`` query parameter names it (drill-down, cards)."""
    return metric_series_chart(service, request)


@dataclass(frozen=True, slots=True)
class Sparkline:
    """A small trend line to draw as inline SVG: ``points`` is an SVG ``points`` attribute in a
    ``width`` × ``height`` box (y grows downwards), ``last`` the last point, ``label`` the
    accessible text."""

    width: int
    height: int
    points: str
    last: tuple[float, float]
    label: str


def sparkline(values: Sequence[Value | None], label: str, width: int = 120, height: int = 32) -> Sparkline | None:
    """A :class:`Sparkline` of ``values`` (oldest first; ``None`` values are skipped), or ``None``
    with fewer than two defined values. Scaled to the values' own min..max with a 2-unit margin."""
    defined = [(index, float(value)) for index, value in enumerate(values) if value is not None]
    if len(defined) < 2:
        return None
    low, high = min(value for _, value in defined), max(value for _, value in defined)
    spread = (high - low) or 1.0
    last_index = max(len(values) - 1, 1)
    coordinates = [
        (round(2 + (width - 4) * index / last_index, 1), round(height - 2 - (height - 4) * (value - low) / spread, 1))
        for index, value in defined
    ]
    return Sparkline(width, height, " ".join(f"{x},{y}" for x, y in coordinates), coordinates[-1], label)
