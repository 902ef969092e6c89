"""The executive dashboard's metrics: the specification's ``ExecutiveMetrics`` (seeds 001 and 002,
``GET /api/metrics/executive``) as catalog results.

Every field is one catalog metric (:data:`EXECUTIVE_FIELDS`) on the reporting day, over the 30
days ending on it (the seeds' "last 30 days" and "this month"), except ``newSignupsToday`` (the day
itself). Conventions differ from the seeds' TypeScript on purpose: money is exact
(``{"minor", "currency", "display"}``), ``growth`` and ``churn`` are fractions (0.05 = 5 %), not
percentages, and an undefined value is ``None`` with its reason in ``reasons``, never 0.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from northstar.metrics.results import MetricResult, json_number

if TYPE_CHECKING:
    from northstar.metrics.service import MetricsService

TIMEFRAME = "30d"
TODAY = "1d"

# Section → field → (catalog metric, timeframe, filters), in the seeds' order. ``churn`` is the
# ChartMogul logo churn of the month; ``vendorSatisfactionScore`` (seed 002) is the CSAT of
# suppliers' answers; ``avgCoordinationTime`` is in hours.
EXECUTIVE_FIELDS: dict[str, dict[str, tuple[str, str, dict[str, str]]]] = {
    "revenue": {
        "mrr": ("mrr", TIMEFRAME, {}),
        "arr": ("arr", TIMEFRAME, {}),
        "growth": ("mrr_growth_rate", TIMEFRAME, {}),
        "churn": ("monthly_churn_rate", TIMEFRAME, {}),
    },
    "users": {
        "totalSuppliers": ("total_suppliers", TIMEFRAME, {}),
        "totalCouples": ("total_couples", TIMEFRAME, {}),
        "activeSuppliers": ("active_suppliers", TIMEFRAME, {}),
        "activeCouples": ("active_couples", TIMEFRAME, {}),
        "newSignupsToday": ("new_signups", TODAY, {}),
    },
    "viral": {
        "coefficient": ("k_factor", TIMEFRAME, {}),
        "invitationsSent": ("invitations_sent", TIMEFRAME, {}),
        "invitationsAccepted": ("invitations_accepted", TIMEFRAME, {}),
        "averageInvitesPerSupplier": ("avg_invites_per_supplier", TIMEFRAME, {}),
    },
    "engagement": {
        "dailyActiveUsers": ("dau", TIMEFRAME, {}),
        "weeklyActiveUsers": ("wau", TIMEFRAME, {}),
        "monthlyActiveUsers": ("mau", TIMEFRAME, {}),
        "averageSessionDuration": ("avg_session_duration_minutes", TIMEFRAME, {}),
    },
    "coordination": {
        "weddingsCoordinated": ("weddings_coordinated", TIMEFRAME, {}),
        "activeVendorPairs": ("active_vendor_pairs", TIMEFRAME, {}),
        "vendorsCollaborating": ("vendors_collaborating", TIMEFRAME, {}),
        "avgCoordinationTime": ("avg_coordination_hours", TIMEFRAME, {}),
        "vendorSatisfactionScore": ("csat_score", TIMEFRAME, {"user_type": "supplier"}),
    },
}


def _wire(result: MetricResult) -> object:
    if result.unit == "money":
        return None if result.money is None else result.money.model_dump()
    return json_number(result.value)


def executive_metrics(service: MetricsService, day: date, now: datetime | None = None) -> dict[str, object]:
    """``ExecutiveMetrics`` on reporting ``day``.

    Returns ``{"date", "currency", "revenue": {...}, "users": {...}, "viral": {...},
    "engagement": {...}, "coordination": {...}, "lastUpdated", "reasons"}``: each section maps the
    seeds' field names to a JSON number, money to ``{"minor": int, "currency", "display"}``, an
    undefined value to ``None``; ``reasons`` maps the dotted path of every ``None``
    (``revenue.churn``) to why (``undefined: …``, ``no_data: …``, or ``not_computed: …`` when the
    catalog lacks the metric). ``lastUpdated`` is ``now`` (default: the current time) as ISO 8601
    UTC with a ``Z``.
    """
    reasons: dict[str, str] = {}
    shape: dict[str, object] = {"date": day.isoformat(), "currency": service.settings.reporting_currency}
    for section, fields in EXECUTIVE_FIELDS.items():
        values: dict[str, object] = {}
        for field, (name, timeframe, filters) in fields.items():
            if name not in service.registry:
                values[field] = None
                reasons[f"{section}.{field}"] = f"not_computed: {name} is not in the metric catalog"
                continue
            result = service.compute(name, day, timeframe, filters)
            values[field] = _wire(result)
            if result.reason is not None:
                reasons[f"{section}.{field}"] = result.reason
        shape[section] = values
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    shape["lastUpdated"] = stamp.isoformat(timespec="seconds") + "Z"
    shape["reasons"] = reasons
    return shape
