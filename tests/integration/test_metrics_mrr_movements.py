"""MRR movements, quick ratio and MRR breakdowns on both backends, against values worked out by hand
(METRICS.md § Revenue, "MRR movements", "Breakdowns")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.config import RevenuePolicies, Settings
from northstar.domain.errors import InvalidInput
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.results import measured
from northstar.metrics.revenue_breakdown import mrr_breakdown
from northstar.metrics.service import MetricsService

MARCH = date(2026, 3, 31)  # with timeframe "31d" the window is the calendar month of March 2026
MOVEMENTS = ("new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "reactivation_mrr", "net_new_mrr")


def state(sub: str, customer: str, status: str, amount: int, at: datetime, *, interval: int = 1,
          currency: str = "GBP", period_end: datetime | None = None, plan: str = "pro") -> dict[str, object]:
    """One subscription_history row."""
    return {
        "change_id": f"{sub}@{at.isoformat()}", "subscription_id": sub, "customer_id": customer, "plan": plan,
        "status": status, "amount_minor": amount, "currency": currency, "interval_months": interval,
        "effective_at": at, "period_end": period_end, "recorded_at": at,
    }


SUBSCRIPTIONS = [
    # a upgrades on 03-10: expansion 8000 − 5000 = 3000.
    state("a", "a", "active", 5000, datetime(2026, 1, 5)),
    state("a", "a", "active", 8000, datetime(2026, 3, 10)),
    # b downgrades on 03-05: contraction 6000 − 4000 = 2000.
    state("b", "b", "active", 6000, datetime(2026, 1, 1), plan="basic"),
    state("b", "b", "active", 4000, datetime(2026, 3, 5), plan="basic"),
    # c pays £1,200 a year (10000/month); cancels on 03-03 but has paid until 2027-02-01: no churn in March.
    state("c", "c", "active", 120000, datetime(2026, 2, 1), interval=12, plan="annual"),
    state("c", "c", "canceled", 120000, datetime(2026, 3, 3), interval=12, period_end=datetime(2027, 2, 1),
          plan="annual"),
    # d trials from 03-01 and converts on 03-15: new 3000 on 03-15, not at the trial start.
    state("d", "d", "trialing", 3000, datetime(2026, 3, 1), plan="basic"),
    state("d", "d", "active", 3000, datetime(2026, 3, 15), plan="basic"),
    # e subscribes on the 10th and adds a seat on the 13th: new 2000 + expansion 1000.
    state("e", "e", "active", 2000, datetime(2026, 3, 10), plan="team"),
    state("e", "e", "active", 3000, datetime(2026, 3, 13), plan="team"),
    # f subscribes and churns in March: new 2500 (03-04) + churned 2500 at its period end (03-25).
    state("f", "f", "active", 2500, datetime(2026, 3, 4)),
    state("f", "f", "canceled", 2500, datetime(2026, 3, 20), period_end=datetime(2026, 3, 25)),
    # g cancels in February, paid until 03-10: churned 4000 in March.
    state("g", "g", "active", 4000, datetime(2026, 1, 10)),
    state("g", "g", "canceled", 4000, datetime(2026, 2, 20), period_end=datetime(2026, 3, 10)),
    # h left on 2026-02-01 (period end) and returns on 03-12: reactivation 3500 (39 days later).
    state("h", "h", "active", 3500, datetime(2025, 11, 1)),
    state("h", "h", "canceled", 3500, datetime(2026, 1, 15), period_end=datetime(2026, 2, 1)),
    state("h2", "h", "active", 3500, datetime(2026, 3, 12)),
    # p is past due from 03-02 and canceled with no paid period left on 03-28: churned 1500 on 03-28.
    state("p", "p", "active", 1500, datetime(2026, 1, 1)),
    state("p", "p", "past_due", 1500, datetime(2026, 3, 2)),
    state("p", "p", "canceled", 1500, datetime(2026, 3, 28)),
]
# MRR at the start of March (end of 02-28): a 5000 + b 6000 + c 10000 + g 4000 + p 1500 = 26500.
# March: new = d 3000 + e 2000 + f 2500 = 7500; expansion = a 3000 + e 1000 = 4000; contraction = b 2000;
#        churned = f 2500 + g 4000 + p 1500 = 8000; reactivation = h 3500;
#        net = 7500 + 4000 + 3500 − 2000 − 8000 = 5000.
# MRR at the end of March: a 8000 + b 4000 + c 10000 + d 3000 + e 3000 + h 3500 = 31500 = 26500 + 5000.
MARCH_DEFAULT = {"new_mrr": 7500, "expansion_mrr": 4000, "contraction_mrr": 2000, "churned_mrr": 8000,
                 "reactivation_mrr": 3500, "net_new_mrr": 5000}


def movements(service: MetricsService, day: date, timeframe: str) -> dict[str, Decimal | int | None]:
    return {name: service.compute(name, day, timeframe).value for name in MOVEMENTS}


@pytest.fixture
def loaded(northstar: Northstar) -> Northstar:
    northstar.write({"subscription_history": SUBSCRIPTIONS}, source="test")
    return northstar


def test_march_movements_and_the_mrr_identity(loaded: Northstar) -> None:
    service = MetricsService(loaded.store, loaded.settings)
    assert movements(service, MARCH, "31d") == MARCH_DEFAULT
    assert service.compute("mrr", date(2026, 2, 28)).value == 26500
    assert service.compute("mrr", MARCH).value == 31500  # 26500 + 5000
    # quick ratio = (7500 + 4000 + 3500) / (2000 + 8000) = 1.5
    assert service.compute("quick_ratio", MARCH, "31d").value == Decimal("1.5")


def test_trial_counts_when_it_converts_and_churn_when_the_period_ends(loaded: Northstar) -> None:
    service = MetricsService(loaded.store, loaded.settings)
    # 03-01..03-07: d's trial starts (0), f new 2500 (03-04), b contraction 2000 (03-05); c's cancel (03-03)
    # and g's February cancel are not movements yet.
    assert movements(service, date(2026, 3, 7), "7d") == {
        "new_mrr": 2500, "expansion_mrr": 0, "contraction_mrr": 2000, "churned_mrr": 0, "reactivation_mrr": 0,
        "net_new_mrr": 500}
    # 03-08..03-14: a +3000 and e new 2000 (03-10), e +1000 (03-13), g churned 4000 (03-10), h back 3500 (03-12).
    assert movements(service, date(2026, 3, 14), "7d") == {
        "new_mrr": 2000, "expansion_mrr": 4000, "contraction_mrr": 0, "churned_mrr": 4000,
        "reactivation_mrr": 3500, "net_new_mrr": 5500}
    # Only losses are needed for a quick ratio: 03-21..03-27 has f's churn (2500) and nothing gained → 0.
    assert service.compute("quick_ratio", date(2026, 3, 27), "7d").value == 0
    # Nothing lost in 03-08..03-09 → undefined, not infinite or 0.
    quick = service.compute("quick_ratio", date(2026, 3, 9), "2d")
    assert (quick.value, quick.reason) == (None, "undefined: no contraction or churned MRR in the window")


def test_immediate_cancellation(loaded: Northstar, make_settings: Callable[..., Settings]) -> None:
    service = MetricsService(loaded.store, make_settings(revenue=RevenuePolicies(cancellation="immediately")))
    # g's cancel (02-20) churns in February; c churns 10000 when canceled (03-03), f on 03-20, p on 03-28:
    #   churned = 10000 + 2500 + 1500 = 14000; net = 7500 + 4000 + 3500 − 2000 − 14000 = −1000.
    assert movements(service, MARCH, "31d") == {**MARCH_DEFAULT, "churned_mrr": 14000, "net_new_mrr": -1000}
    # start of March: 26500 − g 4000 = 22500; end: 31500 − c 10000 = 21500 = 22500 − 1000.
    assert service.compute("mrr", date(2026, 2, 28)).value == 22500
    assert service.compute("mrr", MARCH).value == 21500


def test_past_due_churn_after_days(loaded: Northstar, make_settings: Callable[..., Settings]) -> None:
    default = MetricsService(loaded.store, loaded.settings)
    after = MetricsService(loaded.store, make_settings(revenue=RevenuePolicies(past_due="churn_after_days",
                                                                               past_due_days=10)))
    # p is past due from 03-02: counted until canceled by default (churn on 03-28), churned on 03-12 after
    # 10 days under the Baremetrics policy: 03-08..03-14 churn is g 4000 (+ p 1500).
    assert default.compute("churned_mrr", date(2026, 3, 14), "7d").value == 4000
    assert after.compute("churned_mrr", date(2026, 3, 14), "7d").value == 5500
    assert after.compute("churned_mrr", date(2026, 3, 31), "7d").value == 2500  # 03-25..03-31: f only
    assert movements(after, MARCH, "31d") == MARCH_DEFAULT


def test_reactivation_window(loaded: Northstar, make_settings: Callable[..., Settings]) -> None:
    within = MetricsService(loaded.store, make_settings(revenue=RevenuePolicies(reactivation_window_days=40)))
    beyond = MetricsService(loaded.store, make_settings(revenue=RevenuePolicies(reactivation_window_days=30)))
    # h left on 02-01 and returned on 03-12, 39 days later: a reactivation within 40 days, new beyond 30.
    assert movements(within, MARCH, "31d") == MARCH_DEFAULT
    assert movements(beyond, MARCH, "31d") == {**MARCH_DEFAULT, "new_mrr": 11000, "reactivation_mrr": 0}


def test_movements_are_converted_and_filtered(northstar: Northstar) -> None:
    northstar.write({
        "subscription_history": [
            state("u", "u", "active", 10000, datetime(2026, 1, 1), currency="USD"),
            state("u", "u", "active", 15000, datetime(2026, 3, 20), currency="USD"),
            state("k", "k", "active", 4000, datetime(2026, 3, 2)),
        ],
        "users": [{"user_id": "u", "user_type": "supplier", "created_at": datetime(2025, 12, 1)},
                  {"user_id": "k", "user_type": "couple", "created_at": datetime(2025, 12, 1)}],
    }, source="test")
    service = MetricsService(northstar.store, northstar.settings)
    # u: $100 → $150 a month, at 0.79: expansion 5000 × 0.79 = 3950 pence; k: new 4000.
    assert service.compute("expansion_mrr", MARCH, "31d").value == 3950
    assert service.compute("net_new_mrr", MARCH, "31d").value == 7950
    assert service.compute("net_new_mrr", MARCH, "31d", {"user_type": "couple"}).value == 4000
    assert service.compute("new_mrr", MARCH, "31d", {"user_type": "supplier"}).value == 0


def test_no_subscriptions_is_no_data(northstar: Northstar) -> None:
    result = MetricsService(northstar.store, northstar.settings).compute("new_mrr", MARCH, "31d")
    assert (result.value, result.reason) == (None, "no_data: import subscriptions (northstar import subscriptions "
                                                   "FILE)")


def test_mrr_breakdowns(loaded: Northstar) -> None:
    loaded.write({"users": [
        {"user_id": "a", "user_type": "supplier", "acquisition_source": "referral", "created_at": datetime(2026, 1, 1)},
        {"user_id": "b", "user_type": "supplier", "acquisition_source": "ads", "created_at": datetime(2026, 1, 1)},
        {"user_id": "c", "user_type": "couple", "acquisition_source": "ads", "created_at": datetime(2026, 1, 1)},
        {"user_id": "e", "user_type": "couple", "acquisition_source": "organic", "created_at": datetime(2026, 1, 1)},
    ]}, source="test")
    ctx = MetricContext(loaded.store.reader(), loaded.settings, MARCH, Window.ending_on(MARCH, 31))
    # Paying at the end of March: a 8000 pro, b 4000 basic, c 10000 annual, d 3000 basic, e 3000 team, h 3500 pro.
    by_plan = mrr_breakdown(ctx, "plan")
    assert by_plan == {"pro": measured(11500), "annual": measured(10000), "basic": measured(7000),
                       "team": measured(3000)}
    assert list(by_plan) == ["pro", "annual", "basic", "team"]  # largest first
    # d and h have no users row: "unknown" (3000 + 3500).
    assert mrr_breakdown(ctx, "acquisition_source") == {
        "ads": measured(14000), "referral": measured(8000), "unknown": measured(6500), "organic": measured(3000)}
    assert mrr_breakdown(ctx, "user_type") == {
        "couple": measured(13000), "supplier": measured(12000), "unknown": measured(6500)}
    with pytest.raises(InvalidInput):
        mrr_breakdown(ctx, "favourite_colour")
