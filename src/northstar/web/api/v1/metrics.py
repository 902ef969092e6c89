"""``/api/v1/metrics``: the catalog, the executive overview (seed 000's ``MetricsOverview``),
engagement, cohorts, viral metrics, the daily snapshot, one metric with its series and its SQL; and
``/api/metrics/executive`` (seeds 001/002). A thin adapter over
:class:`northstar.metrics.service.MetricsService` and the modules built on it.

Fixed paths are declared before ``/api/v1/metrics/{name}``. An unknown metric is a 404 naming it;
a bad parameter a 422 whose ``detail`` names it (``loc: ["query", <parameter>]``).

Wire conventions: money is exact, ``{"minor": int, "currency": "GBP", "display": "£1,234.50"}``;
rates are fractions in ``[0, 1]``; durations are in the metric's ``duration_unit``; an undefined
value is ``null`` and its entry in ``metrics`` carries the ``reason``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from northstar.auth.visibility import can_view, restrict_overview, restricted_reason, visible_metrics
from northstar.domain.errors import InvalidInput, UnknownMetric
from northstar.domain.money import Money
from northstar.metrics.cohorts import cohort_table_for
from northstar.metrics.executive import EXECUTIVE_FIELDS, executive_metrics
from northstar.metrics.overview import Overview, build_overview
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import MetricResult, MoneyValue, Value, json_number, money_value
from northstar.metrics.series import Series
from northstar.metrics.service import MetricsService, service_for
from northstar.metrics.snapshot import success_metrics
from northstar.metrics.viral import viral_metrics
from northstar.web.auth import AUTH_RESPONSES, CurrentPrincipal, VisibleMetric, require
from northstar.web.deps import NorthstarDep
from northstar.web.security.financial import financial_view

PREFIX = "/api/v1/metrics"
router = APIRouter(tags=["metrics"], dependencies=[require("view_dashboard")], responses=AUTH_RESPONSES)

Timeframe = Literal["7d", "30d", "90d", "1y"]
TimeframeQuery = Annotated[Timeframe, Query(description="The period ending on `date`: 7d, 30d, 90d or 1y.")]
# Reporting days whose windows (up to a year back, a month back for growth) stay representable;
# the pattern states the same range in the OpenAPI schema, where a date cannot carry a minimum.
FIRST_DAY, LAST_DAY = date(1971, 1, 1), date(9998, 12, 31)
DAY_PATTERN = r"^(197[1-9]|19[89][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])-[0-9]{2}-[0-9]{2}$"
DateQuery = Annotated[
    date | None,
    Query(alias="date", ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"pattern": DAY_PATTERN},
          description="Reporting day D (YYYY-MM-DD, 1971-01-01 to 9998-12-31); default: today in the "
          "reporting timezone, or the day of the newest event when the data ends before today."),
]
BAD_INPUT = {422: {"description": "A `timeframe` other than 7d, 30d, 90d, 1y, or a `date` that is not a YYYY-MM-DD "
                                  "day between 1971-01-01 and 9998-12-31."}}


def metrics_service(northstar: NorthstarDep) -> MetricsService:
    """The façade's shared metrics service."""
    return service_for(northstar)


Service = Annotated[MetricsService, Depends(metrics_service)]


class MetricInfo(BaseModel):
    """A catalog entry's metadata, with its target from the settings."""

    name: str
    label: str
    description: str
    unit: str
    duration_unit: str | None
    direction: str
    family: str
    kind: str
    grain: str
    dimensions: list[str]
    definition: str
    source: str
    benchmark: str | None
    target: float | None


class MetricOut(BaseModel):
    """One metric's result: ``value`` is ``null`` when undefined, with ``reason`` saying why
    (``undefined: …``, ``no_data: <what to import>``). Money ``value``, ``previous`` and ``target``
    are integer minor units of ``money.currency`` (rounded half-even once), as in ``money``."""

    name: str
    label: str
    unit: str
    duration_unit: str | None
    direction: str
    value: float | int | None
    money: MoneyValue | None
    display: str | None
    reason: str | None
    previous: float | int | None
    previous_display: str | None
    change_rate: float | None
    target: float | None
    target_display: str | None
    zone: Literal["green", "yellow", "red"] | None
    definition: str
    source: str


