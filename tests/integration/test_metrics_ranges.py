"""Range computations (``Metric.compute_days``) give exactly the per-day values, on both backends,
on a readable fixture in Europe/Berlin across the 2026 switch to summer time (29 March), with
events and signups just around local midnight (issue 3 § 6)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from northstar.app import Northstar
from northstar.config import Settings
from northstar.metrics.ranges import day_of, interval_counts, number_of, offsets
from northstar.metrics.service import MetricsService
from tests.ranged import per_day, ranged

FIRST, LAST = date(2026, 3, 20), date(2026, 4, 2)
DAYS = [FIRST + timedelta(days=offset) for offset in range((LAST - FIRST).days + 1)]


def _user(user_id: str, user_type: str, created: datetime, deleted: datetime | None = None) -> dict[str, object]:
    return {"user_id": user_id, "user_type": user_type, "created_at": created, "first_seen_at": created,
            "deleted_at": deleted}


def _page(message_id: str, user_id: str | None, at: datetime, anonymous_id: str | None = None,
          kind: str = "page", session: str | None = None, device: str | None = None,
          **extra: object) -> dict[str, object]:
    return {"message_id": message_id, "type": kind, "user_id": user_id, "anonymous_id": anonymous_id,
            "timestamp": at, "received_at": at, "session_id": session, "device_type": device, **extra}


def _order(message_id: str, user_id: str, at: datetime, minor: int, currency: str | None) -> dict[str, object]:
    return _page(message_id, user_id, at, kind="track", event="Order Completed", revenue_minor=minor,
                 currency=currency)


def _sample(sample_id: str, kind: str, at: datetime, duration: float | None, ok: bool | None) -> dict[str, object]:
    return {"sample_id": sample_id, "kind": kind, "recorded_at": at, "duration_ms": duration, "ok": ok}


def _state(change: str, subscription: str, customer: str, status: str, amount: int, months: int,
           effective: datetime, period_end: datetime | None = None) -> dict[str, object]:
    return {"change_id": change, "subscription_id": subscription, "customer_id": customer, "plan": "pro",
            "status": status, "amount_minor": amount, "currency": "GBP", "interval_months": months,
            "effective_at": effective, "period_end": period_end, "recorded_at": effective}


@pytest.fixture
def berlin(database: str, make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    """Instants are UTC; Berlin is UTC+1 until 29 March 2026 02:00, then UTC+2."""
    northstar = Northstar(make_settings(database=database, reporting_timezone="Europe/Berlin"))
    northstar.write({
        "users": [
            _user("s1", "supplier", datetime(2026, 3, 20, 10)),
            _user("s2", "supplier", datetime(2026, 3, 25, 23, 30)),             # 26 March 00:30 local
            _user("c1", "couple", datetime(2026, 3, 22, 12), deleted=datetime(2026, 3, 30, 22, 30)),  # 31st 00:30
        ],
        "events": [
            _page("e1", "s1", datetime(2026, 3, 21, 9)),
            _page("e2", "s1", datetime(2026, 3, 27, 22, 30)),                   # 27 March 23:30 local
            _page("e3", "s1", datetime(2026, 3, 29, 22, 30)),                   # 30 March 00:30 local
            _page("e4", "s2", datetime(2026, 3, 26, 8), device="mobile"),
            _page("e5", "c1", datetime(2026, 3, 22, 13), session="x1"),
            _page("e9", "s1", datetime(2026, 3, 27, 22, 50)),                   # one session with e2 and e10,
            _page("e10", "s1", datetime(2026, 3, 27, 23, 10), device="tablet"),  # across local midnight
            _page("e11", "c1", datetime(2026, 3, 23, 9), session="x1"),         # an explicit session of 2 days
            _order("r1", "s1", datetime(2026, 3, 27, 22, 40), 1000, "GBP"),      # 27 March 23:40 local
            _order("r2", "s2", datetime(2026, 3, 26, 9), 250, None),            # the reporting currency
            _order("r3", "s1", datetime(2026, 3, 30, 0), 99, "GBP"),             # 30 March 02:00 local
            _page("e6", "c1", datetime(2026, 3, 31, 10)),                       # after c1's deletion
            _page("e7", None, datetime(2026, 3, 28, 12), anonymous_id="anon1"),
            _page("e8", "c1", datetime(2026, 3, 25, 9), kind="identify"),        # not an activity
        ],
        "performance_samples": [
            _sample("p1", "page_load", datetime(2026, 3, 27, 22, 59), 1200.5, None),  # 27 March 23:59 local
            _sample("p2", "page_load", datetime(2026, 3, 27, 23, 1), 800.25, True),   # 28 March 00:01 local
            _sample("p3", "page_load", datetime(2026, 3, 30, 12), None, True),
            _sample("p4", "api_request", datetime(2026, 3, 21, 12), 120.0, False),
            _sample("p5", "api_request", datetime(2026, 3, 29, 12), 80.0, True),
            _sample("p6", "uptime_check", datetime(2026, 3, 25, 12), None, False),
            _sample("p7", "uptime_check", datetime(2026, 3, 26, 12), None, None),
        ],
        "subscription_history": [
            _state("a1", "sub1", "s1", "trialing", 0, 1, datetime(2026, 3, 20, 10)),
            _state("a2", "sub1", "s1", "active", 3000, 1, datetime(2026, 3, 22, 22, 30)),  # 22 March 23:30 local
            _state("a3", "sub1", "s1", "canceled", 3000, 1, datetime(2026, 3, 28, 9),
                   period_end=datetime(2026, 3, 31, 22, 30)),                               # 1 April 00:30 local
            _state("b1", "sub2", "s2", "active", 12000, 12, datetime(2026, 3, 26, 8)),
            _state("b2", "sub2", "s2", "past_due", 12000, 12, datetime(2026, 3, 30, 8)),
            _state("b3", "sub2", "s2", "canceled", 12000, 12, datetime(2026, 4, 1, 21, 59),
                   period_end=datetime(2026, 4, 2, 21, 59)),                                # 2 April 23:59 local
        ],
    }, source="test")
    yield northstar
    northstar.close()


RANGED = ("mrr", "arr", "mrr_growth_rate", "paying_customers", "paid_users", "arpa", "dau", "wau", "mau",
          "stickiness", "dau_rate", "wau_rate", "supplier_dau_rate", "supplier_wau_rate", "couple_wau_rate",
          "avg_page_load_time_ms", "avg_api_response_time_ms", "uptime_percentage", "error_rate", "total_users",
          "total_suppliers", "total_couples", "active_suppliers", "active_couples")


def test_every_range_computation_equals_the_per_day_one(berlin: Northstar) -> None:
    service = MetricsService(berlin.store, berlin.settings)
    with_ranges = {entry.spec.name for entry in service.registry if entry.compute_days is not None}
    assert set(RANGED) <= with_ranges
    for name in sorted(with_ranges):
        for length in (1, 7, 30) if service.registry.spec(name).grain == "timeframe" else (30,):
            assert ranged(berlin, name, DAYS, length) == per_day(berlin, name, DAYS, length), (name, length)


def test_range_values_by_hand(berlin: Northstar) -> None:
    def values(name: str) -> list[object]:
        return [measured.value for measured in ranged(berlin, name, DAYS, 30).values()]

    #                                20 21 22 23 24 25 26 27 28 29 30 31  1  2
    assert values("dau") ==         [0, 1, 1, 1, 0, 0, 1, 1, 2, 0, 1, 1, 0, 0]
    assert values("total_users") == [1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 2, 2, 2]
    assert values("wau")[8] == 4                     # 22–28 March: c1, s2, s1, anon1
    # sub1 pays 3000 from 22 March to its period end (1 April 00:30); sub2 1000 a month until 2 April 23:59.
    assert values("mrr") == [0, 0, 3000, 3000, 3000, 3000, 4000, 4000, 4000, 4000, 4000, 4000, 1000, 0]
    assert values("paying_customers") == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0]
    loads = ranged(berlin, "avg_page_load_time_ms", DAYS, 1)
    assert loads[date(2026, 3, 27)].value == Decimal("1200.5") and loads[date(2026, 3, 28)].value == Decimal("800.25")
    assert values("active_suppliers")[-1] == 2
    rates = ranged(berlin, "supplier_dau_rate", DAYS, 30)
    assert rates[date(2026, 3, 30)].value == Decimal("0.5")       # s1 of s1, s2
    assert rates[date(2026, 3, 25)].value == 0
    couples = ranged(berlin, "couple_wau_rate", DAYS, 30)
    assert couples[date(2026, 3, 28)].value == 1
    assert couples[date(2026, 3, 31)].value is None                # c1 deleted: no couple registered
    assert couples[date(2026, 3, 31)].reason == "undefined: no registered couple users at the end of D"


def test_revenue_over_many_windows_equals_one_window_at_a_time(berlin: Northstar) -> None:
    service = MetricsService(berlin.store, berlin.settings)
    assert service.registry.get("revenue").compute_windows is not None
    for grain, expected in (("week", [0, 1250, 99]), ("month", [1349, 0])):
        points = service.series("revenue", FIRST, LAST, grain=grain).lines[0].points
        fresh = MetricsService(berlin.store, berlin.settings)
        spec = fresh.registry.spec("revenue")
        assert [point.value for point in points] == [fresh.measure(spec, point.last, point.window, {}).value
                                                     for point in points] == expected


def test_filters_fall_back_to_per_day(berlin: Northstar) -> None:
    service = MetricsService(berlin.store, berlin.settings)
    spec = service.registry.spec("dau")
    found = service.measure_days(spec, DAYS, 1, {"user_type": "supplier"}, snapshot=False)
    assert [found[day].value for day in DAYS] == [0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0]


def test_daily_series_use_the_range_and_match(berlin: Northstar) -> None:
    service = MetricsService(berlin.store, berlin.settings)
    series = service.series("wau", FIRST, LAST, grain="day")
    assert [point.value for point in series.lines[0].points] == [
        per_day(berlin, "wau", DAYS, 1)[day].value for day in DAYS]


def test_offsets_follow_daylight_saving() -> None:
    from zoneinfo import ZoneInfo

    found = offsets(date(2026, 3, 28), date(2026, 3, 30), ZoneInfo("Europe/Berlin"))
    assert found == [(datetime(2026, 3, 27, 23), 3600), (datetime(2026, 3, 29, 1), 7200)]
    assert day_of(number_of(date(2026, 3, 29))) == date(2026, 3, 29)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 20), st.one_of(st.none(), st.integers(0, 25))),
                max_size=8))
def test_interval_counts_match_counting_each_day(rows: list[tuple[str, int, int | None]]) -> None:
    days = [date(1970, 1, 1) + timedelta(days=offset) for offset in range(0, 24, 3)]
    found = interval_counts([(key, lo, hi, 1) for key, lo, hi in rows], days)
    for key in {key for key, *_ in rows}:
        for day in days:
            expected = sum(1 for other, lo, hi in rows
                           if other == key and lo <= number_of(day) and (hi is None or number_of(day) < hi))
            assert found.get((key, day), 0) == expected
