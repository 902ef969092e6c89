"""Cohort tables and feature usage on both backends, against values worked out by hand (METRICS.md
§ Retention and cohorts; seed 000's ``user_cohorts`` and ``feature_usage`` tables). Reporting
timezone Europe/London: 2026-04-30 23:30 UTC is 00:30 BST on 1 May."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from itertools import count

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.errors import InvalidInput
from northstar.metrics.cohorts import CohortRow, cohort_table_for
from northstar.metrics.feature_usage import feature_usage_for
from northstar.metrics.service import MetricsService

D = date(2026, 6, 15)  # a Monday; the period of D is June 2026
_ids = count()


def _user(user_id: str, user_type: str, created: datetime, deleted: datetime | None = None) -> dict[str, object]:
    return {"user_id": user_id, "user_type": user_type, "created_at": created, "first_seen_at": created,
            "deleted_at": deleted}


def _event(user: str, at: datetime, event: str = "Page Viewed", **properties: object) -> dict[str, object]:
    return {"message_id": f"c{next(_ids)}", "type": "track", "event": event, "user_id": user, "timestamp": at,
            "received_at": at, "properties": properties or None}


def _state(sub: str, customer: str, status: str, amount: int, at: datetime, *, interval: int = 1,
           currency: str = "GBP", period_end: datetime | None = None) -> dict[str, object]:
    return {"change_id": f"{sub}@{at.isoformat()}", "subscription_id": sub, "customer_id": customer, "plan": "pro",
            "status": status, "amount_minor": amount, "currency": currency, "interval_months": interval,
            "effective_at": at, "period_end": period_end, "recorded_at": at}


def _invitation(key: str, inviter: str, at: datetime) -> dict[str, object]:
    return {"invitation_id": key, "inviter_id": inviter, "sent_at": at}


USERS = [
    _user("s1", "supplier", datetime(2026, 4, 10, 10)),                       # April
    _user("s2", "supplier", datetime(2026, 4, 30, 23, 30)),                   # 1 May 00:30 BST: May
    _user("s3", "supplier", datetime(2026, 4, 5, 9)),                         # April
    _user("c1", "couple", datetime(2026, 4, 20, 12)),                         # April (a Monday)
    _user("c2", "couple", datetime(2026, 6, 16, 12)),                         # after D
    _user("s4", "supplier", datetime(2026, 3, 10), deleted=datetime(2026, 5, 1)),  # deleted
]
EVENTS = [
    _event("s1", datetime(2026, 4, 12, 9), "Form Created"),
    _event("s1", datetime(2026, 4, 13, 9), "Form Created"),
    _event("s1", datetime(2026, 4, 14, 9), "Form Completed"),
    _event("s1", datetime(2026, 5, 20, 9), "Journey Created"),
    _event("s2", datetime(2026, 5, 31, 23, 30), "Template Purchased"),      # 1 June 00:30 BST
    _event("s3", datetime(2026, 4, 30, 23, 30)),                            # 1 May 00:30 BST
    _event("s3", datetime(2026, 6, 2, 9), "Email Opened"),                  # not qualifying
    _event("c1", datetime(2026, 4, 21, 9), "AI Suggestion Used", success=True),
    _event("c1", datetime(2026, 4, 22, 9), "AI Content Generated", success=False),
    _event("c1", datetime(2026, 6, 10, 9)),
    _event("s4", datetime(2026, 3, 11, 9), "Form Created"),
]
SUBSCRIPTIONS = [
    _state("m1", "s1", "active", 4900, datetime(2026, 4, 20)),
    _state("m1", "s1", "canceled", 4900, datetime(2026, 5, 10), period_end=datetime(2026, 5, 20)),
    _state("y2", "s2", "active", 12000, datetime(2026, 5, 5), interval=12),   # 12000/12 = 1000 a month
    _state("u3", "s3", "active", 1000, datetime(2026, 6, 1), currency="USD"),  # $10 × 0.79 = 790 p
]
INVITATIONS = [
    _invitation("i1", "s1", datetime(2026, 4, 15)),
    _invitation("i2", "s1", datetime(2026, 5, 1)),
    _invitation("i3", "s3", datetime(2026, 6, 16)),                         # after D
]


@pytest.fixture
def service(northstar: Northstar, make_settings: Callable[..., Settings]) -> MetricsService:
    northstar.write({"users": USERS, "events": EVENTS, "subscription_history": SUBSCRIPTIONS,
                     "invitations": INVITATIONS}, source="test")
    settings = make_settings(database=northstar.settings.database, reporting_timezone="Europe/London")
    return MetricsService(northstar.store, settings)


def _rows(service: MetricsService, **options: object) -> dict[tuple[date, str | None], CohortRow]:
    return {(row.cohort_start, row.user_type): row for row in cohort_table_for(service, D, **options)}


def test_monthly_cohorts(service: MetricsService) -> None:
    rows = _rows(service)
    assert list(rows) == [(date(2026, 4, 1), "couple"), (date(2026, 4, 1), "supplier"), (date(2026, 5, 1), "supplier")]

    april = rows[(date(2026, 4, 1), "supplier")]  # s1, s3 (s4 deleted)
    assert april.cohort_size == 2
    # April: s1; May: s1 (05-20), s3 (1 May BST); June: s3's email is not qualifying → nobody.
    assert april.retained == (1, 2, 0)
    assert april.retention == (Decimal(1) / 2, 1, 0)
    # End of April: s1's £49; end of May: s1's paid period ended 05-20 → 0; D: s3's $10 × 0.79 = 790 p.
    assert april.revenue == (4900, 0, 790)
    # Form Created: s1 2, s3 0 → 2/2; invitations by D: s1 2, s3 0 (i3 after D) → 2/2;
    # features used of 4: s1 forms + journey_builder = 2, s3 0 → (2 + 0) / (2 × 4).
    assert (april.avg_forms_created, april.avg_invitations_sent, april.avg_feature_adoption) == (
        1, 1, Decimal(1) / 4)

    couple = rows[(date(2026, 4, 1), "couple")]  # c1: active in April and June
    assert (couple.cohort_size, couple.retained, couple.revenue) == (1, (1, 0, 1), (0, 0, 0))
    assert (couple.avg_forms_created, couple.avg_invitations_sent, couple.avg_feature_adoption) == (
        0, 0, Decimal(1) / 4)

    may = rows[(date(2026, 5, 1), "supplier")]  # s2 (signed up at 00:30 BST on 1 May); active in June only
    assert (may.cohort_size, may.retained, may.revenue) == (1, (0, 1), (1000, 1000))
    assert may.avg_feature_adoption == Decimal(1) / 4  # template marketplace


def test_user_cohorts_row_has_the_specification_columns(service: MetricsService) -> None:
    april = _rows(service)[(date(2026, 4, 1), "supplier")]
    assert april.as_user_cohorts_row() == {
        "cohort_month": date(2026, 4, 1), "user_type": "supplier", "cohort_size": 2,
        "month_0_retained": 1, "month_1_retained": 2, "month_3_retained": None, "month_6_retained": None,
        "month_12_retained": None,
        "month_0_revenue": Decimal("49.00"), "month_1_revenue": Decimal("0.00"), "month_3_revenue": None,
        "month_6_revenue": None, "month_12_revenue": None,
        "avg_forms_created": Decimal("1.00"), "avg_invitations_sent": Decimal("1.00"),
        "avg_feature_adoption": Decimal("0.250"),
    }


def test_user_type_periods_and_weeks(service: MetricsService) -> None:
    assert list(_rows(service, user_type="couple")) == [(date(2026, 4, 1), "couple")]
    # The last 2 months (May, June): only May's cohort has members.
    assert list(_rows(service, periods=2)) == [(date(2026, 5, 1), "supplier")]
    assert _rows(service, periods=1) == {}
    # c1 signed up on Monday 04-20; active 04-21 (k = 0) and 06-10 (week of 06-08, k = 7); D is in week k = 8.
    weekly = _rows(service, user_type="couple", grain="week")
    assert list(weekly) == [(date(2026, 4, 20), "couple")]
    assert weekly[(date(2026, 4, 20), "couple")].retained == (1, 0, 0, 0, 0, 0, 0, 1, 0)
    with pytest.raises(InvalidInput):
        weekly[(date(2026, 4, 20), "couple")].as_user_cohorts_row()
    with pytest.raises(InvalidInput):
        cohort_table_for(service, D, grain="day")  # type: ignore[arg-type]


def test_averages_without_declared_features(northstar: Northstar, make_settings: Callable[..., Settings]) -> None:
    northstar.write({"users": USERS, "events": EVENTS}, source="test")
    settings = make_settings(database=northstar.settings.database, reporting_timezone="Europe/London", features={})
    april = {row.user_type: row for row in cohort_table_for(MetricsService(northstar.store, settings), D)
             if row.cohort_start == date(2026, 4, 1)}["supplier"]
    # No forms feature, no features: those averages do not exist; invitations were not imported → 0.
    assert (april.avg_forms_created, april.avg_feature_adoption, april.avg_invitations_sent) == (None, None, 0)
    assert april.revenue == (0, 0, 0)  # no subscriptions
    assert april.as_user_cohorts_row()["avg_feature_adoption"] is None


def test_an_empty_store_has_no_cohorts(northstar: Northstar) -> None:
    service = MetricsService(northstar.store, northstar.settings)
    assert cohort_table_for(service, D) == []
    assert feature_usage_for(service, D) == []


def test_feature_usage_rows(service: MetricsService) -> None:
    rows = [row.as_row() for row in feature_usage_for(service, D)]
    assert [(row["user_id"], row["feature_name"], row["usage_count"], row["successful_completions"],
             row["completion_rate"]) for row in rows] == [
        ("c1", "ai_features", 2, 1, Decimal("0.500")),         # success=true once
        ("s1", "forms", 3, 1, Decimal("0.333")),               # Form Completed: 1 of 3
        ("s1", "journey_builder", 1, 0, Decimal("0.000")),
        ("s2", "template_marketplace", 1, 1, Decimal("1.000")),  # Template Purchased
    ]  # s4 was deleted: not a registered user any more
    forms = feature_usage_for(service, D, user_id="s1")[0]
    assert (forms.feature_category, forms.first_used_at, forms.last_used_at) == (
        "forms", datetime(2026, 4, 12, 9), datetime(2026, 4, 14, 9))
    assert forms.completion_rate == Decimal(1) / 3
