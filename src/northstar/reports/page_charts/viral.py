"""The Viral coefficient tracker's charts (issue 4, page 4): the K-factor trend against its target
and the viral threshold, the loop broken down (invites per inviter × conversion), the invitation
funnel (sent → accepted → activated), the network effects and the network's growth.

Definitions: METRICS.md § Viral (invitations and the network). Trends are monthly over at least
the last :data:`~northstar.reports.page_charts.common.MONTHS_SHOWN` months, each point covering its
month; the funnel covers the request's timeframe ending on its day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import altair as alt
import ibis

from northstar.domain.time import Window, parse_timeframe
from northstar.metrics.context import MetricContext
from northstar.metrics.network import connections
from northstar.metrics.results import json_number
from northstar.metrics.series import periods
from northstar.metrics.service import MetricsService
from northstar.metrics.viral import in_window
from northstar.reports.charts import Chart, ChartRequest, chart
from northstar.reports.page_charts.common import (
    INK,
    PALETTE,
    applicable_filters,
    empty_reason,
    finish,
    line_chart,
    month_range,
    period_text,
    period_x,
    series_chart,
    series_table,
    tooltip,
)

# A K-factor of 1 is the viral threshold: each user brings in one more, so growth sustains itself.
VIRAL_THRESHOLD = Decimal(1)
LOOP_METRICS = ("avg_invites_per_inviter", "invitation_conversion_rate", "k_factor")
DEGREE_METRICS = ("suppliers_per_couple", "couples_per_supplier")
DENSITY_METRICS = ("cross_connection_rate", "network_density")
GROWTH_COLUMNS = ["start", "end", "series", "value"]
FUNNEL_COLUMNS = ["step", "invitations", "share_of_sent"]


@chart("viral.k_factor")
def k_factor_trend(service: MetricsService, request: ChartRequest) -> Chart:
    """The K-factor of each month (invitations sent in it), with the target of ``settings.targets``
    and the viral threshold 1.0 as dashed lines."""
    start, end = month_range(request.start, request.end)
    table = series_table(service, ("k_factor",), start, end, "month", request.filters)
    spec = service.registry.spec("k_factor")
    rules: list[tuple[Decimal | int, str]] = [(VIRAL_THRESHOLD, "Viral threshold 1.0")]
    target = service.settings.targets.get("k_factor")
    if target is not None:
        rules.append((target.value, f"Target {target.value:g}"))
    title = f"{spec.label} per month"
    chart_spec = line_chart(table.records, spec, service.settings.reporting_currency, "month", title,
                            f"{spec.label} of each month; dashed lines mark the viral threshold (1.0) and the target.",
                            rules)
    return series_chart("viral.k_factor", title, table, chart_spec)


@chart("viral.loop")
def loop(service: MetricsService, request: ChartRequest) -> Chart:
    """The loop per month: invites per inviter (bars, left axis) and invitation conversion (line,
    right axis); their product is the K-factor (its rows are included in the table)."""
    start, end = month_range(request.start, request.end)
    table = series_table(service, LOOP_METRICS, start, end, "month", request.filters)
    invites, conversion = (service.registry.spec(name) for name in LOOP_METRICS[:2])
    data = alt.Chart(alt.Data(values=table.records))
    bars = data.transform_filter(alt.FieldEqualPredicate(field="metric", equal=invites.name)).mark_bar(
        color=PALETTE[0], opacity=0.85).encode(
        x=period_x("month"), tooltip=tooltip(),
        y=alt.Y("value:Q", title=invites.label, axis=alt.Axis(format=",.1f", titleColor=PALETTE[0])))
    line = data.transform_filter(alt.FieldEqualPredicate(field="metric", equal=conversion.name)).mark_line(
        color=PALETTE[1], point=alt.OverlayMarkDef(color=PALETTE[1]), strokeWidth=2).encode(
        x=period_x("month"), tooltip=tooltip(),
        y=alt.Y("value:Q", title=conversion.label, axis=alt.Axis(format=".0%", titleColor=PALETTE[1])))
    title = "The viral loop per month"
    spec = finish(alt.layer(bars, line).resolve_scale(y="independent"), title,
                  f"Bars: {invites.label} per month (left axis); line: {conversion.label} (right axis). "
                  "Their product is the K-factor.")
    return series_chart("viral.loop", title, table, spec)


@dataclass(frozen=True, slots=True)
class InvitationFunnel:
    """Invitations sent in a window, how many were accepted and how many invitees activated by the
    end of its last day (``accepted_at`` / ``activated_at`` set before then)."""

    sent: int
    accepted: int
    activated: int


def invitation_funnel(service: MetricsService, day: date, timeframe: str,
                      filters: dict[str, str]) -> InvitationFunnel | str:
    """The :class:`InvitationFunnel` of the ``timeframe`` ending on ``day`` for inviters matching
    ``filters``, or the reason there is none (``no_data: import invitations …``). One query."""
    sent = service.compute("invitations_sent", day, timeframe, filters)
    if sent.reason is not None:
        return sent.reason
    context = MetricContext(service.store.reader(), service.settings, day,
                            Window.ending_on(day, parse_timeframe(timeframe)), filters)
    table = in_window(context)
    end = ibis.literal(context.end_of_day)
    accepted = table.accepted_at.notnull() & (table.accepted_at < end)
    activated = table.activated_at.notnull() & (table.activated_at < end)
    row = table.aggregate(sent=table.count(), accepted=ibis.ifelse(accepted, 1, 0).sum(),
                          activated=ibis.ifelse(activated, 1, 0).sum()).execute().iloc[0]
    total = int(row["sent"])
    return InvitationFunnel(total, int(row["accepted"]) if total else 0, int(row["activated"]) if total else 0)


@chart("viral.funnel")
def funnel(service: MetricsService, request: ChartRequest) -> Chart:
    """Invitations sent in the timeframe ending on the request's day → accepted → activated, as
    horizontal bars with the share of invitations sent."""
    spec_sent = service.registry.spec("invitations_sent")
    found = invitation_funnel(service, request.day, request.timeframe,
                              applicable_filters(service, spec_sent, request.filters))
    steps = ("Sent", "Accepted", "Activated")
    counts: tuple[int | None, ...] = (None,) * 3 if isinstance(found, str) else (
        found.sent, found.accepted, found.activated)
    total = counts[0]
    rows = [[step, count, json_number(Decimal(count) / Decimal(total)) if count is not None and total else None]
            for step, count in zip(steps, counts, strict=True)]
    base = alt.Chart(alt.Data(values=[dict(zip(FUNNEL_COLUMNS, row, strict=True)) for row in rows]))
    bars = base.mark_bar(color=PALETTE[0]).encode(
        y=alt.Y("step:N", sort=list(steps), title=None),
        x=alt.X("invitations:Q", title="Invitations", axis=alt.Axis(format=",d", tickMinStep=1)),
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("invitations:Q", title="Invitations", format=","),
                 alt.Tooltip("share_of_sent:Q", title="Of sent", format=".1%")],
    )
    text = base.mark_text(align="left", dx=4, color=INK).encode(
        y=alt.Y("step:N", sort=list(steps)), x="invitations:Q",
        text=alt.Text("share_of_sent:Q", format=".0%"))
    title = "Invitation funnel"
    spec = finish(alt.layer(bars, text), title, "Bars: invitations sent in the period, accepted, and whose "
                  "invitee activated, with the share of invitations sent.", height=150)
    empty = empty_reason([found if isinstance(found, str) else "undefined: no invitations sent in the chosen period"],
                         [total or None])
    return Chart(chart_id="viral.funnel", title=title, spec=spec, columns=FUNNEL_COLUMNS, rows=rows,
                 empty_reason=empty)


@chart("viral.network_degrees")
def network_degrees(service: MetricsService, request: ChartRequest) -> Chart:
    """Suppliers per active couple and couples per active supplier, per month."""
    return _network_lines(service, request, DEGREE_METRICS, "viral.network_degrees", "Connections per user",
                          "Connections per active user")


@chart("viral.network_density")
def network_density(service: MetricsService, request: ChartRequest) -> Chart:
    """Cross-connection rate and network density, per month."""
    return _network_lines(service, request, DENSITY_METRICS, "viral.network_density", "Cross-connection and density",
                          "Share (%)")


def _network_lines(service: MetricsService, request: ChartRequest, names: tuple[str, ...], chart_id: str,
                   title: str, y_title: str) -> Chart:
    start, end = month_range(request.start, request.end)
    table = series_table(service, names, start, end, "month", request.filters)
    labels = ", ".join(service.registry.spec(name).label for name in names)
    spec = line_chart(table.records, service.registry.spec(names[0]), service.settings.reporting_currency, "month",
                      f"{title} per month", f"Lines per month: {labels} (users active in the month).",
                      y_title=y_title)
    return series_chart(chart_id, f"{title} per month", table, spec)


def connection_count(service: MetricsService, day: date) -> int:
    """Supplier–couple connections at the end of reporting ``day`` (:func:`network.connections`)."""
    context = MetricContext(service.store.reader(), service.settings, day, Window.ending_on(day, 1))
    return int(context.scalar(connections(context).count()))


@chart("viral.network_growth")
def network_growth(service: MetricsService, request: ChartRequest) -> Chart:
    """The network at the end of each month: registered suppliers and couples (the nodes) and the
    supplier–couple connections between them (the edges), as lines."""
    start, end = month_range(request.start, request.end)
    nodes = series_table(service, ("total_suppliers", "total_couples"), start, end, "month", {})
    records = [{**record, "series": record["label"]} for record in nodes.records]
    reason = nodes.empty_reason
    for first, last in periods(start, end, "month"):
        records.append({"series": "Connections", "label": "Connections", "period": period_text(first, "month"),
                        "start": first.isoformat(),
                        "end": last.isoformat(), "value": None if reason else connection_count(service, last),
                        "reason": reason})
    rows = [[date.fromisoformat(record["start"]), date.fromisoformat(record["end"]), record["series"],
             None if record["value"] is None else int(record["value"])] for record in records]
    lines = alt.Chart(alt.Data(values=records)).mark_line(point=True).encode(
        x=period_x("month"), y=alt.Y("value:Q", title="At the end of the month", axis=alt.Axis(format=",d")),
        color=alt.Color("label:N", title=None, scale=alt.Scale(range=list(PALETTE))),
        tooltip=[alt.Tooltip("label:N", title="Series"), alt.Tooltip("end:N", title="At the end of"),
                 alt.Tooltip("value:Q", title="Count", format=",")],
    )
    title = "Network growth per month"
    spec = finish(lines, title, "Lines: registered suppliers, registered couples and supplier–couple connections "
                  "at the end of each month.")
    return Chart(chart_id="viral.network_growth", title=title, spec=spec, columns=GROWTH_COLUMNS, rows=rows,
                 empty_reason=reason)
