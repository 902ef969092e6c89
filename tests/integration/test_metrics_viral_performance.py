"""Viral and performance metrics on both backends, against values worked out by hand
(METRICS.md § Viral, § Product performance)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.metrics.service import MetricsService

D = date(2026, 3, 15)  # 7d window: 2026-03-09 00:00 .. 2026-03-16 00:00 UTC


def _invite(invitation: str, inviter: str, sent: datetime, accepted: datetime | None = None,
            inviter_type: str | None = None) -> dict[str, object]:
    return {"invitation_id": invitation, "inviter_id": inviter, "inviter_type": inviter_type, "sent_at": sent,
            "accepted_at": accepted}


USERS = [
    {"user_id": user_id, "user_type": user_type, "created_at": signup, "first_seen_at": signup}
    for user_id, user_type, signup in [
        ("s1", "supplier", datetime(2026, 3, 10)),
        ("s2", "supplier", datetime(2026, 3, 1)),
        ("s3", "supplier", datetime(2026, 3, 9)),
        ("c1", "couple", datetime(2026, 1, 1)),
    ]
]
INVITATIONS = [
    _invite("i1", "s1", datetime(2026, 3, 10, 6), accepted=datetime(2026, 3, 11)),   # s1's first: 6 h after signup
    _invite("i2", "s1", datetime(2026, 3, 11)),
    _invite("i3", "s1", datetime(2026, 3, 12), accepted=datetime(2026, 3, 16, 10)),  # accepted after D: not yet
    _invite("i7", "s1", datetime(2026, 3, 13), accepted=datetime(2026, 3, 13, 5)),
    _invite("i0", "s2", datetime(2026, 3, 5), accepted=datetime(2026, 3, 6)),         # before the window
    _invite("i4", "s2", datetime(2026, 3, 13, 12), accepted=datetime(2026, 3, 14)),
    _invite("i8", "s3", datetime(2026, 3, 12, 12), accepted=datetime(2026, 3, 13)),   # s3's first: 84 h
    _invite("i5", "c1", datetime(2026, 3, 14), accepted=datetime(2026, 3, 15), inviter_type="couple"),
]
# In the window: i1 i2 i3 i7 i4 i8 i5 = 7 sent; accepted by the end of D: i1 i7 i4 i8 i5 = 5;
# inviters s1 s2 s3 c1 = 4. Supplier invitations: 6 from 3 suppliers.


def _sample(sample: str, kind: str, at: datetime, duration: float | None = None,
            ok: bool | None = None) -> dict[str, object]:
    return {"sample_id": sample, "kind": kind, "recorded_at": at, "duration_ms": duration, "ok": ok}


SAMPLES = [
    _sample("p1", "page_load", datetime(2026, 3, 10), 1200.0),
    _sample("p2", "page_load", datetime(2026, 3, 12), 1800.0),
    _sample("p3", "page_load", datetime(2026, 3, 15, 23, 59), 2700.0),
    _sample("p0", "page_load", datetime(2026, 3, 1), 5000.0),              # outside the window
    _sample("u1", "uptime_check", datetime(2026, 3, 10), ok=True),
    _sample("u2", "uptime_check", datetime(2026, 3, 11), ok=True),
    _sample("u3", "uptime_check", datetime(2026, 3, 12), ok=True),
    _sample("u4", "uptime_check", datetime(2026, 3, 13), ok=False),
    _sample("u5", "uptime_check", datetime(2026, 3, 14)),                 # ok unknown: a success
    _sample("a1", "api_request", datetime(2026, 3, 10), 100.0, ok=True),
    _sample("a2", "api_request", datetime(2026, 3, 11), 300.0, ok=False),
    _sample("a3", "api_request", datetime(2026, 3, 12), ok=True),
    _sample("a4", "api_request", datetime(2026, 3, 13)),
]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "invitations": INVITATIONS, "performance_samples": SAMPLES}, source="test")
    return MetricsService(northstar.store, northstar.settings)


def value(service: MetricsService, name: str, day: date = D) -> object:
    return service.compute(name, day, "7d").value


def test_invitation_counts_and_conversion(service: MetricsService) -> None:
    assert value(service, "invitations_sent") == 7
    assert value(service, "invitations_accepted") == 5
    assert value(service, "invitation_conversion_rate") == Decimal(5) / Decimal(7)


def test_k_factor_is_the_specifications_formula(service: MetricsService) -> None:
    # (sent / distinct inviters) × conversion = (7 / 4) × (5 / 7) = 1.25
    result = service.compute("k_factor", D, "7d")
    assert result.value == Decimal("1.25")
    # Target 1.5 (green ≥ 1.5, yellow ≥ 1.0) → yellow.
    assert (result.display, result.zone) == ("1.25", "yellow")
    assert value(service, "avg_invites_per_inviter") == Decimal("1.75")   # 7 / 4
    assert value(service, "avg_invites_per_supplier") == 2                # (4 + 1 + 1) / 3 suppliers


def test_time_to_first_invite_is_the_median_over_first_invites_in_the_window(service: MetricsService) -> None:
    # s1: 03-10 00:00 → 03-10 06:00 = 6 h; s3: 03-09 00:00 → 03-12 12:00 = 84 h; s2's first (03-05) is
    # outside the window. Median of (6, 84) = 45 h.
    result = service.compute("time_to_first_invite_hours", D, "7d")
    assert (result.value, result.display, result.zone) == (45, "45.0 h", "green")


def test_viral_rates_without_invitations_are_undefined(service: MetricsService) -> None:
    early = service.compute("k_factor", date(2026, 2, 1), "7d")
    assert (early.value, early.reason) == (None, "undefined: no invitations sent in the window")
    assert value(service, "invitations_sent", date(2026, 2, 1)) == 0


def test_performance(service: MetricsService) -> None:
    # Page loads in the window: 1200, 1800, 2700 → 5700 / 3 = 1900 ms (green: target < 2000 ms).
    page = service.compute("avg_page_load_time_ms", D, "7d")
    assert (page.value, page.display, page.zone) == (1900, "1,900 ms", "green")
    assert value(service, "avg_api_response_time_ms") == 200             # (100 + 300) / 2
    assert value(service, "uptime_percentage") == Decimal("0.8")         # 4 successes (u5 unknown) / 5
    assert value(service, "error_rate") == Decimal("0.25")               # a2 failed / 4 requests
    none = service.compute("uptime_percentage", date(2026, 2, 1), "7d")
    assert (none.value, none.reason) == (None, "undefined: no uptime_check samples in the window")
