"""Onboarding milestone metrics on both backends, against values worked out by hand
(METRICS.md § Onboarding and journeys; seed 000 checkMilestones)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.metrics.service import MetricsService
from tests.rows import track_row as _track
from tests.rows import user_row as _user

D = date(2026, 3, 15)  # reporting day, UTC; 7d = 03-09..03-15, end of D = 03-16 00:00




USERS = [
    _user("u1", "supplier", datetime(2026, 3, 9, 10)),
    _user("u2", "supplier", datetime(2026, 3, 10, 0)),
    _user("u3", "couple", datetime(2026, 3, 12, 12)),
    _user("u4", "couple", datetime(2026, 3, 14, 6)),
    _user("u5", "supplier", datetime(2026, 3, 15, 12)),
    _user("u6", "supplier", datetime(2026, 3, 1)),       # signed up before the window: not in the cohort
    _user("u7", "supplier", datetime(2026, 3, 16, 1)),   # signs up after D
]
EVENTS = [
    _track("u1", "Form Created", datetime(2026, 3, 9, 20)),               # u1 form after 10 h
    _track("u1", "Client Imported", datetime(2026, 3, 11, 12)),           # u1 client after 50 h
    _track("u2", "Form Created", datetime(2026, 3, 11, 6)),               # u2 form after 30 h: too late
    _track("u2", "Invitation Sent", datetime(2026, 3, 13, 0)),            # u2 invitation after exactly 72 h
    _track("u2", "Client Imported", datetime(2026, 3, 16, 10)),           # after D: unseen
    _track("u3", "Form Created", datetime(2026, 3, 13, 0)),               # u3 form after 12 h
    _track("u3", "Client Imported", datetime(2026, 3, 14, 18)),           # u3 client after 54 h
    _track("u5", "Form Created", datetime(2026, 3, 15, 13, 0, 0, 400000)),  # u5 form after 1 h (whole seconds)
    _track("u6", "Form Created", datetime(2026, 3, 9)),
    _track("u7", "Form Created", datetime(2026, 3, 16, 2)),
]
INVITATIONS = [
    {"invitation_id": "i1", "inviter_id": "u1", "sent_at": datetime(2026, 3, 10, 10)},   # u1 after 24 h
    {"invitation_id": "i2", "inviter_id": "u1", "sent_at": datetime(2026, 3, 10, 11)},
    {"invitation_id": "i3", "inviter_id": "u4", "sent_at": datetime(2026, 3, 14, 8)},    # u4 after 2 h
]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "events": EVENTS, "invitations": INVITATIONS}, source="test")
    return MetricsService(northstar.store, northstar.settings)


def value(service: MetricsService, name: str, timeframe: str = "7d", **filters: str) -> object:
    return service.compute(name, D, timeframe, filters).value


def test_rates_leave_out_users_still_inside_their_deadline(service: MetricsService) -> None:
    # Cohort (signed up 03-09..03-15): u1..u5.
    # fast_activation (24 h): u5's deadline (03-16 12:00) has not passed; u1 (10 h) and u3 (12 h) made it,
    # u2 (30 h) and u4 (no form) did not: 2/4.
    assert value(service, "fast_activation_rate") == Decimal("0.5")
    # viral_activation (3 days): u4's and u5's deadlines have not passed; u1 (24 h, invitations table) and
    # u2 (72 h, an event, deadline inclusive) made it, u3 did not: 2/3.
    assert value(service, "viral_activation_rate") == Decimal(2) / Decimal(3)
    # onboarding_complete (no deadline): all five; u1 and u3 imported a client by D (u2's is after D): 2/5.
    assert value(service, "onboarding_complete_rate") == Decimal("0.4")


def test_medians_cover_everyone_who_reached_the_milestone_by_d(service: MetricsService) -> None:
    # Forms: u5 1 h, u1 10 h, u3 12 h, u2 30 h -> (10 + 12) / 2 = 11.
    assert value(service, "fast_activation_median_hours") == 11
    # Invitations: u4 2 h, u1 24 h, u2 72 h -> 24.
    assert value(service, "viral_activation_median_hours") == 24
    # Clients: u1 50 h, u3 54 h -> 52.
    assert value(service, "onboarding_complete_median_hours") == 52


def test_split_by_user_type(service: MetricsService) -> None:
    # Couples u3 and u4: fast 1/2 (u3), viral 0/1 (u3; u4 still inside), onboarding 1/2, median form 12 h.
    assert value(service, "fast_activation_rate", user_type="couple") == Decimal("0.5")
    assert value(service, "viral_activation_rate", user_type="couple") == 0
    assert value(service, "onboarding_complete_rate", user_type="couple") == Decimal("0.5")
    assert value(service, "fast_activation_median_hours", user_type="couple") == 12


def test_a_cohort_nobody_can_be_judged_on_is_undefined(service: MetricsService) -> None:
    # On D alone the cohort is u5, whose 24 hours are not over: undefined, not 0; its median is 1 h.
    result = service.compute("fast_activation_rate", D, "1d")
    assert result.value is None
    assert result.reason is not None and result.reason.startswith("undefined:")
    assert value(service, "fast_activation_median_hours", "1d") == 1
    # Nobody of the cohort imported a client: the median is undefined.
    assert service.compute("onboarding_complete_median_hours", D, "1d").reason.startswith("undefined:")