class OverviewTargets(BaseModel):
    """The specification's targets: MRR as money, the others as fractions or plain numbers."""

    mrr_target: MoneyValue | None
    k_factor_target: float | None
    churn_target: float | None
    conversion_target: float | None


class FeatureAdoptionRates(BaseModel):
    """Adoption rate per declared feature (fractions); other declared features appear as extra keys."""

    model_config = {"extra": "allow"}

    forms: float | None = None
    journey_builder: float | None = None
    ai_features: float | None = None
    marketplace: float | None = None


class MonthlyRevenue(BaseModel):
    """Revenue carried by purchase events in one calendar month (``month`` is its first day; the
    last month is cut at the reporting day); ``revenue`` is null with a ``reason`` without data."""

    month: date
    revenue: MoneyValue | None
    reason: str | None


class MetricsOverview(BaseModel):
    """Seed 000's ``MetricsOverview`` with exact money, plus the reporting day and window and a
    ``metrics`` map (overview field, or ``feature_adoption_rates.<key>``, → full result) that
    explains every value and every ``null``. ``dau_rate``/``wau_rate`` are registered users active
    on D / in the 7 days ending D over registered users at the end of D. ``alert_count`` is the
    number of firing alerts (GET /api/v1/metrics/alerts?state=firing)."""

    date: date
    timeframe: Timeframe
    window_start: date
    window_end: date
    currency: str
    current_mrr: MoneyValue | None
    revenue: MoneyValue | None
    active_customers: int | None
    revenue_by_month: list[MonthlyRevenue]
    mrr_growth_rate: float | None
    total_users: int | None
    paid_users: int | None
    trial_conversion: float | None
    k_factor: float | None
    avg_invites_per_user: float | None
    invitation_conversion_rate: float | None
    time_to_first_invite_avg: float | None
    dau_rate: float | None
    wau_rate: float | None
    avg_session_duration: float | None
    feature_adoption_rates: FeatureAdoptionRates
    avg_page_load_time: float | None
    uptime_percentage: float | None
    error_rate: float | None
    targets: OverviewTargets
    alert_count: int
    metrics: dict[str, MetricOut]


def _amount(value: Value | None, currency: str | None) -> float | int | None:
    """Money (a ``currency`` is given) as rounded integer minor units, never a float; other values
    as :func:`_number`."""
    if currency is not None and value is not None:
        return Money(value, currency).rounded()
    return json_number(value)


def metric_out(result: MetricResult) -> MetricOut:
    """The wire form of a :class:`MetricResult` (Decimals become JSON numbers; money stays exact)."""
    return MetricOut(
        name=result.name, label=result.label, unit=result.unit, duration_unit=result.duration_unit,
        direction=result.direction, value=_amount(result.value, result.currency), money=result.money,
        display=result.display, reason=result.reason, previous=_amount(result.previous, result.currency),
        previous_display=result.previous_display, change_rate=json_number(result.change_rate),
        target=_amount(result.target, result.currency),
        target_display=result.target_display, zone=result.zone, definition=result.definition, source=result.source,
    )


