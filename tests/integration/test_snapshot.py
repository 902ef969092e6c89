"""The daily snapshot (success_metrics) on both backends: rebuild, incremental refresh of exactly the
days new data touched, explicit days, the wide view and the background refresher (issue § 3)."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.domain.errors import InvalidInput
from northstar.metrics import snapshot, snapshot_reads
from northstar.metrics.refresher import start_refresher
from northstar.metrics.service import MetricsService, service_for


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock(hour))


@pytest.fixture
def today(northstar: Northstar) -> date:
    return service_for(northstar).today()


@pytest.fixture
def service(northstar: Northstar, today: date, monkeypatch: pytest.MonkeyPatch) -> MetricsService:
    # Commits made a moment ago must count as processed once a refresh has run after them.
    monkeypatch.setattr(snapshot_reads, "COMMIT_MARGIN", timedelta(0))
    first, second = today - timedelta(days=3), today - timedelta(days=2)
    northstar.write({
        "users": [{"user_id": "s1", "user_type": "supplier", "created_at": _at(first, 9),
                   "first_seen_at": _at(first, 9)},
                  {"user_id": "c1", "user_type": "couple", "created_at": _at(second, 9),
                   "first_seen_at": _at(second, 9)}],
        "events": [{"message_id": "e1", "type": "page", "user_id": "s1", "timestamp": _at(second, 10),
                    "received_at": _at(second, 10)}],
    }, source="test")
    return service_for(northstar)


def _column(service: MetricsService, start: date, end: date, metric: str) -> list[object]:
    return [row.values[metric] for row in snapshot.success_metrics(service, start, end)]


def test_a_first_refresh_covers_every_day_from_the_first_data(service: MetricsService, today: date) -> None:
    report = snapshot.refresh(service)
    days = [today - timedelta(days=offset) for offset in (3, 2, 1, 0)]
    assert (report.mode, list(report.days)) == ("incremental", days)
    assert report.metrics == snapshot.snapshot_metrics(service)
    assert report.metrics[:36] == snapshot.SEED_METRICS and "dau" in report.metrics   # seed columns, then cards
    rows = snapshot.success_metrics(service, days[0] - timedelta(days=5), today)
    assert [row.day for row in rows] == days
    # total_users: s1 from T-3, c1 from T-2. supplier_dau_rate: s1 active on T-2 only, of 1 supplier.
    assert _column(service, days[0], today, "total_users") == [1, 2, 2, 2]
    assert _column(service, days[0], today, "supplier_dau_rate") == [0, 1, 0, 0]
    assert isinstance(rows[1].values["supplier_dau_rate"], Decimal | int)
    assert rows[0].values["mrr"] is None
    assert rows[0].reasons["mrr"].startswith("no_data: import subscriptions")
    assert list(rows[0].values) == list(report.metrics)


def test_incremental_refresh_recomputes_only_days_new_data_touched(
    northstar: Northstar, service: MetricsService, today: date,
) -> None:
    snapshot.refresh(service)
    assert snapshot.plan(service) == snapshot.RefreshPlan("incremental", (), {})
    assert snapshot.refresh(service).days == ()
    # An event of s1 yesterday changes yesterday and today (a day reads data up to its end only).
    yesterday = today - timedelta(days=1)
    northstar.write({"events": [{"message_id": "e2", "type": "page", "user_id": "s1", "timestamp": _at(yesterday, 8),
                                 "received_at": _at(yesterday, 8)}]}, source="test")
    report = snapshot.refresh(service)
    assert list(report.days) == [yesterday, today]
    # Only metrics reading events: MRR, signups and support are not recomputed.
    assert "dau" in report.metrics and "supplier_dau_rate" in report.metrics
    assert not {"mrr", "total_users", "csat_score", "k_factor"} & set(report.metrics)
    assert report.values == 2 * len(report.metrics)
    assert _column(service, today - timedelta(days=3), today, "supplier_dau_rate") == [0, 1, 1, 0]
    # A users change can alter any day since signup (type, traits, signup time): every day again.
    signup = _at(today - timedelta(days=3), 8)
    northstar.write({"users": [{"user_id": "s2", "user_type": "supplier", "created_at": signup,
                                "first_seen_at": _at(today, 8)}]}, source="test")
    report = snapshot.refresh(service)
    assert len(report.days) == 4 and report.metrics == snapshot.snapshot_metrics(service)
    assert _column(service, today - timedelta(days=3), today, "total_users") == [2, 3, 3, 3]


def test_explicit_days_and_rebuild(service: MetricsService, today: date) -> None:
    report = snapshot.refresh(service, days=[today - timedelta(days=1)])
    assert (report.mode, report.days) == ("range", (today - timedelta(days=1),))
    assert [row.day for row in snapshot.success_metrics(service, today - timedelta(days=9), today)] == [
        today - timedelta(days=1)]
    # A range refresh does not count as having processed new data: the next incremental one is complete.
    assert len(snapshot.refresh(service).days) == 4
    assert snapshot.refresh(service, rebuild=True).mode == "rebuild"
    assert len(snapshot.refresh(service, rebuild=True).days) == 4
    with pytest.raises(InvalidInput) as raised:
        snapshot.refresh(service, days=[today + timedelta(days=1)])
    assert raised.value.field == "days"
    with pytest.raises(InvalidInput) as raised:
        snapshot.success_metrics(service, today, today - timedelta(days=1))
    assert raised.value.field == "end"


def test_a_stopped_refresh_writes_nothing_and_leaves_its_days_to_the_next(service: MetricsService,
                                                                         today: date) -> None:
    stop = threading.Event()
    stop.set()
    report = snapshot.refresh(service, stop=stop)
    assert report.stopped and report.values == 0 and len(report.days) == 4
    assert snapshot.success_metrics(service, today - timedelta(days=9), today) == []
    assert snapshot.last_watermark(service) is None
    assert len(snapshot.plan(service).days) == 4
    assert not snapshot.refresh(service).stopped


def test_an_empty_store_has_nothing_to_refresh(northstar: Northstar) -> None:
    service = service_for(northstar)
    assert snapshot.refresh(service).days == ()
    assert snapshot.success_metrics(service, date(2026, 1, 1), date(2026, 12, 31)) == []


def test_the_refresher_refreshes_in_the_background_after_commits(
    northstar: Northstar, service: MetricsService, today: date,
) -> None:
    refresher = start_refresher(northstar, delay=0.05)
    try:
        deadline = time.monotonic() + 60
        while refresher.refreshes < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _column(service, today, today, "total_users") == [2]
        northstar.write({"users": [{"user_id": "c2", "user_type": "couple", "created_at": _at(today, 7),
                                    "first_seen_at": _at(today, 7)}]}, source="test")
        while refresher.refreshes < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _column(service, today, today, "total_users") == [3]
    finally:
        refresher.close()
