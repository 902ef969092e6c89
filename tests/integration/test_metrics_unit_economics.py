"""LTV, CAC, payback and LTV:CAC on both backends, against values worked out by hand (METRICS.md § Revenue:
clv, cac, payback_period_months, clv_cac_ratio)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.config import RevenuePolicies, Settings
from northstar.metrics.service import MetricsService
from tests.integration.test_metrics_churn import YEAR
from tests.integration.test_metrics_mrr_movements import state

D = date(2026, 1, 31)  # timeframe "31d": the window is January 2026; M (last complete month) is January too

SUBSCRIPTIONS = [
    *YEAR,  # x1..x4 pay 3000 from 2025-01-15; x1 churns in June 2025 (1/4), x2 in November 2025 (1/3)
    state("x5", "x5", "active", 2000, datetime(2026, 1, 10)),  # new in January
    state("x6", "x6", "active", 4000, datetime(2026, 1, 20)),  # new in January
]
SPEND = [
    {"spend_id": "s1", "spent_on": date(2025, 12, 31), "channel": "ads", "amount_minor": 50000, "currency": "GBP"},
    {"spend_id": "s2", "spent_on": date(2026, 1, 5), "channel": "ads", "amount_minor": 60000, "currency": "GBP"},
    {"spend_id": "s3", "spent_on": date(2026, 1, 25), "channel": "events", "amount_minor": 10000, "currency": "USD"},
]
# ARPA at the end of D: (x3 3000 + x4 3000 + x5 2000 + x6 4000) / 4 = 3000.
# Churn: mean monthly_churn_rate of 2025-08..2026-01 = (0 + 0 + 0 + 1/3 + 0 + 0) / 6 = 1/18.
# LTV = 3000 × 1 / (1/18) = 54000.
# CAC (January): spend 60000 + $100 × 0.79 = 67900 pence / 2 new customers (x5, x6) = 33950.
# Payback = 33950 / 3000 = 679/60 months; LTV:CAC = 54000 / 33950 = 1080/679.


@pytest.fixture
def loaded(northstar: Northstar) -> Northstar:
    northstar.write({"subscription_history": SUBSCRIPTIONS, "marketing_spend": SPEND}, source="test")
    return northstar


def test_ltv_cac_payback(loaded: Northstar) -> None:
    service = MetricsService(loaded.store, loaded.settings)
    assert service.compute("arpa", D).value == 3000
    assert service.compute("clv", D).value == 54000
    assert service.compute("cac", D, "31d").value == 33950
    assert service.compute("payback_period_months", D, "31d").value == Decimal(679) / Decimal(60)
    assert service.compute("clv_cac_ratio", D, "31d").value == Decimal(1080) / Decimal(679)


def test_gross_margin(loaded: Northstar, make_settings: Callable[..., Settings]) -> None:
    service = MetricsService(loaded.store, make_settings(revenue=RevenuePolicies(gross_margin=Decimal("0.8"))))
    # LTV = 3000 × 0.8 × 18 = 43200; payback = 33950 / 2400 = 679/48; LTV:CAC = 43200 / 33950 = 864/679.
    assert service.compute("clv", D).value == 43200
    assert service.compute("payback_period_months", D, "31d").value == Decimal(679) / Decimal(48)
    assert service.compute("clv_cac_ratio", D, "31d").value == Decimal(864) / Decimal(679)


def test_undefined_cases(loaded: Northstar) -> None:
    service = MetricsService(loaded.store, loaded.settings)
    # 01-25..01-31: no new customer → CAC, payback and LTV:CAC undefined, not 0.
    for name in ("cac", "payback_period_months", "clv_cac_ratio"):
        result = service.compute(name, D, "7d")
        assert (result.value, result.reason) == (None, "undefined: no new paying customers in the window")
    # 01-10..01-24: x5 and x6 are new but nothing was spent: CAC 0, payback 0, LTV:CAC undefined.
    assert service.compute("cac", date(2026, 1, 24), "15d").value == 0
    assert service.compute("payback_period_months", date(2026, 1, 24), "15d").value == 0
    ratio = service.compute("clv_cac_ratio", date(2026, 1, 24), "15d")
    assert (ratio.value, ratio.reason) == (None, "undefined: no sales and marketing spend in the window")
    # 2025-12..2026-05 (D = 2026-05-31): nobody churned → LTV undefined.
    clv = service.compute("clv", date(2026, 5, 31))
    assert clv.value is None and clv.reason is not None and clv.reason.startswith("undefined: no customer churned")
    # 2024-12..2025-05 (D = 2025-05-31): nobody paid at the start of January 2025 (the latest such month,
    # named in the reason) or December 2024 → churn undefined.
    early = service.compute("clv", date(2025, 5, 31))
    assert (early.value, early.reason) == (None, "undefined: no paying customers at the start of 2025-01")


def test_cac_without_spend_is_no_data(northstar: Northstar) -> None:
    northstar.write({"subscription_history": SUBSCRIPTIONS}, source="test")
    result = MetricsService(northstar.store, northstar.settings).compute("cac", D, "31d")
    assert result.value is None and result.reason is not None and result.reason.startswith("no_data:")
