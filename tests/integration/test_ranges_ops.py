"""Range computations (``Metric.compute_days``) of the support, coordination, p95 and signup
metrics give exactly the per-day values, on both backends, on a readable fixture in Europe/Berlin
across the 2026 switch to summer time (29 March), with tickets, answers, collaborations, samples
and signups just around local midnight; plus values worked out by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.results import exact
from northstar.metrics.service import MetricsService
from tests.ranged import per_day, ranged

FIRST, LAST = date(2026, 3, 20), date(2026, 4, 2)
DAYS = [FIRST + timedelta(days=offset) for offset in range((LAST - FIRST).days + 1)]
OPS = ("avg_first_response_minutes", "avg_resolution_hours", "csat_score", "nps_score", "weddings_coordinated",
       "active_vendor_pairs", "vendors_collaborating", "avg_coordination_hours", "p95_api_response_time_ms",
       "p95_page_load_time_ms", "new_signups")
# Instants are UTC; Berlin is UTC+1 until 29 March 2026 02:00, then UTC+2.


def _user(user_id: str, user_type: str, created: datetime | None, deleted: datetime | None = None,
          first_seen: datetime | None = None) -> dict[str, object]:
    return {"user_id": user_id, "user_type": user_type, "created_at": created,
            "first_seen_at": first_seen or created, "deleted_at": deleted}


USERS = [
    _user("s1", "supplier", datetime(2026, 3, 20, 10)),
    _user("s2", "supplier", datetime(2026, 3, 25, 23, 30)),                                   # 26 March 00:30 local
    _user("c1", "couple", datetime(2026, 3, 22, 12), deleted=datetime(2026, 3, 30, 22, 30)),  # deleted 31st 00:30
    _user("s3", "supplier", datetime(2026, 3, 28, 22, 59)),                                   # 28 March 23:59 local
    _user("s4", "supplier", datetime(2026, 3, 29, 21, 59)),                                   # 29 March 23:59 local
    _user("c2", "couple", datetime(2026, 3, 29, 22)),                                         # 30 March 00:00 local
    _user("s5", "supplier", None, first_seen=datetime(2026, 4, 1, 12)),                       # signup: first seen
]


def _ticket(ticket: str, user: str, opened: datetime, response: datetime | None = None,
            resolved: datetime | None = None) -> dict[str, object]:
    return {"ticket_id": ticket, "user_id": user, "opened_at": opened, "first_response_at": response,
            "resolved_at": resolved}


TICKETS = [
    # Opened 27 March 23:59:59.5 local, answered 28 March 00:00:00.25 (0.75 s), resolved 30 March 00:30.
    _ticket("t1", "s1", datetime(2026, 3, 27, 22, 59, 59, 500000), datetime(2026, 3, 27, 23, 0, 0, 250000),
            datetime(2026, 3, 29, 22, 30)),
    _ticket("t2", "c1", datetime(2026, 3, 28, 9), datetime(2026, 3, 28, 9, 10, 0, 1)),  # 600.000001 s, open
    _ticket("t3", "s2", datetime(2026, 3, 30, 8)),                                      # never answered
    _ticket("t4", "s1", datetime(2026, 3, 21, 12), datetime(2026, 3, 21, 12, 30), datetime(2026, 3, 23, 12)),
    _ticket("t5", "s2", datetime(2026, 3, 15), datetime(2026, 3, 16), datetime(2026, 3, 25)),  # before the days
    # Opened 2 April 23:30 local, answered 3 April 00:30: after the last day.
    _ticket("t6", "s1", datetime(2026, 4, 2, 21, 30), datetime(2026, 4, 2, 22, 30)),
]


def _answer(response: str, survey: str, score: int, at: datetime, user: str = "s1") -> dict[str, object]:
    return {"response_id": response, "survey": survey, "user_id": user, "score": score, "responded_at": at}


ANSWERS = [
    _answer("r1", "csat", 5, datetime(2026, 3, 27, 22, 59)),        # 27 March 23:59 local
    _answer("r2", "csat", 3, datetime(2026, 3, 27, 23), "c1"),      # 28 March 00:00 local
    _answer("r3", "csat", 4, datetime(2026, 3, 29, 22)),            # 30 March 00:00 local (summer time)
    _answer("r4", "csat", 7, datetime(2026, 3, 28, 12)),            # outside 1–5: ignored
    _answer("r5", "csat", 2, datetime(2026, 3, 21, 10)),
    _answer("n1", "nps", 10, datetime(2026, 3, 27, 23, 30)),        # 28 March 00:30 local
    _answer("n2", "nps", 9, datetime(2026, 3, 28, 10), "c1"),
    _answer("n3", "nps", 8, datetime(2026, 3, 28, 11)),
    _answer("n4", "nps", 6, datetime(2026, 3, 29, 21, 59)),         # 29 March 23:59 local
    _answer("n5", "nps", 0, datetime(2026, 3, 22, 12)),
    _answer("n6", "nps", 3, datetime(2026, 4, 1, 12)),
]


def _collaboration(collaboration: str, client: str, vendor: str, partner: str, partner_type: str | None,
                   started: datetime, last: datetime | None) -> dict[str, object]:
    return {"collaboration_id": collaboration, "client_id": client, "vendor_id": vendor, "partner_id": partner,
            "partner_type": partner_type, "started_at": started, "last_activity_at": last}


COLLABORATIONS = [
    # 48 h less 1 µs, 21–23 March.
    _collaboration("k1", "w1", "s1", "s2", "supplier", datetime(2026, 3, 21, 10, 0, 0, 1), datetime(2026, 3, 23, 10)),
    # The same pair the other way round (s1's type from users): 27 March 23:30 local to 28 March 01:30, 2 h.
    _collaboration("k2", "w1", "s2", "s1", None, datetime(2026, 3, 27, 22, 30), datetime(2026, 3, 28, 0, 30)),
    # A couple partner, started before the days, last active 21 March 23:59 local.
    _collaboration("k3", "w2", "s3", "c1", "couple", datetime(2026, 3, 10), datetime(2026, 3, 21, 22, 59)),
    # Started 29 March 23:30 local (summer time), last active after the days: capped at each day's end.
    _collaboration("k4", "w3", "s1", "s3", "supplier", datetime(2026, 3, 29, 21, 30), datetime(2026, 4, 5)),
    _collaboration("k5", "w4", "s4", "x9", None, datetime(2026, 3, 30, 8), None),       # unknown partner, 0 h
    _collaboration("k6", "w5", "s2", "s2", "supplier", datetime(2026, 3, 25, 12), datetime(2026, 3, 25, 13)),  # self
    # Started 2 April 23:59 local, last active 3 April 00:30.
    _collaboration("k7", "w6", "s1", "s4", "supplier", datetime(2026, 4, 2, 21, 59), datetime(2026, 4, 2, 22, 30)),
]


def _sample(sample_id: str, kind: str, at: datetime, duration: float | None) -> dict[str, object]:
    return {"sample_id": sample_id, "kind": kind, "recorded_at": at, "duration_ms": duration, "ok": True}


SAMPLES = [
    _sample("a1", "api_request", datetime(2026, 3, 27, 22, 59, 59), 100.0),   # 27 March 23:59:59 local
    _sample("a2", "api_request", datetime(2026, 3, 27, 23), 200.0),           # 28 March 00:00 local
    _sample("a3", "api_request", datetime(2026, 3, 28, 12), 300.0),
    _sample("a4", "api_request", datetime(2026, 3, 28, 13), 300.0),           # a tie
    _sample("a5", "api_request", datetime(2026, 3, 29, 21, 59), 50.5),        # 29 March 23:59 local
    _sample("a6", "api_request", datetime(2026, 3, 29, 22), 999.25),          # 30 March 00:00 local
    _sample("a7", "api_request", datetime(2026, 3, 29, 23), None),            # no duration
    _sample("a8", "api_request", datetime(2026, 3, 21, 12), 120.0),
    *(_sample(f"b{ms}", "api_request", datetime(2026, 3, 25, 1) + timedelta(minutes=7 * ms), float(21 - ms))
      for ms in range(1, 21)),                                                # 1..20 ms on 25 March, out of order
    _sample("p1", "page_load", datetime(2026, 3, 27, 22, 59), 1200.5),        # 27 March 23:59 local
    _sample("p2", "page_load", datetime(2026, 3, 27, 23, 1), 800.25),         # 28 March 00:01 local
    _sample("p3", "page_load", datetime(2026, 3, 30, 12), None),
]


@pytest.fixture
def berlin(database: str, make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    northstar = Northstar(make_settings(database=database, reporting_timezone="Europe/Berlin"))
    northstar.write({"users": USERS, "support_tickets": TICKETS, "survey_responses": ANSWERS,
                     "collaborations": COLLABORATIONS, "performance_samples": SAMPLES}, source="test")
    yield northstar
    northstar.close()


def test_range_computations_equal_the_per_day_ones(berlin: Northstar) -> None:
    service = MetricsService(berlin.store, berlin.settings)
    for name in OPS:
        assert service.registry.get(name).compute_days is not None, name
        assert service.registry.spec(name).grain == "timeframe", name
        for length in (1, 7, 30):
            assert ranged(berlin, name, DAYS, length) == per_day(berlin, name, DAYS, length, {}), (name, length)


def test_range_computations_leave_no_day_to_its_own_query(berlin: Northstar) -> None:
    # The memo behind the context is asked only for results shared by the whole range (keyed on
    # the days and the window length), never for one day's part: the prefetches know them all.
    service = MetricsService(berlin.store, berlin.settings)
    asked: list[tuple[object, ...]] = []

    def memo(key: tuple[object, ...], compute: Callable[[], object]) -> object:
        asked.append(key)
        return compute()

    for name in OPS:
        for length in (1, 30):
            asked.clear()
            context = MetricContext(berlin.store.reader(), berlin.settings, FIRST, Window.ending_on(FIRST, length),
                                    memo=memo)
            compute_days = service.registry.get(name).compute_days
            assert compute_days is not None
            compute_days(context, DAYS)
            assert all(key[1:] == (tuple(DAYS), length) for key in asked), (name, length, asked)


def test_a_range_without_any_rows_equals_the_per_day_computation(berlin: Northstar) -> None:
    quiet = [date(2026, 1, 10), date(2026, 1, 11), date(2026, 1, 13)]
    for name in OPS:
        ranged, per_day = (MetricsService(berlin.store, berlin.settings) for _ in range(2))  # no shared cache
        spec = ranged.registry.spec(name)
        assert ranged.measure_days(spec, quiet, 7, {}, snapshot=False) == {
            day: per_day.measure(spec, day, Window.ending_on(day, 7), {}, snapshot=False) for day in quiet}, name


def test_with_filters_a_range_equals_the_per_day_computation(berlin: Northstar) -> None:
    suppliers = {"user_type": "supplier"}
    for name in ("avg_first_response_minutes", "csat_score", "nps_score", "new_signups"):
        assert ranged(berlin, name, DAYS, 7, suppliers) == per_day(berlin, name, DAYS, 7, suppliers), name


def _values(northstar: Northstar, name: str, length: int) -> list[object]:
    return [measured.value for measured in ranged(northstar, name, DAYS, length).values()]


def test_support_values_by_hand(berlin: Northstar) -> None:
    response = ranged(berlin, "avg_first_response_minutes", DAYS, 1)
    # t1 is opened on 27 March and answered on the 28th: not yet answered on the 27th.
    assert response[date(2026, 3, 27)].reason == (
        "undefined: no ticket opened in the window has been answered yet (1 opened)")
    assert response[date(2026, 3, 26)].reason == "undefined: no tickets opened in the window"
    # 22–28 March: t1 0.75 s and t2 600.000001 s, exactly, in minutes.
    week = ranged(berlin, "avg_first_response_minutes", DAYS, 7)[date(2026, 3, 28)]
    assert week.value == exact(Fraction(600_750_001, 1_000_000) / (60 * 2))
    resolution = ranged(berlin, "avg_resolution_hours", DAYS, 7)
    assert resolution[date(2026, 3, 29)].reason == (
        "undefined: no ticket opened in the window has been resolved yet (2 opened)")
    assert resolution[date(2026, 3, 30)].value == exact(Fraction(1_710_005, 10 * 3600))  # t1: 47 h 30 min 0.5 s
    #                                   20    21 22 23 24 25 26 27 28 29 30 31 1 2
    assert _values(berlin, "csat_score", 1) == [None, 2, None, None, None, None, None, 5, 3, None, 4, None, None,
                                                None]
    assert ranged(berlin, "csat_score", DAYS, 7)[date(2026, 3, 30)].value == 4          # 5, 3, 4
    assert ranged(berlin, "csat_score", DAYS, 30)[LAST].value == Decimal("3.5")          # 2, 5, 3, 4
    nps = ranged(berlin, "nps_score", DAYS, 1)
    assert nps[date(2026, 3, 28)].value == 67                                       # 10, 9, 8: 200 / 3
    assert nps[date(2026, 3, 20)].reason == "undefined: no NPS answers in the window"
    assert ranged(berlin, "nps_score", DAYS, 7)[date(2026, 3, 28)].value == 25           # 0, 10, 9, 8
    assert ranged(berlin, "nps_score", DAYS, 7)[date(2026, 3, 29)].value == 25           # 10, 9, 8, 6
    month = ranged(berlin, "nps_score", DAYS, 30)
    assert month[date(2026, 3, 29)].value == 0                                      # 0, 10, 9, 8, 6
    assert month[LAST].value == -17                                                 # and 3: −100 / 6


def test_coordination_values_by_hand(berlin: Northstar) -> None:
    #                                                  20 21 22 23 24 25 26 27 28 29 30 31 1  2
    assert _values(berlin, "weddings_coordinated", 1) == [1, 2, 1, 1, 0, 1, 0, 1, 1, 1, 2, 1, 1, 2]
    assert _values(berlin, "vendors_collaborating", 1) == [1, 3, 2, 2, 0, 1, 0, 2, 2, 2, 3, 2, 2, 3]
    # {s1, s2} (k1, then k2 the other way round) from 21 March; {s1, s3} from the 29th; {s1, s4} on 2 April.
    assert _values(berlin, "active_vendor_pairs", 7) == [0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3]
    hours = ranged(berlin, "avg_coordination_hours", DAYS, 1)
    assert hours[date(2026, 3, 27)].value == Decimal("0.5")          # k2 capped at the end of the 27th
    assert hours[date(2026, 3, 28)].reason == "undefined: no collaboration started in the window"
    assert hours[date(2026, 3, 29)].value == Decimal("0.5")          # k4 capped at the end of the 29th (summer time)
    assert hours[LAST].value == exact(Fraction(1, 60))               # k7: one minute before the end of 2 April
    week = ranged(berlin, "avg_coordination_hours", DAYS, 7)
    micros_per_hour = 3600 * 10**6
    # k1 from 21 March 11:00:00.000001 local: capped at the end of the 21st (midnight local), then 48 h less 1 µs.
    assert week[date(2026, 3, 21)].value == exact(Fraction(13 * micros_per_hour - 1, micros_per_hour))
    assert week[date(2026, 3, 23)].value == exact(Fraction(48 * micros_per_hour - 1, micros_per_hour))
    assert week[date(2026, 3, 28)].value == Decimal("1.5")           # k6 1 h, k2 2 h
    assert week[date(2026, 3, 30)].value == Decimal("6.875")         # k6 1, k2 2, k4 24.5, k5 0


def test_p95_and_signup_values_by_hand(berlin: Northstar) -> None:
    api = ranged(berlin, "p95_api_response_time_ms", DAYS, 1)
    assert api[date(2026, 3, 27)].value == 100
    assert api[date(2026, 3, 28)].value == 300                       # 200, 300, 300: rank 3
    assert api[date(2026, 3, 25)].value == 19                        # 1..20: rank 19
    assert api[date(2026, 3, 30)].value == Decimal("999.25")         # a7 has no duration
    assert api[date(2026, 3, 31)].reason == "undefined: no api_request samples in the window"
    assert ranged(berlin, "p95_api_response_time_ms", DAYS, 7)[date(2026, 3, 25)].value == 20  # 1..20 and 120: rank 20
    loads = ranged(berlin, "p95_page_load_time_ms", DAYS, 1)
    assert (loads[date(2026, 3, 27)].value, loads[date(2026, 3, 28)].value) == (Decimal("1200.5"), Decimal("800.25"))
    #                                          20 21 22 23 24 25 26 27 28 29 30 31 1  2
    assert _values(berlin, "new_signups", 1) == [1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0]
    # c1 (signed up 22 March) is deleted on 31 March 00:30 local: no longer counted from the 31st.
    assert _values(berlin, "new_signups", 30) == [1, 1, 2, 2, 2, 2, 3, 3, 4, 5, 6, 5, 6, 6]
