"""Ordered funnels on both backends, against counts worked out by hand (METRICS.md § Onboarding and
journeys, "Funnels")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.domain.errors import InvalidInput
from northstar.domain.time import Window
from northstar.metrics.funnels import ONBOARDING_FUNNEL, FunnelResult, funnel
from northstar.metrics.service import MetricsService
from tests.rows import track_row as _track
from tests.rows import user_row as _user

WINDOW = Window.ending_on(date(2026, 3, 15), 7)  # 03-09..03-15, instants [03-09 00:00, 03-16 00:00)




USERS = [
    _user("f1", "supplier", datetime(2026, 3, 9, 9)),
    _user("f2", "supplier", datetime(2026, 3, 10)),
    _user("f3", "couple", datetime(2026, 3, 11)),
    _user("f4", "supplier", datetime(2026, 3, 12)),
    _user("f5", "supplier", datetime(2026, 3, 1)),     # signed up before the window
    _user("f6", "supplier", datetime(2026, 3, 16)),    # signs up after the window
    _user("f7", "couple", datetime(2026, 3, 13)),
]
EVENTS = [
    # f1: every step in order within 3 hours (the invitation is in the invitations table).
    _track("f1", "Client Imported", datetime(2026, 3, 9, 10)),
    _track("f1", "Form Created", datetime(2026, 3, 9, 11)),
    # f2: a form BEFORE the client import (out of order, and no form after it), then an invitation event.
    _track("f2", "Form Created", datetime(2026, 3, 10, 10)),
    _track("f2", "Client Imported", datetime(2026, 3, 10, 12)),
    _track("f2", "Invitation Sent", datetime(2026, 3, 10, 13)),
    # f3: client after 1 h, form after 72 h, invitation (event) after 73 h.
    _track("f3", "Client Imported", datetime(2026, 3, 11, 1)),
    _track("f3", "Form Created", datetime(2026, 3, 14)),
    _track("f3", "Invitation Sent", datetime(2026, 3, 14, 1)),
    # f5: every step in the window, but signed up before it.
    _track("f5", "Client Imported", datetime(2026, 3, 9, 8)),
    _track("f5", "Form Created", datetime(2026, 3, 9, 9)),
    # f7: client in the window, form after the window's end.
    _track("f7", "Client Imported", datetime(2026, 3, 13, 2)),
    _track("f7", "Form Created", datetime(2026, 3, 16, 1)),
]
INVITATIONS = [
    {"invitation_id": "i1", "inviter_id": "f1", "sent_at": datetime(2026, 3, 9, 12)},
    {"invitation_id": "i5", "inviter_id": "f5", "sent_at": datetime(2026, 3, 9, 10)},
]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "events": EVENTS, "invitations": INVITATIONS}, source="test")
    return MetricsService(northstar.store, northstar.settings)


def table(result: FunnelResult) -> list[tuple[str, int, Decimal | None, Decimal | None]]:
    return [(step.step, step.users, step.from_previous, step.from_first) for step in result.steps]


def test_onboarding_funnel_counts_only_steps_in_order(service: MetricsService) -> None:
    # Signed up in the window: f1, f2, f3, f4, f7 = 5. Client imported after signup: f1, f2, f3, f7 = 4.
    # Form after the client: f1, f3 = 2 (f2's form came before its import, f7's after the window).
    # Invitation after the form: f1 (table), f3 (event) = 2; f2's invitation does not count without the form.
    assert table(funnel(service, list(ONBOARDING_FUNNEL), WINDOW, None)) == [
        ("signup", 5, None, None),
        ("Client Imported", 4, Decimal("0.8"), Decimal("0.8")),
        ("Form Created", 2, Decimal("0.5"), Decimal("0.4")),
        ("invitation_sent", 2, Decimal(1), Decimal("0.4")),
    ]


def test_within_limits_every_step_to_the_time_after_the_first(service: MetricsService) -> None:
    # Within 48 h of signup: f3's form (72 h) and invitation (73 h) drop out; f1 keeps all.
    result = funnel(service, list(ONBOARDING_FUNNEL), WINDOW, timedelta(hours=48))
    assert table(result) == [
        ("signup", 5, None, None),
        ("Client Imported", 4, Decimal("0.8"), Decimal("0.8")),
        ("Form Created", 1, Decimal("0.25"), Decimal("0.2")),
        ("invitation_sent", 1, Decimal(1), Decimal("0.2")),
    ]


def test_split_by_user_type_and_event_first_step(service: MetricsService) -> None:
    # Couples f3 and f7: both import a client, only f3 creates a form (and invites).
    assert [step.users for step in funnel(service, list(ONBOARDING_FUNNEL), WINDOW, None, "couple").steps] == [
        2, 2, 1, 1]
    # First form in the window: f1, f2, f3, f5 (f7's is after it); a client import at or after it: f2 only.
    assert table(funnel(service, ["Form Created", "Client Imported"], WINDOW)) == [
        ("Form Created", 4, None, None), ("Client Imported", 1, Decimal("0.25"), Decimal("0.25"))]


def test_an_empty_funnel_has_undefined_conversions(service: MetricsService) -> None:
    result = funnel(service, list(ONBOARDING_FUNNEL), Window.ending_on(date(2026, 1, 15), 7))
    assert table(result)[1] == ("Client Imported", 0, None, None)
    with pytest.raises(InvalidInput):
        funnel(service, [], WINDOW)
