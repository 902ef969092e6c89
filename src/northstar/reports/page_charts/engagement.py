"""The Engagement and adoption page's charts (issue 4, page 6): DAU, WAU and MAU over the range,
the adoption of every declared feature (``settings.features``) and the onboarding milestones and
funnel.

Definitions: METRICS.md § Engagement and § Onboarding and journeys; the milestones are
:data:`northstar.metrics.milestones.MILESTONES`, the funnel :data:`northstar.metrics.funnels.ONBOARDING_FUNNEL`.
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt

from northstar.domain.time import Window, parse_timeframe
from northstar.metrics.engagement import feature_metric_name
from northstar.metrics.funnels import ONBOARDING_FUNNEL, funnel
from northstar.metrics.milestones import INVITATION_SENT, MILESTONES, SIGNUP
from northstar.metrics.results import json_number
from northstar.metrics.service import MetricsService
from northstar.reports.charts import Chart, ChartRequest, chart
from northstar.reports.page_charts.common import (
    INK,
    PALETTE,
    applicable_filters,
    empty_reason,
    finish,
    line_chart,
    series_chart,
    series_table,
)

ACTIVE_METRICS = ("dau", "wau", "mau")
FEATURE_COLUMNS = ["feature", "metric", "adoption", "reason"]
MILESTONE_COLUMNS = ["milestone", "metric", "achieved", "median_hours"]
FUNNEL_COLUMNS = ["step", "users", "from_previous", "from_first"]
STEP_LABELS = {SIGNUP: "Signed up", INVITATION_SENT: "Invitation sent"}


@chart("engagement.active_users")
def active_users(service: MetricsService, request: ChartRequest) -> Chart:
    """DAU, WAU and MAU on the last day of every period of the request's range."""
    table = series_table(service, ACTIVE_METRICS, request.start, request.end, request.grain, request.filters)
    title = "Active users"
    spec = line_chart(table.records, service.registry.spec("dau"), service.settings.reporting_currency, request.grain,
                      title, "Lines: daily, weekly and monthly active users on the last day of each period.",
                      y_title="Active users")
    return series_chart("engagement.active_users", title, table, spec)


def _bars(records: list[dict[str, object]], label: str, value: str, text: str, title: str, description: str,
          value_title: str, value_format: str) -> dict[str, object]:
    """Horizontal bars of ``value`` per ``label`` (in the records' order) with ``text`` at their end."""
    order = [record[label] for record in records]
    base = alt.Chart(alt.Data(values=records)).encode(y=alt.Y(f"{label}:N", sort=order, title=None))
    bars = base.mark_bar(color=PALETTE[0]).encode(
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{text}:N", title=value_title)])
    labels = base.mark_text(align="left", dx=4, color=INK).encode(x=f"{value}:Q", text=f"{text}:N")
    return finish(alt.layer(bars, labels), title, description, height=max(90, 34 * len(records)))


@chart("engagement.features")
def features(service: MetricsService, request: ChartRequest) -> Chart:
    """The adoption rate of every declared feature over the request's timeframe ending on its day:
    users of the feature / active users (the catalog's ``<feature>`` adoption metrics)."""
    rows, records, reasons = [], [], []
    for feature in service.settings.features:
        name = feature_metric_name(feature)
        spec = service.registry.spec(name)
        result = service.compute(name, request.day, request.timeframe,
                                 applicable_filters(service, spec, request.filters))
        rows.append([spec.label, name, json_number(result.value), result.reason])
        reasons.append(result.reason)
        records.append({"feature": spec.label, "adoption": float(result.value or 0),
                        "shown": result.display or "not defined"})
    title = "Feature adoption"
    spec = _bars(records, "feature", "adoption", "shown", title,
                 "Bars: the share of active users who used each feature in the period.", "Adoption", ".0%")
    return Chart(chart_id="engagement.features", title=title, spec=spec, columns=FEATURE_COLUMNS, rows=rows,
                 empty_reason=empty_reason(reasons, [row[2] for row in rows]))


@chart("engagement.milestones")
def milestones(service: MetricsService, request: ChartRequest) -> Chart:
    """Of the users who signed up in the timeframe ending on the request's day, the share that
    achieved each onboarding milestone (fast activation, viral activation, onboarding complete),
    with the median hours to reach it."""
    rows, records, reasons = [], [], []
    for milestone in MILESTONES:
        rate_name, hours_name = f"{milestone.name}_rate", f"{milestone.name}_median_hours"
        spec = service.registry.spec(rate_name)
        filters = applicable_filters(service, spec, request.filters)
        rate = service.compute(rate_name, request.day, request.timeframe, filters)
        hours = service.compute(hours_name, request.day, request.timeframe, filters)
        rows.append([spec.label, rate_name, json_number(rate.value), json_number(hours.value)])
        reasons.append(rate.reason)
        records.append({"milestone": spec.label, "rate": float(rate.value or 0),
                        "shown": rate.display or "not defined"})
    title = "Onboarding milestones"
    spec = _bars(records, "milestone", "rate", "shown", title,
                 "Bars: the share of the users who signed up in the period that achieved each milestone.",
                 "Achieved", ".0%")
    return Chart(chart_id="engagement.milestones", title=title, spec=spec, columns=MILESTONE_COLUMNS, rows=rows,
                 empty_reason=empty_reason(reasons, [row[2] for row in rows]))


@chart("engagement.funnel")
def onboarding_funnel(service: MetricsService, request: ChartRequest) -> Chart:
    """The ordered onboarding funnel (signup → client imported → form created → invitation sent)
    of the users who signed up in the timeframe ending on the request's day."""
    signups = service.compute("new_signups", request.day, request.timeframe, {})
    steps = [STEP_LABELS.get(step, step) for step in ONBOARDING_FUNNEL]
    if signups.reason is not None:
        rows = [[step, None, None, None] for step in steps]
        reason = empty_reason([signups.reason], [None])
    else:
        window = Window(request.day - timedelta(days=parse_timeframe(request.timeframe) - 1),
                        request.day + timedelta(days=1))
        found = funnel(service, ONBOARDING_FUNNEL, window, user_type=request.filters.get("user_type"))
        rows = [[label, step.users, json_number(step.from_previous), json_number(step.from_first)]
                for label, step in zip(steps, found.steps, strict=True)]
        reason = None if rows[0][1] else "No user signed up in the chosen period"
    records = [{"step": row[0], "users": row[1] or 0,
                "shown": f"{row[1]:,}" + ("" if row[3] is None else f" ({row[3] * 100:.0f}%)") if row[1] is not None
                else "no data"} for row in rows]
    title = "Onboarding funnel"
    spec = _bars(records, "step", "users", "shown", title,
                 "Bars: users who signed up in the period and went on to each onboarding step in order, with the "
                 "share of signups.", "Users", ",d")
    return Chart(chart_id="engagement.funnel", title=title, spec=spec, columns=FUNNEL_COLUMNS, rows=rows,
                 empty_reason=reason)