def overview_out(overview: Overview, currency: str) -> MetricsOverview:
    """The wire form of an :class:`Overview`."""
    fields = overview.fields
    mrr = fields["current_mrr"]
    mrr_target = overview.targets["mrr_target"]

    def value(field: str) -> float | int | None:
        return json_number(fields[field].value)

    return MetricsOverview(
        date=overview.day, timeframe=overview.timeframe, window_start=mrr.window_start, window_end=mrr.window_end,
        currency=currency, current_mrr=mrr.money, revenue=fields["revenue"].money,
        active_customers=value("active_customers"),
        revenue_by_month=[
            MonthlyRevenue(month=point.first, reason=point.reason,
                           revenue=None if point.value is None else money_value(point.value, currency))
            for point in overview.revenue_by_month
        ],
        mrr_growth_rate=value("mrr_growth_rate"), total_users=value("total_users"), paid_users=value("paid_users"),
        trial_conversion=value("trial_conversion"), k_factor=value("k_factor"),
        avg_invites_per_user=value("avg_invites_per_user"),
        invitation_conversion_rate=value("invitation_conversion_rate"),
        time_to_first_invite_avg=value("time_to_first_invite_avg"), dau_rate=value("dau_rate"),
        wau_rate=value("wau_rate"), avg_session_duration=value("avg_session_duration"),
        feature_adoption_rates=FeatureAdoptionRates(
            **{key: json_number(result.value) for key, result in overview.features.items()}
        ),
        avg_page_load_time=value("avg_page_load_time"), uptime_percentage=value("uptime_percentage"),
        error_rate=value("error_rate"),
        targets=OverviewTargets(
            mrr_target=None if mrr_target is None else money_value(mrr_target, currency),
            k_factor_target=json_number(overview.targets["k_factor_target"]),
            churn_target=json_number(overview.targets["churn_target"]),
            conversion_target=json_number(overview.targets["conversion_target"]),
        ),
        alert_count=overview.alert_count,
        metrics={
            **{field: metric_out(result) for field, result in fields.items()},
            **{f"feature_adoption_rates.{key}": metric_out(result) for key, result in overview.features.items()},
        },
    )


class SeriesPoint(BaseModel):
    """One period ``[start, end]`` (reporting days) computed on ``date`` over the window
    ``[window_start, window_end)``; money ``value`` is integer minor units, as in ``money``."""

    start: date
    end: date
    date: date
    window_start: date
    window_end: date
    value: float | int | None
    money: MoneyValue | None
    display: str | None
    reason: str | None


class SeriesLine(BaseModel):
    """The points of one ``breakdown`` value (``key`` is ``null`` without a breakdown)."""

    key: str | None
    points: list[SeriesPoint]


class SeriesOut(BaseModel):
    """A metric over ``[start, end]`` by ``grain``: every period has a point (see docs/metrics-api.md)."""

    name: str
    label: str
    unit: str
    duration_unit: str | None
    grain: Literal["day", "week", "month"]
    start: date
    end: date
    timeframe: str | None
    breakdown: str | None
    filters: dict[str, str]
    currency: str | None
    lines: list[SeriesLine]


class ExplainOut(BaseModel):
    """The SQL the metric runs, in the store's dialect, queries in the order they ran."""

    name: str
    date: date
    timeframe: Timeframe
    filters: dict[str, str]
    sql: str


class SnapshotDayOut(BaseModel):
    """One row of ``success_metrics``: ``values`` maps each metric to a number, money
    (``{"minor", "currency", "display"}``) or ``null``; ``reasons`` says why for each ``null``."""

    date: date
    values: dict[str, float | int | MoneyValue | None]
    reasons: dict[str, str]


class SnapshotsOut(BaseModel):
    """The daily snapshot between ``start`` and ``end`` (both included): the days refreshed so far."""

    start: date
    end: date
    metrics: list[str]
    days: list[SnapshotDayOut]


class EngagementMetrics(BaseModel):
    """Seed 000's ``EngagementMetrics`` for the users of ``segment`` on ``date`` over ``timeframe``:
    counts are users, rates fractions, ``avg_session_duration`` minutes; ``metrics`` holds every
    full result and explains each ``null``."""

    date: date
    timeframe: Timeframe
    segment: str | None
    filters: dict[str, str]
    dau: int | None
    wau: int | None
    mau: int | None
    stickiness: float | None
    dau_rate: float | None
    wau_rate: float | None
    avg_session_duration: float | None
    sessions_per_user: float | None
    mobile_usage_rate: float | None
    feature_adoption_rates: FeatureAdoptionRates
    metrics: dict[str, MetricOut]
    reasons: dict[str, str]


