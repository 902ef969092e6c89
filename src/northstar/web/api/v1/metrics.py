"""``/api/v1/metrics``: the catalog, one metric, and the executive overview (seed 000's
``MetricsOverview``). A thin adapter over :class:`northstar.metrics.service.MetricsService`.

Wire conventions: money is exact, ``{"minor": int, "currency": "GBP", "display": "£1,234.50"}``;
rates are fractions in ``[0, 1]``; durations are in the metric's ``duration_unit``; an undefined
value is ``null`` and its entry in ``metrics`` carries the ``reason``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from northstar.domain.errors import UnknownMetric
from northstar.domain.money import Money
from northstar.metrics.overview import Overview, build_overview
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import MetricResult, MoneyValue, Value, money_value
from northstar.metrics.service import MetricsService, service_for
from northstar.web.deps import NorthstarDep

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])

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
          "reporting timezone."),
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


class MetricsOverview(BaseModel):
    """Seed 000's ``MetricsOverview`` with exact money, plus the reporting day and window and a
    ``metrics`` map (overview field, or ``feature_adoption_rates.<key>``, → full result) that
    explains every value and every ``null``. ``dau_rate``/``wau_rate`` are registered users active
    on D / in the 7 days ending D over registered users at the end of D. ``alert_count`` is 0
    until alert rules exist."""

    date: date
    timeframe: Timeframe
    window_start: date
    window_end: date
    currency: str
    current_mrr: MoneyValue | None
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


def _number(value: Value | None) -> float | int | None:
    """A JSON number: whole values as ints, others as floats (presentation only)."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _amount(value: Value | None, currency: str | None) -> float | int | None:
    """Money (a ``currency`` is given) as rounded integer minor units, never a float; other values
    as :func:`_number`."""
    if currency is not None and value is not None:
        return Money(value, currency).rounded()
    return _number(value)


def metric_out(result: MetricResult) -> MetricOut:
    """The wire form of a :class:`MetricResult` (Decimals become JSON numbers; money stays exact)."""
    return MetricOut(
        name=result.name, label=result.label, unit=result.unit, duration_unit=result.duration_unit,
        direction=result.direction, value=_amount(result.value, result.currency), money=result.money,
        display=result.display, reason=result.reason, previous=_amount(result.previous, result.currency),
        previous_display=result.previous_display, change_rate=_number(result.change_rate),
        target=_amount(result.target, result.currency),
        target_display=result.target_display, zone=result.zone, definition=result.definition, source=result.source,
    )


def overview_out(overview: Overview, currency: str) -> MetricsOverview:
    """The wire form of an :class:`Overview`."""
    fields = overview.fields
    mrr = fields["current_mrr"]
    mrr_target = overview.targets["mrr_target"]

    def value(field: str) -> float | int | None:
        return _number(fields[field].value)

    return MetricsOverview(
        date=overview.day, timeframe=overview.timeframe, window_start=mrr.window_start, window_end=mrr.window_end,
        currency=currency, current_mrr=mrr.money,
        mrr_growth_rate=value("mrr_growth_rate"), total_users=value("total_users"), paid_users=value("paid_users"),
        trial_conversion=value("trial_conversion"), k_factor=value("k_factor"),
        avg_invites_per_user=value("avg_invites_per_user"),
        invitation_conversion_rate=value("invitation_conversion_rate"),
        time_to_first_invite_avg=value("time_to_first_invite_avg"), dau_rate=value("dau_rate"),
        wau_rate=value("wau_rate"), avg_session_duration=value("avg_session_duration"),
        feature_adoption_rates=FeatureAdoptionRates(
            **{key: _number(result.value) for key, result in overview.features.items()}
        ),
        avg_page_load_time=value("avg_page_load_time"), uptime_percentage=value("uptime_percentage"),
        error_rate=value("error_rate"),
        targets=OverviewTargets(
            mrr_target=None if mrr_target is None else money_value(mrr_target, currency),
            k_factor_target=_number(overview.targets["k_factor_target"]),
            churn_target=_number(overview.targets["churn_target"]),
            conversion_target=_number(overview.targets["conversion_target"]),
        ),
        alert_count=overview.alert_count,
        metrics={
            **{field: metric_out(result) for field, result in fields.items()},
            **{f"feature_adoption_rates.{key}": metric_out(result) for key, result in overview.features.items()},
        },
    )


@router.get("", response_model=list[MetricInfo], summary="The metric catalog")
def list_metrics(service: Service) -> list[MetricInfo]:
    """Every metric of the catalog with its metadata and target, in catalog order."""
    return [_info(entry.spec, service) for entry in service.registry]


def _info(spec: MetricSpec, service: MetricsService) -> MetricInfo:
    target = service.settings.targets.get(spec.name)
    currency = service.settings.reporting_currency if spec.unit == "money" else None
    return MetricInfo(
        **spec.model_dump(include={"name", "label", "description", "unit", "duration_unit", "direction", "family",
                                   "kind", "grain", "definition", "source", "benchmark"}),
        dimensions=list(spec.dimensions), target=_amount(target.value, currency) if target else None,
    )


@router.get("/overview", response_model=MetricsOverview, responses=BAD_INPUT, summary="Executive overview")
def overview(service: Service, timeframe: TimeframeQuery = "30d", day: DateQuery = None) -> MetricsOverview:
    """Seed 000's ``MetricsOverview`` on reporting day ``date`` over ``timeframe``."""
    built = build_overview(service, day or service.today(), timeframe)
    return overview_out(built, service.settings.reporting_currency)


@router.get("/{name}", response_model=MetricOut, summary="One metric",
            responses={**BAD_INPUT, 404: {"description": "No metric of that name in the catalog."}})
def one_metric(name: str, service: Service, timeframe: TimeframeQuery = "30d", day: DateQuery = None) -> MetricOut:
    """Metric ``name`` on reporting day ``date`` over ``timeframe``, with previous period, target and zone."""
    try:
        return metric_out(service.compute(name, day or service.today(), timeframe))
    except UnknownMetric as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
