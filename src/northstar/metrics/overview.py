"""The executive overview: the specification's ``MetricsOverview`` (seed 000) as catalog results.

Each overview field is one catalog metric (:data:`OVERVIEW_FIELDS`) — the specification's fields
plus ``revenue`` and ``active_customers`` for revenue carried by purchase events, with
``revenue_by_month`` over the last :data:`REVENUE_MONTHS` calendar months; ``feature_adoption_rates``
has one entry per declared feature; ``targets`` are read from ``settings.targets``. The overview's
``dau_rate`` and ``wau_rate`` are registered users active on D / in the 7 days ending D over
registered users at the end of D (catalog metrics ``dau_rate`` and ``wau_rate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from northstar.domain.time import add_months, month_start
from northstar.metrics.engagement import feature_metric_name
from northstar.metrics.results import MetricResult
from northstar.metrics.series import Point
from northstar.metrics.service import MetricsService

# MetricsOverview field → catalog metric, in the specification's order.
OVERVIEW_FIELDS: dict[str, str] = {
    "current_mrr": "mrr",
    "revenue": "revenue",
    "active_customers": "active_customers",
    "mrr_growth_rate": "mrr_growth_rate",
    "total_users": "total_users",
    "paid_users": "paid_users",
    "trial_conversion": "trial_to_paid_conversion",
    "k_factor": "k_factor",
    "avg_invites_per_user": "avg_invites_per_inviter",
    "invitation_conversion_rate": "invitation_conversion_rate",
    "time_to_first_invite_avg": "time_to_first_invite_hours",
    "dau_rate": "dau_rate",
    "wau_rate": "wau_rate",
    "avg_session_duration": "avg_session_duration_minutes",
    "avg_page_load_time": "avg_page_load_time_ms",
    "uptime_percentage": "uptime_percentage",
    "error_rate": "error_rate",
}

# MetricsOverview.targets key → the catalog name whose target it shows.
TARGET_FIELDS: dict[str, str] = {
    "mrr_target": "mrr",
    "k_factor_target": "k_factor",
    "churn_target": "monthly_churn_rate",
    "conversion_target": "trial_to_paid_conversion",
}

# Calendar months of revenue shown, ending with the reporting day's month.
REVENUE_MONTHS = 12

# The specification calls the template marketplace feature ``marketplace``.
FEATURE_KEYS: dict[str, str] = {"template_marketplace": "marketplace"}


@dataclass(frozen=True)
class Overview:
    """The overview on reporting ``day`` over ``timeframe``: ``fields`` (overview field → result),
    ``features`` (feature key → adoption result), ``targets`` (target key → target value in the
    metric's unit, money in minor units; ``None`` when no target is set), ``revenue_by_month`` (one
    point per calendar month, the last cut at ``day``) and ``alert_count``."""

    day: date
    timeframe: str
    fields: dict[str, MetricResult]
    features: dict[str, MetricResult]
    targets: dict[str, Decimal | None]
    revenue_by_month: tuple[Point, ...]
    alert_count: int


def feature_key(feature: str) -> str:
    """The ``feature_adoption_rates`` key of declared feature ``feature``."""
    return FEATURE_KEYS.get(feature, feature)


def build_overview(service: MetricsService, day: date, timeframe: str) -> Overview:
    """Compute every overview metric on ``day`` over ``timeframe``. Raises
    :class:`northstar.domain.errors.InvalidInput` for a bad timeframe."""
    fields = {field: service.compute(name, day, timeframe) for field, name in OVERVIEW_FIELDS.items()}
    features = {
        feature_key(feature): service.compute(feature_metric_name(feature), day, timeframe)
        for feature in service.settings.features
    }
    targets = {
        key: (service.settings.targets[name].value if name in service.settings.targets else None)
        for key, name in TARGET_FIELDS.items()
    }
    first_month = add_months(month_start(day), 1 - REVENUE_MONTHS)
    revenue_by_month = service.series("revenue", first_month, day, grain="month").lines[0].points
    return Overview(day, timeframe, fields, features, targets, revenue_by_month, alert_count=0)
