"""mobile_usage_rate (METRICS.md, Engagement) on both backends, against a hand-worked fixture."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from northstar.app import Northstar
from northstar.metrics.service import MetricsService

D = date(2026, 3, 15)


def _event(message: str, user: str, at: datetime, device: str | None, session: str | None = None) -> dict:
    return {"message_id": message, "type": "track", "event": "Page Viewed", "user_id": user, "timestamp": at,
            "received_at": at, "device_type": device, "session_id": session}


def test_share_of_sessions_on_phones_and_tablets(northstar: Northstar) -> None:
    northstar.write({"events": [
        _event("m1", "m", datetime(2026, 3, 15, 10, 0), "mobile"),     # m, session 1: mobile then desktop
        _event("m2", "m", datetime(2026, 3, 15, 10, 10), "desktop"),   # (one session: 10-minute gap)
        _event("m3", "m", datetime(2026, 3, 15, 12, 0), "desktop"),    # m, session 2: desktop only
        _event("d1", "d", datetime(2026, 3, 14, 9, 0), "desktop"),     # d: desktop
        _event("t1", "t", datetime(2026, 3, 13, 9, 0), "tablet", "s-t"),   # t: explicit session, tablet
        _event("t2", "t", datetime(2026, 3, 13, 11, 0), None, "s-t"),
        _event("n1", "n", datetime(2026, 3, 12, 9, 0), None),          # n: no device known
        _event("o1", "o", datetime(2026, 3, 1, 9, 0), "mobile"),       # before the 7-day window
    ]}, source="test")
    service = MetricsService.for_northstar(northstar)
    # Sessions starting 03-09..03-15: m ×2, d, t, n = 5; on mobile or tablet: m's first and t's = 2.
    rate = service.compute("mobile_usage_rate", D, "7d")
    assert rate.value == Decimal("0.4")
    assert rate.display == "40.0%"
    # 30 days adds o's mobile session: 3 of 6.
    assert service.compute("mobile_usage_rate", D, "30d").value == Decimal("0.5")
    empty = service.compute("mobile_usage_rate", date(2026, 2, 1), "7d")
    assert (empty.value, empty.reason) == (None, "undefined: no sessions started in the window")