class CohortOut(BaseModel):
    """One cohort: users of ``user_type`` who signed up in the period starting ``cohort_start``;
    list index k is period k after signup. ``revenue`` is the cohort's MRR at the end of each
    period (exact money); ``retention`` is ``retained / cohort_size``."""

    cohort_start: date
    grain: Literal["month", "week"]
    user_type: str | None
    cohort_size: int
    retained: list[int]
    retention: list[float]
    revenue: list[MoneyValue]
    avg_forms_created: float | None
    avg_invitations_sent: float
    avg_feature_adoption: float | None


class CohortsOut(BaseModel):
    """Seed 000's ``CohortData``: the cohort table on ``date``, oldest cohort first."""

    date: date
    grain: Literal["month", "week"]
    user_type: str | None
    cohorts: list[CohortOut]


def _unprocessable(field: str, reason: str) -> HTTPException:
    return HTTPException(status_code=422, detail=[{"loc": ["query", field], "msg": reason, "type": "value_error"}])


@contextmanager
def _translated() -> Iterator[None]:
    """Our errors as HTTP answers: :class:`UnknownMetric` → 404, :class:`InvalidInput` → 422."""
    try:
        yield
    except UnknownMetric as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except InvalidInput as exc:
        raise _unprocessable(exc.field, exc.reason) from exc


def metric_filters(
    user_type: Annotated[str | None, Query(description="Only users of this type (supplier, couple, ...).")] = None,
    plan: Annotated[str | None, Query(description="Only users on this plan (a declared user dimension).")] = None,
    acquisition_source: Annotated[str | None, Query(description="Only users from this acquisition source.")] = None,
    acquisition_campaign: Annotated[str | None, Query(description="Only users from this campaign.")] = None,
    country: Annotated[str | None, Query(description="Only users of this country.")] = None,
    device: Annotated[str | None, Query(description="Only users with this primary device.")] = None,
) -> dict[str, str]:
    """The filters given as query parameters (dimension → value); each must be a dimension the
    metric can be split by (``user_type`` or one of ``settings.user_dimensions``)."""
    given = {"user_type": user_type, "plan": plan, "acquisition_source": acquisition_source,
             "acquisition_campaign": acquisition_campaign, "country": country, "device": device}
    return {dimension: value for dimension, value in given.items() if value is not None}


FiltersQuery = Annotated[dict[str, str], Depends(metric_filters)]
NOT_FOUND = {404: {"description": "No metric of that name in the catalog."}}
RESTRICTED = {403: {"description": "The caller's role may not see this metric (financial metrics need `executive` "
                                  "by default); `detail` names the role needed."}}
BAD_FILTER = {422: {"description": "A bad `timeframe` or `date`, or a filter on a dimension the metric cannot be "
                                  "split by (`detail[].loc` names the parameter)."}}
RangeDay = Annotated[date, Query(ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"pattern": DAY_PATTERN},
                                 description="A reporting day, YYYY-MM-DD (1971-01-01 to 9998-12-31).")]


@router.get(PREFIX, response_model=list[MetricInfo], summary="The metric catalog")
def list_metrics(service: Service, principal: CurrentPrincipal) -> list[MetricInfo]:
    """Every metric of the catalog the caller's role may see, with its metadata and target, in
    catalog order (financial metrics are omitted below the role ``auth.family_roles`` names)."""
    return [_info(entry.spec, service) for entry in service.registry
            if can_view(principal, entry.spec, service.settings)]


def _info(spec: MetricSpec, service: MetricsService) -> MetricInfo:
    target = service.settings.targets.get(spec.name)
    currency = service.settings.reporting_currency if spec.unit == "money" else None
    return MetricInfo(
        **spec.model_dump(include={"name", "label", "description", "unit", "duration_unit", "direction", "family",
                                   "kind", "grain", "definition", "source", "benchmark"}),
        dimensions=list(spec.dimensions), target=_amount(target.value, currency) if target else None,
    )


