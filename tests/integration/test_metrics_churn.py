"""Churn and revenue retention on both backends, against values worked out by hand (METRICS.md § Revenue:
monthly_churn_rate, revenue_churn_rate, net_mrr_churn_rate, annual_churn_rate, NRR, GRR)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from northstar.app import Northstar
from northstar.metrics.service import MetricsService
from tests.integration.test_metrics_mrr_movements import state

MARCH = [
    state("k1", "k1", "active", 10000, datetime(2026, 1, 1)),                            # stays
    state("k2", "k2", "active", 5000, datetime(2026, 1, 1)),
    state("k2", "k2", "canceled", 5000, datetime(2026, 3, 10), period_end=datetime(2026, 3, 20)),  # churns 03-20
    state("k3", "k3", "active", 5000, datetime(2026, 1, 1)),
    state("k3", "k3", "canceled", 5000, datetime(2026, 3, 2), period_end=datetime(2026, 3, 5)),    # leaves 03-05
    state("k3b", "k3", "active", 5000, datetime(2026, 3, 25)),                           # and comes back 03-25
    state("k4", "k4", "active", 4000, datetime(2026, 3, 3)),                             # joins 03-03
    state("k4", "k4", "canceled", 4000, datetime(2026, 3, 10), period_end=datetime(2026, 3, 15)),  # churns 03-15
    state("k5", "k5", "active", 20000, datetime(2026, 1, 1)),
    state("k5", "k5", "active", 15000, datetime(2026, 3, 15)),                           # contraction 5000
    state("k6", "k6", "active", 10000, datetime(2026, 1, 1)),
    state("k6", "k6", "active", 12000, datetime(2026, 3, 15)),                           # expansion 2000
]
# Start of March: k1, k2, k3, k5, k6 pay, MRR 10000 + 5000 + 5000 + 20000 + 10000 = 50000.
# Churned MRR in March: k2 5000 + k3 5000 + k4 4000 = 14000; contraction 5000; expansion 2000; reactivation 5000.


def test_monthly_logo_and_revenue_churn(northstar: Northstar) -> None:
    northstar.write({"subscription_history": MARCH}, source="test")
    service = MetricsService(northstar.store, northstar.settings)
    end_of_march = date(2026, 3, 31)  # the last day of March: M = March
    # Of the 5 paying at the start, only k2 is not paying at the end (k3 came back, k4 joined in March): 1/5.
    assert service.compute("monthly_churn_rate", end_of_march).value == Decimal("0.2")
    # (14000 + 5000) / 50000 = 0.38
    assert service.compute("revenue_churn_rate", end_of_march).value == Decimal("0.38")
    # (14000 + 5000 − 2000 − 5000) / 50000 = 0.24
    assert service.compute("net_mrr_churn_rate", end_of_march).value == Decimal("0.24")
    # On 03-30 March is not complete: M = February, when nobody left: 0/5, not undefined.
    assert service.compute("monthly_churn_rate", date(2026, 3, 30)).value == 0
    assert service.compute("revenue_churn_rate", date(2026, 3, 30)).value == 0
    # M = January: nobody paid at its start (every subscription starts at 01-01 00:00) → undefined.
    january = service.compute("monthly_churn_rate", date(2026, 2, 10))
    assert (january.value, january.reason) == (None, "undefined: no paying customers at the start of 2026-01")
    revenue = service.compute("revenue_churn_rate", date(2026, 2, 10))
    assert (revenue.value, revenue.reason) == (None, "undefined: MRR at the start of 2026-01 was 0")


def test_monthly_rates_compare_with_the_month_before_whatever_the_timeframe(northstar: Northstar) -> None:
    northstar.write({"subscription_history": MARCH}, source="test")
    service = MetricsService(northstar.store, northstar.settings)
    # On 04-15 M = March (1/5 churned); the previous period is February (nobody left: 0), not the day
    # a 7-day timeframe earlier (04-08, whose M is March again).
    result = service.compute("monthly_churn_rate", date(2026, 4, 15), "7d")
    assert (result.value, result.previous, result.change) == (Decimal("0.2"), 0, Decimal("0.2"))
    # A 90-day timeframe does not reach back to December 2025 either: still February.
    assert service.compute("revenue_churn_rate", date(2026, 3, 31), "90d").previous == 0


def test_net_mrr_churn_is_negative_when_expansion_wins(northstar: Northstar) -> None:
    northstar.write({"subscription_history": [
        state("x", "x", "active", 10000, datetime(2026, 1, 1)),
        state("x", "x", "active", 15000, datetime(2026, 2, 10)),
    ]}, source="test")
    service = MetricsService(northstar.store, northstar.settings)
    # February: (0 + 0 − 5000 − 0) / 10000 = −0.5; gross revenue churn 0.
    assert service.compute("net_mrr_churn_rate", date(2026, 2, 28)).value == Decimal("-0.5")
    assert service.compute("revenue_churn_rate", date(2026, 2, 28)).value == 0


YEAR = [state(f"x{n}", f"x{n}", "active", 3000, datetime(2025, 1, 15)) for n in range(1, 5)] + [
    state("x1", "x1", "canceled", 3000, datetime(2025, 6, 10), period_end=datetime(2025, 6, 20)),   # June: 1/4
    state("x2", "x2", "canceled", 3000, datetime(2025, 11, 10), period_end=datetime(2025, 11, 20)),  # Nov: 1/3
]


def test_annual_churn_compounds_twelve_months(northstar: Northstar) -> None:
    northstar.write({"subscription_history": YEAR}, source="test")
    service = MetricsService(northstar.store, northstar.settings)
    # Months 2025-02..2026-01 (M = January 2026): 1 − (1 − 1/4)(1 − 1/3) = 1 − 1/2 = 0.5 (other months churn 0).
    assert service.compute("annual_churn_rate", date(2026, 1, 31)).value == Decimal("0.5")
    # Months 2025-01..2025-12 include January 2025, with no paying customer at its start → undefined.
    early = service.compute("annual_churn_rate", date(2025, 12, 31))
    assert (early.value, early.reason) == (None, "undefined: no paying customers at the start of 2025-01")


RETENTION = [
    state("n1", "n1", "active", 10000, datetime(2025, 1, 1)),
    state("n1", "n1", "active", 15000, datetime(2025, 10, 1)),                                   # expands
    state("n2", "n2", "active", 10000, datetime(2025, 1, 1)),
    state("n2", "n2", "active", 6000, datetime(2025, 12, 1)),                                    # contracts
    state("n3", "n3", "active", 10000, datetime(2025, 2, 1)),
    state("n3", "n3", "canceled", 10000, datetime(2025, 6, 1), period_end=datetime(2025, 7, 1)),  # churns
    state("n4", "n4", "active", 20000, datetime(2025, 6, 1)),                                    # new: excluded
]


def test_net_and_gross_revenue_retention(northstar: Northstar) -> None:
    northstar.write({"subscription_history": RETENTION}, source="test")
    service = MetricsService(northstar.store, northstar.settings)
    day = date(2026, 3, 15)
    # Paying at the end of 2025-03-15: n1, n2, n3 at 10000 each = 30000.
    # NRR: (15000 + 6000 + 0) / 30000 = 0.7; GRR: (min(15000, 10000) + 6000 + 0) / 30000 = 16000/30000.
    assert service.compute("net_revenue_retention", day).value == Decimal("0.7")
    assert service.compute("gross_revenue_retention", day).value == Decimal(16000) / Decimal(30000)
    early = service.compute("net_revenue_retention", date(2025, 6, 1))
    assert (early.value, early.reason) == (None, "undefined: no paying customers 12 months earlier")
