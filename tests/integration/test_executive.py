"""The executive dashboard's ``ExecutiveMetrics`` (seeds 001/002) on both backends, every field
worked out by hand from one small platform."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

import pytest

from northstar.app import Northstar
from northstar.metrics.catalog import build_registry
from northstar.metrics.executive import executive_metrics
from northstar.metrics.registry import Registry
from northstar.metrics.service import MetricsService
from northstar.store.schema import TABLES_BY_NAME

D = date(2026, 3, 15)  # 30d window: 2026-02-14 .. 2026-03-15; 7d: 03-09 .. 03-15
NOW = datetime(2026, 3, 15, 18, 30, tzinfo=UTC)
_ids = count()


def _state(subscription: str, customer: str, status: str, amount: int, at: datetime, *, interval: int = 1,
           period_end: datetime | None = None) -> dict[str, object]:
    return {"change_id": f"{subscription}-{at:%Y%m%d}", "subscription_id": subscription, "customer_id": customer,
            "plan": "pro", "status": status, "amount_minor": amount, "currency": "GBP", "interval_months": interval,
            "effective_at": at, "period_end": period_end, "recorded_at": at}


SUBSCRIPTIONS = [
    _state("a", "acct1", "active", 4900, datetime(2026, 1, 10)),                 # £49 / month
    _state("b", "acct2", "active", 12000, datetime(2026, 1, 1), interval=12),    # £120 / year = 1000 / month
    _state("x", "acct3", "active", 2000, datetime(2026, 1, 5)),
    _state("x", "acct3", "canceled", 2000, datetime(2026, 1, 20), period_end=datetime(2026, 2, 5)),
    _state("d", "acct4", "active", 1180, datetime(2026, 3, 1)),
]
# MRR at the end of D: 4900 + 1000 + 1180 = 7080 (£70.80); ARR 84960 (£849.60).
# MRR at the end of 02-15 (one month before): 4900 + 1000 (x ended 02-05) = 5900 → growth 1180 / 5900 = 0.2.
# Churn of February (the latest complete month): paying at 02-01: acct1 acct2 acct3; acct3 gone by 03-01 → 1/3.

USERS = [
    {"user_id": user_id, "user_type": user_type, "created_at": signup, "first_seen_at": signup}
    for user_id, user_type, signup in [
        ("s1", "supplier", datetime(2026, 1, 1)),
        ("s2", "supplier", datetime(2026, 3, 15, 10)),   # signed up on D
        ("c1", "couple", datetime(2026, 1, 1)),
        ("c2", "couple", datetime(2026, 3, 15, 12)),     # signed up on D
    ]
]


def _page(at: datetime, user: str | None = None, anonymous: str | None = None) -> dict[str, object]:
    return {"message_id": f"e{next(_ids)}", "type": "page", "user_id": user, "anonymous_id": anonymous,
            "timestamp": at, "received_at": at}


EVENTS = [
    _page(datetime(2026, 3, 15, 9), "s1"), _page(datetime(2026, 3, 15, 9, 10), "s1"),   # session of 10 min
    _page(datetime(2026, 3, 10, 10), "s1"), _page(datetime(2026, 3, 10, 10, 20), "s1"),  # session of 20 min
    _page(datetime(2026, 3, 15, 11), "s2"),
    _page(datetime(2026, 3, 12, 8), "c1"),
    _page(datetime(2026, 2, 20, 8), anonymous="visitor"),
]
# DAU s1 s2 = 2; WAU + c1 = 3; MAU + visitor = 4. Active (30d) suppliers s1 s2 = 2, couples c1 = 1.
# Sessions started in the 30 days: 10 + 20 + 0 (s2) + 0 (c1) + 0 (visitor) = 30 min / 5 = 6 min.


def _invite(invitation: str, inviter: str, inviter_type: str, sent: datetime,
            accepted: datetime | None) -> dict[str, object]:
    return {"invitation_id": invitation, "inviter_id": inviter, "inviter_type": inviter_type, "sent_at": sent,
            "accepted_at": accepted}


INVITATIONS = [
    _invite("i1", "s1", "supplier", datetime(2026, 3, 1), datetime(2026, 3, 2)),
    _invite("i2", "s1", "supplier", datetime(2026, 3, 2), None),
    _invite("i3", "s1", "supplier", datetime(2026, 3, 3), datetime(2026, 3, 15, 12)),
    _invite("i4", "c1", "couple", datetime(2026, 3, 5), datetime(2026, 3, 6)),
]
# Sent 4, accepted 3, inviters 2: k = (4 / 2) × (3 / 4) = 1.5. Supplier invites: 3 by 1 supplier = 3.

COLLABORATIONS = [
    {"collaboration_id": "k1", "client_id": "w1", "vendor_id": "s1", "partner_id": "c1", "partner_type": "couple",
     "started_at": datetime(2026, 3, 1), "last_activity_at": datetime(2026, 3, 3)},                  # 48 h
    {"collaboration_id": "k2", "client_id": "w1", "vendor_id": "s1", "partner_id": "v9", "partner_type": "supplier",
     "started_at": datetime(2026, 3, 2), "last_activity_at": datetime(2026, 3, 2, 6)},               # 6 h
]
# 1 wedding, 1 vendor pair {s1, v9}, 2 vendors, (48 + 6) / 2 = 27 h.

ANSWERS = [
    {"response_id": f"r{score}", "survey": "csat", "user_id": user, "score": score,
     "responded_at": datetime(2026, 3, 10)}
    for user, score in [("s1", 4), ("s1", 5), ("c1", 1)]
]
# Suppliers' CSAT: (4 + 5) / 2 = 4.5 (c1's answer is a couple's).


@pytest.fixture
def northstar_with_data(northstar: Northstar) -> Northstar:
    northstar.write({"subscription_history": SUBSCRIPTIONS, "users": USERS, "events": EVENTS,
                     "invitations": INVITATIONS, "collaborations": COLLABORATIONS, "survey_responses": ANSWERS},
                    source="test")
    return northstar


def test_executive_metrics(northstar_with_data: Northstar) -> None:
    service = MetricsService(northstar_with_data.store, northstar_with_data.settings)
    shape = executive_metrics(service, D, now=NOW)
    assert shape["date"] == "2026-03-15" and shape["currency"] == "GBP"
    assert shape["revenue"] == {
        "mrr": {"minor": 7080, "currency": "GBP", "display": "£70.80"},
        "arr": {"minor": 84960, "currency": "GBP", "display": "£849.60"},
        "growth": 0.2,
        "churn": pytest.approx(1 / 3),
    }
    assert shape["users"] == {"totalSuppliers": 2, "totalCouples": 2, "activeSuppliers": 2, "activeCouples": 1,
                              "newSignupsToday": 2}
    assert shape["viral"] == {"coefficient": 1.5, "invitationsSent": 4, "invitationsAccepted": 3,
                              "averageInvitesPerSupplier": 3}
    assert shape["engagement"] == {"dailyActiveUsers": 2, "weeklyActiveUsers": 3, "monthlyActiveUsers": 4,
                                   "averageSessionDuration": 6}
    assert shape["coordination"] == {"weddingsCoordinated": 1, "activeVendorPairs": 1, "vendorsCollaborating": 2,
                                     "avgCoordinationTime": 27, "vendorSatisfactionScore": 4.5}
    assert shape["lastUpdated"] == "2026-03-15T18:30:00Z"
    assert shape["reasons"] == {}


def test_missing_metrics_and_data_are_null_with_a_reason(northstar: Northstar) -> None:
    settings = northstar.settings
    without_churn = Registry((entry for entry in build_registry(settings) if entry.spec.name != "monthly_churn_rate"),
                             known_tables=TABLES_BY_NAME)
    shape = executive_metrics(MetricsService(northstar.store, settings, registry=without_churn), D, now=NOW)
    revenue = shape["revenue"]
    assert revenue == {"mrr": None, "arr": None, "growth": None, "churn": None}  # type: ignore[comparison-overlap]
    reasons = shape["reasons"]
    assert isinstance(reasons, dict)
    assert reasons["revenue.churn"] == "not_computed: monthly_churn_rate is not in the metric catalog"
    assert reasons["revenue.mrr"].startswith("no_data:")
    assert reasons["coordination.weddingsCoordinated"].startswith("no_data:")