@router.get(f"{PREFIX}/overview", response_model=MetricsOverview, responses=BAD_INPUT, summary="Executive overview",
            dependencies=[financial_view()])
def overview(service: Service, principal: CurrentPrincipal, northstar: NorthstarDep, timeframe: TimeframeQuery = "30d",
             day: DateQuery = None) -> MetricsOverview:
    """Seed 000's ``MetricsOverview`` on reporting day ``date`` over ``timeframe``; values the
    caller's role may not see are ``null`` with the reason ``restricted: needs the <role> role``;
    ``alert_count`` is the number of firing alerts."""
    from dataclasses import replace

    from northstar.alerts.repository import firing_count

    built = restrict_overview(build_overview(service, day or service.as_of(), timeframe), principal,
                              service.registry, service.settings)
    built = replace(built, alert_count=firing_count(northstar.store))
    return overview_out(built, service.settings.reporting_currency)


# EngagementMetrics field → catalog metric.
ENGAGEMENT_FIELDS: dict[str, str] = {
    "dau": "dau", "wau": "wau", "mau": "mau", "stickiness": "stickiness", "dau_rate": "dau_rate",
    "wau_rate": "wau_rate", "avg_session_duration": "avg_session_duration_minutes",
    "sessions_per_user": "sessions_per_user", "mobile_usage_rate": "mobile_usage_rate",
}


def segment_filters(segment: str | None, service: MetricsService) -> dict[str, str]:
    """``segment`` as filters: ``dimension=value`` (a user dimension of the settings or
    ``user_type``), or a bare user type. Raises :class:`InvalidInput` naming ``segment``."""
    if segment is None:
        return {}
    dimension, _, value = segment.partition("=") if "=" in segment else ("user_type", "", segment)
    known = ["user_type", *service.settings.user_dimensions]
    if dimension not in known or not value:
        raise InvalidInput("segment", f"{segment!r} is not a user type or dimension=value with a dimension among "
                           f"{', '.join(known)}")
    return {dimension: value}


@router.get(f"{PREFIX}/engagement", response_model=EngagementMetrics, summary="Engagement metrics",
            responses={422: {"description": "A bad `timeframe`, `date` or `segment`."}})
def engagement(
    service: Service, timeframe: TimeframeQuery = "30d", day: DateQuery = None,
    segment: Annotated[str | None, Query(description="A user type (`supplier`) or `dimension=value` "
                                         "(`plan=pro`); default: every user.")] = None,
) -> EngagementMetrics:
    """DAU/WAU/MAU, stickiness, activity rates, sessions, mobile usage and feature adoption of the
    users of ``segment`` on ``date`` over ``timeframe``."""
    from northstar.metrics.engagement import feature_metric_name
    from northstar.metrics.overview import feature_key

    with _translated():
        filters = segment_filters(segment, service)
        on = day or service.as_of()
        results: dict[str, MetricOut] = {}
        reasons: dict[str, str] = {}
        names = {**ENGAGEMENT_FIELDS, **{f"feature_adoption_rates.{feature_key(feature)}": feature_metric_name(feature)
                                         for feature in service.settings.features}}
        for field, name in names.items():
            if name not in service.registry:
                reasons[field] = f"not_computed: {name} is not in the metric catalog"
                continue
            results[field] = metric_out(service.compute(name, on, timeframe, filters))
            if results[field].reason is not None:
                reasons[field] = results[field].reason or ""
    values = {field: results[field].value if field in results else None for field in ENGAGEMENT_FIELDS}
    adoption = {key.split(".", 1)[1]: out.value for key, out in results.items() if key.startswith("feature_")}
    return EngagementMetrics(date=on, timeframe=timeframe, segment=segment, filters=filters,
                             feature_adoption_rates=FeatureAdoptionRates(**adoption), metrics=results,
                             reasons=reasons, **values)


@router.get(f"{PREFIX}/cohorts", response_model=CohortsOut, summary="Cohort analysis",
            responses={422: {"description": "A bad `date`, `user_type`, `grain` or `periods`."}})
