"""N-day retention on both backends, against values worked out by hand (METRICS.md § Retention and
cohorts), in Europe/London across the DST change of 2026-03-29 (01:00 UTC: GMT → BST, +1 h)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from northstar.app import Northstar
from northstar.config import Settings
from northstar.metrics.retention import offset_changes
from northstar.metrics.service import MetricsService

D = date(2026, 4, 5)  # 30d window: 03-07..04-05; 7d window: 03-30..04-05
LONDON = "Europe/London"
_ids = count()


def _user(user_id: str, user_type: str, created: datetime, deleted: datetime | None = None) -> dict[str, object]:
    return {"user_id": user_id, "user_type": user_type, "created_at": created, "first_seen_at": created,
            "deleted_at": deleted}


def _event(user: str, at: datetime, event: str | None = "Page Viewed") -> dict[str, object]:
    return {"message_id": f"r{next(_ids)}", "type": "track", "event": event, "user_id": user, "timestamp": at,
            "received_at": at}


# Times are UTC. London days (L) and UTC days (U) of signups S and activity:
USERS = [
    _user("u1", "supplier", datetime(2026, 3, 28, 23, 30)),   # S: L 03-28 (GMT), U 03-28
    _user("u2", "couple", datetime(2026, 3, 31, 22, 30)),     # S: L 03-31 (23:30 BST), U 03-31
    _user("u3", "supplier", datetime(2026, 4, 4, 10, 0)),     # S: 04-04; S+1 = D has passed
    _user("u4", "supplier", datetime(2026, 4, 5, 8, 0)),      # S = D: day S+1 not passed, never counted
    _user("u5", "couple", datetime(2026, 3, 20, 12, 0)),      # S: 03-20
    _user("u6", "supplier", datetime(2026, 3, 1, 12, 0)),     # S before the 30d window
    _user("u7", "supplier", datetime(2026, 3, 25, 12, 0)),    # S: 03-25
    _user("u8", "supplier", datetime(2026, 3, 10, 12, 0), deleted=datetime(2026, 4, 1)),  # deleted
    _user("u9", "supplier", datetime(2026, 4, 4, 23, 30)),    # S: L 04-05 = D (00:30 BST), U 04-04
]
EVENTS = [
    _event("u1", datetime(2026, 3, 29, 23, 30)),  # L 03-30 00:30 BST = S+2; U 03-29 = S+1
    _event("u1", datetime(2026, 4, 5, 10, 0)),    # 04-05 = S+8
    _event("u2", datetime(2026, 4, 1, 10, 0)),    # S+1
    _event("u3", datetime(2026, 4, 5, 9, 0)),     # S+1
    _event("u4", datetime(2026, 4, 5, 9, 0)),
    _event("u5", datetime(2026, 3, 21, 12, 0)),   # S+1
    _event("u5", datetime(2026, 3, 27, 12, 0)),   # S+7
    _event("u5", datetime(2026, 4, 3, 12, 0)),    # S+14
    _event("u6", datetime(2026, 3, 2, 12, 0)),
    _event("u7", datetime(2026, 3, 26, 12, 0), event="Email Opened"),  # S+1, but not a qualifying event
    _event("u7", datetime(2026, 4, 1, 12, 0)),    # S+7
    _event("u8", datetime(2026, 3, 11, 12, 0)),
    _event("u9", datetime(2026, 4, 5, 10, 0)),    # L 04-05 = S; U 04-05 = S+1
]


def _service(northstar: Northstar, make_settings: Callable[..., Settings], zone: str) -> MetricsService:
    northstar.write({"users": USERS, "events": EVENTS}, source="test")
    settings = make_settings(database=northstar.settings.database, reporting_timezone=zone)
    return MetricsService(northstar.store, settings)


def value(service: MetricsService, name: str, timeframe: str = "30d", **filters: str) -> object:
    return service.compute(name, D, timeframe, filters).value


def test_london_offsets_change_at_the_dst_instants() -> None:
    changes = offset_changes(ZoneInfo(LONDON), datetime(2026, 3, 1), datetime(2026, 11, 1))
    assert changes == [(datetime(2026, 3, 1), 0), (datetime(2026, 3, 29, 1), 3600), (datetime(2026, 10, 25, 1), 0)]


def test_exact_day_retention_in_london(northstar: Northstar, make_settings: Callable[..., Settings]) -> None:
    service = _service(northstar, make_settings, LONDON)
    # d1 denominator: S in 03-07..04-04 → u1, u2, u3, u5, u7 (u4 and u9 signed up on D, u6 before, u8 deleted).
    # Active on S+1: u2, u3, u5 (u1 only on S+2 in London; u7's email is not qualifying) → 3/5.
    assert value(service, "d1_retention") == Decimal(3) / Decimal(5)
    # d7 denominator: S ≤ 03-29 → u1, u5, u7; active on S+7: u5 (03-27), u7 (04-01) → 2/3.
    assert value(service, "d7_retention") == Decimal(2) / Decimal(3)
    # 7d window 03-30..04-05: d1 over u2, u3 → 2/2.
    assert value(service, "d1_retention", "7d") == 1
    # Split by user type: couples u2, u5 → 2/2; suppliers u1, u3, u7 → u3 → 1/3.
    assert value(service, "d1_retention", user_type="couple") == 1
    assert value(service, "d1_retention", user_type="supplier") == Decimal(1) / Decimal(3)


def test_unbounded_retention_in_london(northstar: Northstar, make_settings: Callable[..., Settings]) -> None:
    service = _service(northstar, make_settings, LONDON)
    # Active on S+1 or later up to D: u1 (03-30), u2, u3, u5, u7 (04-01) → 5/5.
    assert value(service, "d1_retention_unbounded") == 1
    # Active on S+7 or later: u1 (04-05 = S+8), u5, u7 → 3/3.
    assert value(service, "d7_retention_unbounded") == 1


def test_days_not_yet_lived_leave_the_rate_undefined(
    northstar: Northstar, make_settings: Callable[..., Settings]
) -> None:
    service = _service(northstar, make_settings, LONDON)
    # d30: S ≤ 03-06 falls before the 30d window: nobody is in the denominator.
    for name in ("d30_retention", "d30_retention_unbounded", "d90_retention"):
        result = service.compute(name, D, "30d")
        assert result.value is None
        assert result.reason is not None and result.reason.startswith("undefined:")


def test_utc_days_differ_from_london_days(northstar: Northstar, make_settings: Callable[..., Settings]) -> None:
    service = _service(northstar, make_settings, "UTC")
    # In UTC u9 signed up on 04-04 and was active on 04-05 = S+1; u1 was active on 03-29 = S+1.
    # d1 denominator: u1, u2, u3, u5, u7, u9 → 6; active on S+1: u1, u2, u3, u5, u9 → 5/6.
    assert value(service, "d1_retention") == Decimal(5) / Decimal(6)
    assert value(service, "d1_retention_unbounded") == 1
