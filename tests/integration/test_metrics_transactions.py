"""Transactional revenue from purchase events, on both backends, against hand-worked values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from northstar.app import Northstar
from northstar.metrics.service import MetricsService

D = date(2026, 5, 31)


def _purchase(message: str, user: str, at: datetime, minor: int, currency: str = "GBP") -> dict:
    return {"message_id": message, "type": "track", "event": "Order Completed", "user_id": user,
            "timestamp": at, "received_at": at, "revenue_minor": minor, "currency": currency}


def _service(northstar: Northstar) -> MetricsService:
    return MetricsService.for_northstar(northstar)


def test_revenue_and_active_customers_over_the_window(northstar: Northstar) -> None:
    northstar.write({
        "users": [{"user_id": "a", "user_type": "couple", "first_seen_at": datetime(2026, 1, 1)},
                  {"user_id": "b", "user_type": "supplier", "first_seen_at": datetime(2026, 1, 1)}],
        "events": [
            _purchase("p1", "a", datetime(2026, 5, 2, 10), 1999),
            _purchase("p2", "a", datetime(2026, 5, 20, 10), 1001),
            _purchase("p3", "b", datetime(2026, 5, 30, 23, 59), 1000, "USD"),   # $10.00 at 0.79 = 790p
            _purchase("p4", "b", datetime(2026, 4, 30, 12), 5000),            # before the 30-day window
            {"message_id": "v", "type": "page", "user_id": "b", "timestamp": datetime(2026, 5, 3),
             "received_at": datetime(2026, 5, 3)},
        ],
    }, source="test")
    service = _service(northstar)
    # 30 days ending 05-31 = [05-02, 06-01): 1999 + 1001 + 790 = 3790 pence; customers a, b.
    revenue = service.compute("revenue", D, "30d")
    assert revenue.value == Decimal(3790)
    assert revenue.display == "£37.90"
    assert service.compute("active_customers", D, "30d").value == 2
    # Previous 30 days [04-02, 05-02): only p4 = £50.00.
    assert revenue.previous == Decimal(5000)
    # Couples only: a's 1999 + 1001.
    assert service.compute("revenue", D, "30d", {"user_type": "couple"}).value == Decimal(3000)


def test_without_revenue_events_it_says_what_to_send(northstar: Northstar) -> None:
    northstar.write({"events": [{"message_id": "v", "type": "page", "user_id": "b", "timestamp": datetime(2026, 5, 3),
                                 "received_at": datetime(2026, 5, 3)}]}, source="test")
    result = _service(northstar).compute("revenue", D, "30d")
    assert result.value is None
    assert result.reason == "no_data: send or import events with properties.revenue (e.g. Order Completed)"