def cohorts(
    service: Service, principal: CurrentPrincipal, day: DateQuery = None,
    user_type: Annotated[str | None, Query(description="Only cohorts of this user type.")] = None,
    grain: Annotated[Literal["month", "week"], Query(description="Signup month or ISO week.")] = "month",
    periods: Annotated[int | None, Query(ge=1, le=1200, description="Only the last N cohorts.")] = None,
) -> CohortsOut:
    """Seed 000's cohort analysis on ``date``: size, retention and revenue by period since signup
    (``revenue`` is empty for a role that may not see the ``revenue`` metric)."""
    on = day or service.as_of()
    with _translated():
        rows = cohort_table_for(service, on, user_type, grain, periods)
    revenue_shown = "revenue" in visible_metrics(principal, service.registry, service.settings)
    return CohortsOut(date=on, grain=grain, user_type=user_type, cohorts=[
        CohortOut(cohort_start=row.cohort_start, grain=row.grain, user_type=row.user_type,
                  cohort_size=row.cohort_size, retained=list(row.retained),
                  retention=[float(share) for share in row.retention],
                  revenue=[money_value(minor, row.currency) for minor in row.revenue] if revenue_shown else [],
                  avg_forms_created=json_number(row.avg_forms_created),
                  avg_invitations_sent=float(row.avg_invitations_sent),
                  avg_feature_adoption=json_number(row.avg_feature_adoption))
        for row in rows
    ])


@router.get(f"{PREFIX}/viral-coefficient", summary="Viral metrics (seed 000's ViralMetrics)", responses=BAD_INPUT)
def viral_coefficient(
    service: Service, day: DateQuery = None,
    period: Annotated[Timeframe, Query(description="The period ending on `date` (7d, 30d, 90d, 1y); the "
                                       "K-factor trend is made of consecutive such periods.")] = "30d",
) -> dict[str, Any]:
    """K-factor, its trend, and the supplier, couple and network metrics on ``date`` over ``period``;
    ``reasons`` explains every ``null``."""
    return viral_metrics(service, day or service.as_of(), period)


@router.get(f"{PREFIX}/snapshots", response_model=SnapshotsOut, summary="The daily snapshot (success_metrics)",
            dependencies=[require("view_drilldown")],
            responses={422: {"description": "A `start` or `end` that is not a day, or `end` before `start`."}})
def snapshots(service: Service, principal: CurrentPrincipal, start: RangeDay, end: RangeDay) -> SnapshotsOut:
    """The ``success_metrics`` rows stored for the days ``[start, end]`` by ``northstar refresh`` (or
    the server's background refresh), one value per metric the caller's role may see; days not
    refreshed yet are absent."""
    with _translated():
        days = success_metrics(service, start, end)
    currency = service.settings.reporting_currency
    allowed = visible_metrics(principal, service.registry, service.settings)
    names = [name for name in (days[0].values if days else {}) if name in allowed]
    money = {name for name in names if service.registry.spec(name).unit == "money"}
    return SnapshotsOut(start=start, end=end, metrics=names, days=[
        SnapshotDayOut(date=row.day, values={
            name: (money_value(value, currency) if name in money and value is not None else json_number(value))
            for name, value in row.values.items() if name in allowed
        }, reasons={name: reason for name, reason in row.reasons.items() if name in allowed})
        for row in days
    ])


@router.get("/api/metrics/executive", summary="Executive metrics (seeds 001/002)",
            responses={422: {"description": "A `date` that is not a YYYY-MM-DD day."}},
            dependencies=[financial_view()])
