"""The metrics service over a real store: errors, no-data results, filters, the cache and its
invalidation by new commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.errors import InvalidInput, UnknownMetric
from northstar.metrics.service import MetricsService, service_for

D = date(2026, 3, 15)


def _page(message: str, user: str, at: datetime) -> dict[str, object]:
    return {"message_id": message, "type": "page", "user_id": user, "timestamp": at, "received_at": at}


def test_unknown_metric_and_bad_input(northstar: Northstar) -> None:
    service = service_for(northstar)
    with pytest.raises(UnknownMetric):
        service.compute("happiness", D)
    with pytest.raises(InvalidInput) as bad_timeframe:
        service.compute("dau", D, "yesterday")
    assert bad_timeframe.value.field == "timeframe"
    with pytest.raises(InvalidInput, match="cannot be split by 'user_type'"):
        service.compute("uptime_percentage", D, "7d", {"user_type": "supplier"})
    with pytest.raises(InvalidInput, match="cannot be split by 'colour'"):
        service.compute("dau", D, "7d", {"colour": "blue"})


def test_every_metric_of_an_empty_store_is_no_data_not_zero(northstar: Northstar) -> None:
    service = service_for(northstar)
    for name in service.registry.names:
        result = service.compute(name, D, "30d")
        assert result.value is None, name
        assert result.reason is not None and result.reason.startswith("no_data: "), name


def test_filters_restrict_users(northstar: Northstar) -> None:
    northstar.write({
        "users": [
            {"user_id": "s1", "user_type": "supplier", "country": "GB", "first_seen_at": datetime(2026, 1, 1)},
            {"user_id": "s2", "user_type": "supplier", "country": "FR", "first_seen_at": datetime(2026, 1, 1)},
            {"user_id": "c1", "user_type": "couple", "country": "GB", "first_seen_at": datetime(2026, 1, 1)},
        ],
        "events": [_page("e1", "s1", datetime(2026, 3, 15, 9)), _page("e2", "c1", datetime(2026, 3, 15, 9))],
    }, source="test")
    service = service_for(northstar)
    assert service.compute("total_users", D, "7d", {"country": "GB"}).value == 2          # s1, c1
    assert service.compute("dau", D, "7d", {"user_type": "supplier"}).value == 1          # s1
    assert service.compute("dau", D, "7d", {"user_type": "supplier", "country": "FR"}).value == 0
    assert service.compute("dau", D, "7d").value == 2


def test_new_commits_invalidate_cached_values(northstar: Northstar) -> None:
    northstar.write({"events": [_page("e1", "u1", datetime(2026, 3, 15, 9))]}, source="test")
    service = service_for(northstar)
    assert service_for(northstar) is service
    first = service.compute("dau", D, "7d")
    assert first.value == 1
    northstar.write({"events": [_page("e2", "u2", datetime(2026, 3, 15, 10))]}, source="test")
    assert service.compute("dau", D, "7d").value == 2


def test_values_are_cached_until_the_data_version_changes(
    northstar: Northstar, make_settings: Callable[..., Settings]
) -> None:
    northstar.write({"events": [_page("e1", "u1", datetime(2026, 3, 15, 9))]}, source="test")
    version = [7]
    service = MetricsService(northstar.store, make_settings(cache_ttl_seconds=300), data_version=lambda: version[0])
    assert service.compute("wau", D, "7d").value == 1
    # Written behind the service's back (no version change): the cached value is still served.
    northstar.store.write({"events": [_page("e2", "u2", datetime(2026, 3, 15, 10))]})
    assert service.compute("wau", D, "7d").value == 1
    version[0] = 8
    assert service.compute("wau", D, "7d").value == 2


def test_reporting_days_follow_the_reporting_timezone(
    northstar: Northstar, make_settings: Callable[..., Settings]
) -> None:
    # 2026-03-15 02:00 UTC is 2026-03-14 22:00 in New York (EDT, UTC−4 since 03-08).
    northstar.write({"events": [_page("e1", "u1", datetime(2026, 3, 15, 2))]}, source="test")
    utc = MetricsService(northstar.store, northstar.settings)
    new_york = MetricsService(northstar.store, make_settings(reporting_timezone="America/New_York"))
    assert (utc.compute("dau", D).value, utc.compute("dau", date(2026, 3, 14)).value) == (1, 0)
    assert (new_york.compute("dau", D).value, new_york.compute("dau", date(2026, 3, 14)).value) == (0, 1)
