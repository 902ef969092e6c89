"""Revenue metrics on both backends, against values worked out by hand (METRICS.md § Revenue)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from northstar.app import Northstar
from northstar.config import RevenuePolicies, Settings
from northstar.metrics.service import MetricsService

D = date(2026, 3, 15)  # reporting day (UTC); its end is 2026-03-16 00:00


def _state(sub: str, customer: str, status: str, amount: int, at: datetime, *, interval: int = 1,
           currency: str = "GBP", period_end: datetime | None = None) -> dict[str, object]:
    return {
        "change_id": f"{sub}@{at.isoformat()}", "subscription_id": sub, "customer_id": customer, "plan": "pro",
        "status": status, "amount_minor": amount, "currency": currency, "interval_months": interval,
        "effective_at": at, "period_end": period_end, "recorded_at": at,
    }


SUBSCRIPTIONS = [
    _state("monthly", "c1", "active", 4900, datetime(2026, 1, 10)),                    # £49/month
    _state("annual", "c2", "active", 49000, datetime(2026, 2, 1), interval=12),        # £490/year
    _state("trial", "c3", "trialing", 4900, datetime(2026, 3, 10)),                    # trial: 0
    _state("late", "c4", "active", 2900, datetime(2026, 1, 5)),
    _state("late", "c4", "past_due", 2900, datetime(2026, 3, 1)),                      # past_due: counted
    _state("leaving", "c5", "active", 1900, datetime(2026, 1, 20)),
    _state("leaving", "c5", "canceled", 1900, datetime(2026, 3, 12),
           period_end=datetime(2026, 3, 20)),                                           # paid until after D
    _state("gone", "c6", "active", 1900, datetime(2026, 1, 1)),
    _state("gone", "c6", "canceled", 1900, datetime(2026, 3, 5), period_end=datetime(2026, 3, 10)),  # ended
    _state("dollars", "c7", "active", 10000, datetime(2026, 2, 15, 9), currency="USD"),  # $100 × 0.79
    _state("free", "c8", "active", 0, datetime(2026, 1, 1)),                           # free plan: 0
    _state("future", "c9", "active", 9900, datetime(2026, 3, 16)),                     # starts after D
]
# MRR at the end of D, in pence: 4900 + 49000/12 + 2900 + 1900 + 100 × 0.79 × 100
#   = 17600 + 49000/12 = (211200 + 49000)/12 = 260200/12 = 21683.333…
MRR_D = Decimal(260200) / Decimal(12)
# At the end of 2026-02-15 (D minus one month): "gone" still active, "trial" absent, "dollars" started at 09:00:
#   4900 + 49000/12 + 2900 + 1900 + 1900 + 7900 = 19500 + 49000/12 = 283000/12
MRR_MONTH_BEFORE = Decimal(283000) / Decimal(12)


def _service(northstar: Northstar, settings: Settings | None = None) -> MetricsService:
    northstar.write({"subscription_history": SUBSCRIPTIONS}, source="test")
    return MetricsService(northstar.store, settings or northstar.settings)


def test_mrr_counts_paying_subscriptions_exactly(northstar: Northstar) -> None:
    service = _service(northstar)
    result = service.compute("mrr", D, "30d")
    assert result.value == MRR_D
    assert result.money is not None
    assert (result.money.minor, result.money.currency, result.money.display) == (21683, "GBP", "£216.83")
    # The previous 30-day period ends 2026-02-13: monthly, annual, late, leaving, gone (no dollars yet):
    #   4900 + 49000/12 + 2900 + 1900 + 1900 = 11600 + 49000/12 = 188200/12
    assert result.previous == Decimal(188200) / Decimal(12)
    # Target £50,000 (green ≥ 5,000,000 p, yellow ≥ 3,000,000 p): far below → red.
    assert (result.target, result.zone) == (Decimal(5_000_000), "red")


def test_arr_paying_customers_arpa_and_growth(northstar: Northstar) -> None:
    service = _service(northstar)
    assert service.compute("arr", D).value == Decimal(260200)  # 260200/12 × 12
    assert service.compute("arr", D).display == "£2,602.00"
    # Paying at the end of D: c1, c2, c4, c5, c7 (trial, free, ended and future ones are not).
    assert service.compute("paying_customers", D).value == 5
    assert service.compute("paid_users", D).value == 5
    assert service.compute("arpa", D).value == Decimal(260200) / Decimal(12 * 5)  # 4336.666… pence
    assert service.compute("mrr", date(2026, 2, 15)).value == MRR_MONTH_BEFORE
    # (260200/12 − 283000/12) / (283000/12) = −22800/283000
    assert service.compute("mrr_growth_rate", D).value == Decimal(-22800) / Decimal(283000)


def test_cancellation_and_past_due_policies(northstar: Northstar, make_settings: Callable[..., Settings]) -> None:
    immediately = make_settings(revenue=RevenuePolicies(cancellation="immediately"))
    service = _service(northstar, immediately)
    # "leaving" (£19) stops when canceled on 03-12: 260200/12 − 1900 = 237400/12
    assert service.compute("mrr", D).value == Decimal(237400) / Decimal(12)
    churn_after = make_settings(revenue=RevenuePolicies(past_due="churn_after_days",
                                                                            past_due_days=10))
    service = MetricsService(northstar.store, churn_after)
    # "late" has been past due since 03-01, 15 days > 10 at the end of D: 260200/12 − 2900 = 225400/12
    assert service.compute("mrr", D).value == Decimal(225400) / Decimal(12)
    # At the end of 03-10 "late" is past due since 03-01 00:00, exactly 10 days: still counted; "gone" ended
    # at 03-10 00:00 (its period_end), so 4900 + 49000/12 + 2900 + 1900 + 7900 = 17600 + 49000/12 again.
    assert service.compute("mrr", date(2026, 3, 10)).value == MRR_D


def test_a_currency_without_rate_is_undefined_not_zero(northstar: Northstar) -> None:
    northstar.write({"subscription_history": [_state("yen", "c1", "active", 5000, datetime(2026, 3, 1),
                                                     currency="JPY")]}, source="test")
    result = MetricsService(northstar.store, northstar.settings).compute("mrr", D)
    assert result.value is None
    assert result.reason is not None and "JPY" in result.reason and result.reason.startswith("undefined:")


def test_fx_honours_minor_unit_exponents(northstar: Northstar, make_settings: Callable[..., Settings]) -> None:
    northstar.write({"subscription_history": [_state("yen", "c1", "active", 5000, datetime(2026, 3, 1),
                                                     currency="JPY")]}, source="test")
    settings = make_settings(fx_rates={"JPY": Decimal("0.0052")})
    # ¥5,000 (JPY has no minor unit) × 0.0052 = £26.00 = 2600 pence
    assert MetricsService(northstar.store, settings).compute("mrr", D).value == Decimal(2600)


def test_no_subscriptions_is_no_data_with_a_hint(northstar: Northstar) -> None:
    result = MetricsService(northstar.store, northstar.settings).compute("mrr", D)
    assert result.value is None and result.money is None
    assert result.reason == "no_data: import subscriptions (northstar import subscriptions FILE)"


def test_trial_to_paid_conversion(northstar: Northstar) -> None:
    northstar.write({"subscription_history": [
        # t1 converts at its end (03-08).
        _state("t1", "k1", "trialing", 4900, datetime(2026, 3, 1)),
        _state("t1", "k1", "active", 4900, datetime(2026, 3, 8)),
        # t2 ends canceled (03-08) and never pays.
        _state("t2", "k2", "trialing", 4900, datetime(2026, 3, 1)),
        _state("t2", "k2", "canceled", 4900, datetime(2026, 3, 8)),
        # t3 ends canceled on 03-05; the customer subscribes again on 03-09, within the 7 grace days.
        _state("t3", "k3", "trialing", 4900, datetime(2026, 3, 1)),
        _state("t3", "k3", "canceled", 4900, datetime(2026, 3, 5)),
        _state("t3b", "k3", "active", 4900, datetime(2026, 3, 9)),
        # t4 ends on 03-12 and pays 9 days later (03-21): outside the grace days, and after D anyway.
        _state("t4", "k4", "trialing", 4900, datetime(2026, 3, 1)),
        _state("t4", "k4", "canceled", 4900, datetime(2026, 3, 12)),
        _state("t4b", "k4", "active", 4900, datetime(2026, 3, 21)),
        # t5 is still in trial: it has not ended.
        _state("t5", "k5", "trialing", 4900, datetime(2026, 3, 14)),
    ]}, source="test")
    service = MetricsService(northstar.store, northstar.settings)
    # Trials ended in the 7 days 03-09..03-15: only t4 (03-12), not converted → 0/1.
    assert service.compute("trial_to_paid_conversion", D, "7d").value == 0
    # In the 30 days 02-14..03-15: t1, t2, t3, t4 ended; t1 and t3 converted → 2/4.
    assert service.compute("trial_to_paid_conversion", D, "30d").value == Decimal("0.5")
    # Nothing ended in the 7 days ending 02-28 → undefined, not 0.
    before = service.compute("trial_to_paid_conversion", date(2026, 2, 28), "7d")
    assert (before.value, before.reason) == (None, "undefined: no trial ended in the window")