def executive(service: Service, principal: CurrentPrincipal, day: DateQuery = None) -> dict[str, Any]:
    """The specification's ``ExecutiveMetrics`` on ``date`` (default: the latest day with data, at
    most today): revenue, users, viral, engagement and coordination sections, money exact,
    ``reasons`` for every ``null``; a value the caller's role may not see (the revenue section below
    ``executive``) is ``null`` with the reason ``restricted: needs the <role> role``."""
    shape = executive_metrics(service, day or service.as_of())
    allowed = visible_metrics(principal, service.registry, service.settings)
    for section, fields in EXECUTIVE_FIELDS.items():
        for field, (name, _, _) in fields.items():
            if name in service.registry and name not in allowed:
                shape[section][field] = None  # type: ignore[index]
                shape["reasons"][f"{section}.{field}"] = restricted_reason(  # type: ignore[index]
                    service.registry.spec(name), service.settings)
    return shape


@router.get(f"{PREFIX}/{{name}}/series", response_model=SeriesOut, summary="One metric over a range",
            responses={**NOT_FOUND, **RESTRICTED,
                       422: {"description": "A bad `start`, `end` (before `start`, or more than 1,000 "
                                            "points), `grain`, `timeframe`, `breakdown` or filter."}})
def series(
    name: str, service: Service, _visible: VisibleMetric, filters: FiltersQuery, start: RangeDay, end: RangeDay,
    grain: Annotated[Literal["day", "week", "month"], Query(description="Calendar day, ISO week or "
                                                            "calendar month.")] = "day",
    breakdown: Annotated[str | None, Query(description="A dimension: one line per value of it.")] = None,
    timeframe: Annotated[Timeframe | None, Query(description="Rolling window ending on each point's day for "
                                                 "timeframe metrics (default: the period itself).")] = None,
) -> SeriesOut:
    """Metric ``name`` at every day, week or month of ``[start, end]`` (see docs/metrics-api.md)."""
    with _translated():
        found = service.series(name, start, end, grain, breakdown, filters, timeframe)
    return series_out(found, service.settings.reporting_currency)


def series_out(found: Series, currency: str) -> SeriesOut:
    """The wire form of a :class:`Series`: money as exact minor units."""
    from northstar.metrics.results import format_value

    spec = found.spec
    money = spec.unit == "money"
    return SeriesOut(
        name=spec.name, label=spec.label, unit=spec.unit, duration_unit=spec.duration_unit, grain=found.grain,
        start=found.start, end=found.end, timeframe=found.timeframe, breakdown=found.breakdown,
        filters=found.filters, currency=currency if money else None,
        lines=[SeriesLine(key=line.key, points=[
            SeriesPoint(start=point.first, end=point.last, date=point.day, window_start=point.window.start,
                        window_end=point.window.end, value=_amount(point.value, currency if money else None),
                        money=money_value(point.value, currency) if money and point.value is not None else None,
                        display=format_value(spec, point.value, currency), reason=point.reason)
            for point in line.points
        ]) for line in found.lines],
    )


@router.get(f"{PREFIX}/{{name}}/explain", response_model=ExplainOut, summary="The SQL of one metric",
            dependencies=[require("view_drilldown")], responses={**NOT_FOUND, **BAD_FILTER, **RESTRICTED})
def explain_metric(
    name: str, service: Service, _visible: VisibleMetric, filters: FiltersQuery, timeframe: TimeframeQuery = "30d",
    day: DateQuery = None,
) -> ExplainOut:
    """The SQL text metric ``name`` runs on ``date`` over ``timeframe`` for the filters."""
    on = day or service.as_of()
    with _translated():
        sql = service.explain(name, on, timeframe, filters)
    return ExplainOut(name=name, date=on, timeframe=timeframe, filters=dict(sorted(filters.items())), sql=sql)


@router.get(f"{PREFIX}/{{name}}", response_model=MetricOut, summary="One metric",
            responses={**NOT_FOUND, **BAD_FILTER, **RESTRICTED})
def one_metric(
    name: str, service: Service, _visible: VisibleMetric, filters: FiltersQuery, timeframe: TimeframeQuery = "30d",
    day: DateQuery = None,
) -> MetricOut:
    """Metric ``name`` on reporting day ``date`` over ``timeframe`` for the users matching the
    filters, with the previous period, target and zone."""
    with _translated():
        return metric_out(service.compute(name, day or service.as_of(), timeframe, filters))
