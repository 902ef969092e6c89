"""The revenue family's remaining range computations (``Metric.compute_days``: trial conversion, unit
economics, churn, revenue retention, transactional revenue) give exactly the per-day values, on both
backends, on a readable fixture in Europe/Berlin across the 2026 switch to summer time (29 March,
02:00 local), with subscription changes, trial ends, spend and purchases just around local midnight
and month ends (METRICS.md § Revenue)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.metrics.service import MetricsService
from tests.ranged import per_day, ranged

FIRST, LAST = date(2026, 3, 20), date(2026, 4, 2)
DAYS = [FIRST + timedelta(days=offset) for offset in range((LAST - FIRST).days + 1)]

REVENUE = ("trial_to_paid_conversion", "cac", "payback_period_months", "clv", "clv_cac_ratio", "monthly_churn_rate",
           "annual_churn_rate", "net_revenue_retention", "gross_revenue_retention", "active_customers", "revenue")


def _state(sub: str, customer: str, status: str, amount: int, at: datetime, period_end: datetime | None = None,
           currency: str = "GBP") -> dict[str, object]:
    return {"change_id": f"{sub}@{at.isoformat()}", "subscription_id": sub, "customer_id": customer, "plan": "pro",
            "status": status, "amount_minor": amount, "currency": currency, "interval_months": 1,
            "effective_at": at, "period_end": period_end, "recorded_at": at}


def _spend(spend_id: str, day: date, amount: int, currency: str = "GBP") -> dict[str, object]:
    return {"spend_id": spend_id, "spent_on": day, "channel": "ads", "amount_minor": amount, "currency": currency}


def _order(message_id: str, user_id: str, at: datetime, minor: int, currency: str | None) -> dict[str, object]:
    return {"message_id": message_id, "type": "track", "event": "Order Completed", "user_id": user_id,
            "timestamp": at, "received_at": at, "revenue_minor": minor, "currency": currency}


# Instants are UTC; Berlin is UTC+1 until 29 March 2026 02:00 (and 30 March 2025), then UTC+2.
SUBSCRIPTIONS = [
    _state("p1", "p1", "active", 3000, datetime(2025, 1, 10, 10)),
    _state("p2", "p2", "active", 2000, datetime(2025, 2, 10, 10)),
    _state("p2", "p2", "active", 5000, datetime(2026, 3, 27, 23, 30)),             # 28 March 00:30 local
    _state("p3", "p3", "active", 4000, datetime(2025, 3, 25, 22, 30)),             # 25 March 2025 23:30 local
    _state("p3", "p3", "canceled", 4000, datetime(2026, 2, 10, 10), period_end=datetime(2026, 2, 15, 10)),
    _state("p4", "p4", "active", 1000, datetime(2025, 6, 1, 10)),
    _state("p4", "p4", "canceled", 1000, datetime(2026, 3, 5, 10),
           period_end=datetime(2026, 3, 31, 21, 30)),                               # 31 March 23:30 local
    _state("t1", "t1", "trialing", 0, datetime(2026, 3, 1, 10)),
    _state("t1", "t1", "active", 1500, datetime(2026, 3, 22, 22, 30)),             # 22 March 23:30 local
    _state("t2", "t2", "trialing", 0, datetime(2026, 3, 10, 10)),
    _state("t2", "t2", "canceled", 0, datetime(2026, 3, 28, 23, 30)),              # 29 March 00:30 local
    _state("t2b", "t2", "active", 2500, datetime(2026, 4, 1, 10)),                 # within the 7 grace days
    _state("t3", "t3", "trialing", 0, datetime(2026, 3, 15, 10)),
    _state("t3", "t3", "canceled", 0, datetime(2026, 3, 25, 10)),
]
SPEND = [_spend("m1", date(2026, 2, 25), 10000), _spend("m2", date(2026, 3, 21), 30000),
         _spend("m3", date(2026, 3, 28), 20000), _spend("m4", date(2026, 3, 29), 10000, "USD")]
ORDERS = [
    _order("r1", "s1", datetime(2026, 3, 27, 22, 40), 1000, "GBP"),      # 27 March 23:40 local
    _order("r2", "s2", datetime(2026, 3, 26, 9), 250, None),            # the reporting currency
    _order("r3", "s1", datetime(2026, 3, 30, 0), 99, "USD"),             # 30 March 02:00 local
    _order("r4", "s1", datetime(2026, 3, 28, 23, 30), 500, "EUR"),       # 29 March 00:30 local
]


@pytest.fixture
def berlin(database: str, make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    northstar = Northstar(make_settings(database=database, reporting_timezone="Europe/Berlin"))
    northstar.write({"subscription_history": SUBSCRIPTIONS, "marketing_spend": SPEND, "events": ORDERS},
                    source="test")
    yield northstar
    northstar.close()


def _lengths(northstar: Northstar, name: str) -> tuple[int, ...]:
    grain = MetricsService(northstar.store, northstar.settings).registry.spec(name).grain
    return (1, 7, 30) if grain == "timeframe" else (30,)


def test_range_computations_equal_the_per_day_ones(berlin: Northstar) -> None:
    for name in REVENUE:
        for length in _lengths(berlin, name):
            assert ranged(berlin, name, DAYS, length) == per_day(berlin, name, DAYS, length), (name, length)


def _values(northstar: Northstar, name: str, length: int = 30) -> list[object]:
    return [measured.value for measured in ranged(northstar, name, DAYS, length).values()]


def test_range_values_by_hand(berlin: Northstar) -> None:
    third = Decimal(1) / Decimal(3)
    #                                                     20 … 30 March        31 March, 1 and 2 April
    # February: p3 of p1..p4 churned; March: p4 (paid until 23:30 local on 31 March) of p1, p2, p4.
    assert _values(berlin, "monthly_churn_rate") == [Decimal("0.25")] * 11 + [third] * 3
    # 12 months ending with February: 1 − 3/4; ending with March: 1 − 3/4 × 2/3.
    assert _values(berlin, "annual_churn_rate") == [Decimal("0.25")] * 11 + [Decimal("0.5")] * 3
    # Paying 12 months earlier: p1 3000 and p2 2000, and p3 4000 from 25 March (it started at 23:30 local on
    # 25 March 2025); now p3 pays 0 and p2 5000 from 28 March.
    five_ninths, eight_ninths = Decimal(5) / Decimal(9), Decimal(8) / Decimal(9)
    assert _values(berlin, "net_revenue_retention") == [1] * 5 + [five_ninths] * 3 + [eight_ninths] * 6
    assert _values(berlin, "gross_revenue_retention") == [1] * 5 + [five_ninths] * 9
    # Trials: t1 ends and pays on 22 March, t3 ends unpaid on 25 March, t2 ends on 29 March and pays on 1 April.
    trials = ranged(berlin, "trial_to_paid_conversion", DAYS, 7)
    assert trials[date(2026, 3, 21)].reason == "undefined: no trial ended in the window"
    assert [trials[date(2026, 3, day)].value for day in (28, 29, 31)] == [Decimal("0.5"), 0, 0]
    assert trials[date(2026, 4, 1)].value == 1
    # New customers: t1 on 22 March, t2 on 1 April; spend 100.00 on 25 February, 300.00 on 21 March, 200.00 on
    # 28 March and $100 (× 0.79) on 29 March.
    cac = ranged(berlin, "cac", DAYS, 30)
    assert cac[date(2026, 3, 21)].reason == "undefined: no new paying customers in the window"
    assert cac[date(2026, 3, 22)].value == 40000
    assert cac[date(2026, 4, 2)].value == 28950
    # LTV on 30 March: MRR 10500 of 4 customers / (1/4 ÷ 6); on 31 March: 9500 of 3 / ((1/4 + 1/3) ÷ 6).
    clv = ranged(berlin, "clv", DAYS, 30)
    assert clv[date(2026, 3, 30)].value == 63000
    assert clv[date(2026, 3, 31)].value == Decimal(228000) / Decimal(7)
    revenue = ranged(berlin, "revenue", DAYS, 1)
    assert [revenue[date(2026, 3, day)].value for day in (26, 27, 28, 29, 30)] == [250, 1000, 0, 425,
                                                                                   Decimal("78.21")]
    customers = ranged(berlin, "active_customers", DAYS, 7)
    assert customers[date(2026, 4, 1)].value == 2 and customers[date(2026, 4, 2)].value == 1


def test_a_currency_without_a_rate_undefines_the_days_from_its_start(berlin: Northstar) -> None:
    berlin.write({"subscription_history": [_state("c1", "c1", "active", 1000, datetime(2026, 3, 29, 23, 30),
                                                  currency="CHF")],                  # 30 March 01:30 local
                  "marketing_spend": [_spend("m5", date(2026, 4, 1), 500, "CHF")]}, source="test")
    for name in REVENUE:
        for length in _lengths(berlin, name):
            assert ranged(berlin, name, DAYS, length) == per_day(berlin, name, DAYS, length), (name, length)
    missing = "undefined: no exchange rate for CHF in settings.fx_rates; add it to fx_rates"
    churn = ranged(berlin, "monthly_churn_rate", DAYS, 30)
    assert churn[date(2026, 3, 29)].value == Decimal("0.25") and churn[date(2026, 3, 30)].reason == missing
    retention = ranged(berlin, "net_revenue_retention", DAYS, 30)
    assert retention[date(2026, 3, 29)].value == Decimal(8) / Decimal(9)
    assert retention[date(2026, 3, 30)].reason == missing


def test_filters_fall_back_to_per_day(berlin: Northstar) -> None:
    created = datetime(2025, 1, 1)
    berlin.write({"users": [{"user_id": user, "user_type": kind, "created_at": created, "first_seen_at": created}
                            for user, kind in (("p1", "supplier"), ("p2", "supplier"), ("p3", "supplier"),
                                               ("p4", "couple"), ("s1", "supplier"), ("s2", "couple"))]},
                 source="test")
    service = MetricsService(berlin.store, berlin.settings)
    suppliers = {"user_type": "supplier"}

    def values(name: str, length: int = 30) -> list[object]:
        found = service.measure_days(service.registry.spec(name), DAYS, length, suppliers, snapshot=False)
        return [measured.value for measured in found.values()]

    # February: p3 of the suppliers p1..p3 churned; March: none of p1, p2 (p4 is a couple).
    assert values("monthly_churn_rate") == [Decimal(1) / Decimal(3)] * 11 + [0] * 3
    assert values("net_revenue_retention")[-1] == Decimal(8) / Decimal(9)
    assert values("active_customers", 7)[-2:] == [1, 1]   # s1 (s2 is a couple)
