"""Metric series on both backends: periods, windows, breakdowns and errors, against values worked
out by hand from one small fixture (issue § 3)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest

from northstar.app import Northstar
from northstar.domain.errors import InvalidInput, UnknownMetric
from northstar.metrics.catalog import build_registry
from northstar.metrics.context import MetricContext
from northstar.metrics.registry import Metric, Registry
from northstar.metrics.results import Measurement, measured
from northstar.metrics.series import periods
from northstar.metrics.service import MetricsService, service_for
from northstar.store.schema import TABLES_BY_NAME

# March 2026: the 2nd is a Monday.
USERS = [
    {"user_id": "s1", "user_type": "supplier", "plan": "pro", "created_at": datetime(2026, 3, 2, 8),
     "first_seen_at": datetime(2026, 3, 2, 8)},
    {"user_id": "s2", "user_type": "supplier", "plan": "free", "created_at": datetime(2026, 3, 4, 8),
     "first_seen_at": datetime(2026, 3, 4, 8)},
    {"user_id": "c1", "user_type": "couple", "created_at": datetime(2026, 3, 10, 8),
     "first_seen_at": datetime(2026, 3, 10, 8)},
]
PAGES = [("s1", datetime(2026, 3, 2, 10)), ("s1", datetime(2026, 3, 3, 10)), ("s2", datetime(2026, 3, 4, 12)),
         ("s1", datetime(2026, 3, 10, 9)), ("s2", datetime(2026, 3, 10, 12)), ("c1", datetime(2026, 3, 10, 20))]
EVENTS = [{"message_id": f"e{index}", "type": "page", "user_id": user, "timestamp": at, "received_at": at}
          for index, (user, at) in enumerate(PAGES)]
INVITATIONS = [{"invitation_id": name, "inviter_id": inviter, "inviter_type": "supplier", "sent_at": at}
               for name, inviter, at in [("i1", "s1", datetime(2026, 3, 3, 9)), ("i2", "s1", datetime(2026, 3, 5, 9)),
                                         ("i3", "s2", datetime(2026, 3, 11, 9))]]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "events": EVENTS, "invitations": INVITATIONS}, source="test")
    return service_for(northstar)


def _values(series, key=None) -> list[object]:
    (line,) = [line for line in series.lines if line.key == key]
    return [point.value for point in line.points]


def test_periods_are_days_iso_weeks_and_months_clipped_to_the_range() -> None:
    assert periods(date(2026, 3, 4), date(2026, 3, 17), "week") == [
        (date(2026, 3, 4), date(2026, 3, 8)), (date(2026, 3, 9), date(2026, 3, 15)),
        (date(2026, 3, 16), date(2026, 3, 17))]
    assert periods(date(2026, 2, 15), date(2026, 4, 10), "month") == [
        (date(2026, 2, 15), date(2026, 2, 28)), (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 10))]
    assert periods(date(2026, 3, 1), date(2026, 3, 1), "day") == [(date(2026, 3, 1), date(2026, 3, 1))]


def test_daily_dau_has_a_point_for_every_day_zeros_included(service: MetricsService) -> None:
    series = service.series("dau", date(2026, 3, 1), date(2026, 3, 5))
    # 03-01 nobody; 03-02 s1; 03-03 s1; 03-04 s2; 03-05 nobody.
    assert _values(series) == [0, 1, 1, 1, 0]
    assert [point.day for point in series.lines[0].points] == [date(2026, 3, day) for day in range(1, 6)]


def test_weekly_signups_cover_each_clipped_week_and_add_up_to_the_range(service: MetricsService) -> None:
    series = service.series("new_signups", date(2026, 3, 4), date(2026, 3, 17), grain="week")
    # Wed 03-04..Sun 03-08: s2; 03-09..03-15: c1; 03-16..03-17: nobody (s1 signed up before the range).
    assert _values(series) == [1, 1, 0]
    first = series.lines[0].points[0]
    assert (first.first, first.last, first.day, first.window.start, first.window.end) == (
        date(2026, 3, 4), date(2026, 3, 8), date(2026, 3, 8), date(2026, 3, 4), date(2026, 3, 9))
    assert service.compute("new_signups", date(2026, 3, 17), "14d").value == 2


def test_monthly_state_is_taken_at_the_end_of_each_period(service: MetricsService) -> None:
    series = service.series("total_users", date(2026, 2, 15), date(2026, 4, 10), grain="month")
    # End of 02-28: nobody yet; end of 03-31 and of 04-10 (the range cuts April): s1, s2, c1.
    assert _values(series) == [0, 3, 3]
    assert [point.day for point in series.lines[0].points] == [date(2026, 2, 28), date(2026, 3, 31),
                                                               date(2026, 4, 10)]


def test_a_timeframe_makes_timeframe_metrics_rolling(service: MetricsService) -> None:
    # Per day: 03-05 has i2 only, 03-06 nothing; 7 days ending 03-05 / 03-06: i1 and i2.
    assert _values(service.series("invitations_sent", date(2026, 3, 5), date(2026, 3, 6))) == [1, 0]
    assert _values(service.series("invitations_sent", date(2026, 3, 5), date(2026, 3, 6), timeframe="7d")) == [2, 2]


def test_breakdown_by_a_users_column_gives_one_line_per_value(service: MetricsService) -> None:
    by_type = service.series("dau", date(2026, 3, 10), date(2026, 3, 11), breakdown="user_type")
    assert [line.key for line in by_type.lines] == ["couple", "supplier"]
    assert _values(by_type, "couple") == [1, 0]      # c1 on 03-10
    assert _values(by_type, "supplier") == [2, 0]    # s1 and s2 on 03-10
    by_plan = service.series("dau", date(2026, 3, 10), date(2026, 3, 10), breakdown="plan",
                             filters={"user_type": "supplier"})
    assert [(line.key, _values(by_plan, line.key)) for line in by_plan.lines] == [("free", [1]), ("pro", [1])]
    assert by_plan.filters == {"user_type": "supplier"}


def test_a_metric_breakdown_function_is_used_when_present(northstar: Northstar) -> None:
    def split(ctx: MetricContext, dimension: str) -> dict[str, Measurement]:
        # A test metric whose own split knows "a" on every day and "b" only from 03-02.
        found = {"a": measured(ctx.day.day)}
        if ctx.day >= date(2026, 3, 2):
            found["b"] = measured(len(dimension))
        return found

    base = build_registry(northstar.settings).get("total_users")
    registry = Registry([Metric(base.spec, base.compute, breakdown=split)], TABLES_BY_NAME)
    northstar.write({"users": USERS}, source="test")
    service = MetricsService(northstar.store, northstar.settings, registry)
    series = service.series("total_users", date(2026, 3, 1), date(2026, 3, 2), breakdown="segment")
    assert _values(series, "a") == [1, 2]
    assert _values(series, "b") == [None, 7]
    assert series.lines[1].points[0].reason == "no_data: no segment 'b' on 2026-03-01"


def test_bad_input_names_the_parameter(service: MetricsService) -> None:
    cases = [
        ({"grain": "year"}, "grain"),
        ({"end": date(2026, 2, 1)}, "end"),
        ({"end": date(2029, 1, 1)}, "end"),                     # more than 1,000 days
        ({"timeframe": "soon"}, "timeframe"),
        ({"filters": {"colour": "blue"}}, "filters"),
        ({"breakdown": "colour"}, "breakdown"),
        ({"breakdown": "user_type", "filters": {"user_type": "couple"}}, "breakdown"),
    ]
    for overrides, field in cases:
        arguments = {"name": "dau", "start": date(2026, 3, 1), "end": date(2026, 3, 2), **overrides}
        with pytest.raises(InvalidInput) as raised:
            service.series(**arguments)
        assert raised.value.field == field, overrides
    with pytest.raises(InvalidInput) as raised:
        service.series("uptime_percentage", date(2026, 3, 1), date(2026, 3, 2), breakdown="user_type")
    assert raised.value.field == "breakdown"
    with pytest.raises(UnknownMetric):
        service.series("happiness", date(2026, 3, 1), date(2026, 3, 2))


def test_a_90_day_daily_dau_series_is_cached_point_by_point(service: MetricsService) -> None:
    # Its cold time is a figure of bench/metrics.py (about 3 s on the idle 2-core machine), not asserted here.
    start = date(2026, 1, 1)
    started = time.perf_counter()
    series = service.series("dau", start, start + timedelta(days=89))
    cold = time.perf_counter() - started
    assert len(series.lines[0].points) == 90
    assert sum(_values(series)) == 6     # 01-01..03-31: s1 03-02, 03-03; s2 03-04; s1, s2, c1 03-10
    started = time.perf_counter()
    service.series("dau", start, start + timedelta(days=89))
    assert time.perf_counter() - started < cold / 5           # every point comes from the cache
