"""The metrics service reads still-valid snapshot rows instead of computing (issue 3 § 6): same
values, never stale after new data, on both backends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as clock

import pytest

from northstar.app import Northstar
from northstar.domain.time import Window
from northstar.metrics import snapshot, snapshot_reads
from northstar.metrics.service import MetricsService, service_for


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock(hour))


@pytest.fixture
def today(northstar: Northstar) -> date:
    return service_for(northstar).today()


@pytest.fixture
def service(northstar: Northstar, today: date, monkeypatch: pytest.MonkeyPatch) -> MetricsService:
    # Commits made a moment ago must count as seen by a refresh that started after them.
    monkeypatch.setattr(snapshot_reads, "COMMIT_MARGIN", timedelta(0))
    first, second = today - timedelta(days=3), today - timedelta(days=2)
    northstar.write({
        "users": [{"user_id": "s1", "user_type": "supplier", "created_at": _at(first, 9),
                   "first_seen_at": _at(first, 9)},
                  {"user_id": "c1", "user_type": "couple", "created_at": _at(second, 9),
                   "first_seen_at": _at(second, 9)}],
        "events": [{"message_id": "e1", "type": "page", "user_id": "s1", "timestamp": _at(second, 10),
                    "received_at": _at(second, 10)},
                   {"message_id": "e2", "type": "page", "user_id": "c1", "timestamp": _at(second, 11),
                    "received_at": _at(second, 11)}],
    }, source="test")
    service = service_for(northstar)
    snapshot.refresh(service)
    return service


def _stored(service: MetricsService, name: str, day: date) -> object:
    return service.stored(service.registry.spec(name), day, Window.ending_on(day, 30), {})


def _pin(service: MetricsService, name: str, day: date, value: str) -> None:
    """Overwrite one stored value (without data changing): a read that returns it came from the snapshot."""
    service.store.execute_write(
        "UPDATE metric_snapshots SET value_text = ?, reason = NULL WHERE day = ? AND metric = ?", [value, day, name])
    service.snapshot_changed()


def test_stored_values_equal_computed_ones(service: MetricsService, today: date) -> None:
    fresh = MetricsService(service.store, service.settings)
    days = [today - timedelta(days=offset) for offset in range(4)]
    for name in snapshot.snapshot_metrics(service):
        spec = service.registry.spec(name)
        for day in days:
            stored = _stored(service, name, day)
            assert stored is not None, (name, day)
            assert stored == fresh.measure(spec, day, Window.ending_on(day, 30), {}, snapshot=False), (name, day)
            computed = fresh.measure(spec, day, Window.ending_on(day, 30), {}, snapshot=False)
            assert type(stored.value) is type(computed.value), (name, day)
            if spec.grain != "timeframe":   # a state or fixed window: the stored row answers any timeframe
                assert stored == fresh.measure(spec, day, Window.ending_on(day, 7), {}, snapshot=False), name


def test_compute_series_and_overview_read_the_snapshot(service: MetricsService, today: date) -> None:
    _pin(service, "dau", today - timedelta(days=2), "41")
    _pin(service, "total_users", today, "42")
    assert service.compute("total_users", today).value == 42
    assert service.compute("total_users", today, timeframe="7d").value == 42     # a state: any timeframe
    points = service.series("dau", today - timedelta(days=3), today, grain="day").lines[0].points
    assert [point.value for point in points] == [0, 41, 0, 0]
    # Filters, or a timeframe-grain metric over another window, are computed.
    assert service.compute("total_users", today, filters={"user_type": "couple"}).value == 1
    _pin(service, "new_signups", today, "43")
    assert service.compute("new_signups", today).value == 43
    assert service.compute("new_signups", today, timeframe="7d").value == 2


def test_new_data_makes_its_day_and_later_days_recomputed(
    northstar: Northstar, service: MetricsService, today: date,
) -> None:
    yesterday = today - timedelta(days=1)
    for day in (today - timedelta(days=3), today - timedelta(days=2), yesterday, today):
        _pin(service, "dau", day, "40")
    northstar.write({"events": [{"message_id": "e3", "type": "page", "user_id": "s1", "timestamp": _at(yesterday, 8),
                                 "received_at": _at(yesterday, 8)}]}, source="test")
    values = [point.value for point in service.series("dau", today - timedelta(days=3), today).lines[0].points]
    assert values == [40, 40, 1, 0]              # days before yesterday from the snapshot, the others computed
    assert _stored(service, "dau", yesterday) is None
    assert _stored(service, "dau", today - timedelta(days=2)) is not None
    assert _stored(service, "total_users", yesterday) is not None     # reads no events: still valid
    assert _stored(service, "mrr", today) is not None
    # The next incremental refresh makes those days stored again, with the new value.
    assert snapshot.refresh(service).days == (yesterday, today)
    assert _stored(service, "dau", yesterday).value == 1


def test_a_users_change_makes_every_day_recomputed(northstar: Northstar, service: MetricsService, today: date) -> None:
    _pin(service, "total_users", today - timedelta(days=3), "40")
    northstar.write({"users": [{"user_id": "s2", "user_type": "supplier", "created_at": _at(today, 8),
                                "first_seen_at": _at(today, 8)}]}, source="test")
    assert _stored(service, "total_users", today - timedelta(days=3)) is None
    assert service.compute("total_users", today - timedelta(days=3)).value == 1


def test_a_rebuild_computes_instead_of_reading(service: MetricsService, today: date) -> None:
    _pin(service, "total_users", today, "40")
    snapshot.refresh(service, rebuild=True)
    assert _stored(service, "total_users", today).value == 2
