"""One user's journey on both backends, every factor against values worked out by hand, and the
journey route through a real uvicorn server (METRICS.md § Onboarding and journeys; seed 000
analyzeUserJourney)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import count

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from northstar.app import Northstar
from northstar.domain.errors import InvalidInput
from northstar.metrics.journey import Analysis, user_journey
from northstar.metrics.service import MetricsService
from northstar.web.api.v1 import users
from tests.conftest import free_port

D = date(2026, 3, 15)  # last 30 days 02-14..03-15; last 14 days 03-02..03-15, the 14 before 02-16..03-01
_ids = count()


def _event(at: datetime, event: str | None = None, *, user: str | None = "j1", anonymous: str | None = None,
           kind: str = "track") -> dict[str, object]:
    return {"message_id": f"m{next(_ids)}", "type": kind if event else "page", "event": event, "user_id": user,
            "anonymous_id": anonymous, "timestamp": at, "received_at": at}


USERS = [
    {"user_id": "j1", "user_type": "supplier", "created_at": datetime(2026, 2, 1, 10),
     "first_seen_at": datetime(2026, 2, 1, 10)},
    {"user_id": "j2", "user_type": "couple", "created_at": datetime(2026, 3, 14, 10),
     "first_seen_at": datetime(2026, 3, 14, 10)},
    {"user_id": "late", "user_type": "couple", "created_at": datetime(2026, 3, 16),
     "first_seen_at": datetime(2026, 3, 16)},
]
EVENTS = [
    _event(datetime(2026, 2, 1, 12), "Client Imported"),       # first value after 2 h
    _event(datetime(2026, 2, 2, 16), "Form Created"),          # first form after 30 h: too late for fast_activation
    _event(datetime(2026, 2, 10, 9)),                          # before the 30 days
    # The 14 days before the last 14 (02-16..03-01): active on 02-16, 02-18, 02-20, 02-25.
    _event(datetime(2026, 2, 16, 10)), _event(datetime(2026, 2, 16, 10, 10), "Form Created"),   # session 10 min
    _event(datetime(2026, 2, 18, 9), "Journey Created"),                                       # session 0 min
    _event(datetime(2026, 2, 20, 14)),                                                         # session 0 min
    _event(datetime(2026, 2, 25, 8)), _event(datetime(2026, 2, 25, 8, 20)),                    # session 20 min
    # The last 14 days: active on 03-05 (as an anonymous id aliased to j1) and 03-10.
    _event(datetime(2026, 3, 5, 11), "AI Suggestion Used", user=None, anonymous="anon-j"),     # session 0 min
    _event(datetime(2026, 3, 10, 15)), _event(datetime(2026, 3, 10, 15, 15)),                  # session 15 min
    _event(datetime(2026, 3, 14, 9), "Email Opened"),                                          # not qualifying
]
INVITATIONS = [
    {"invitation_id": "i1", "inviter_id": "j1", "sent_at": datetime(2026, 2, 3, 10),         # after 48 h
     "accepted_at": datetime(2026, 2, 5), "activated_at": datetime(2026, 2, 7)},
    {"invitation_id": "i2", "inviter_id": "j1", "sent_at": datetime(2026, 2, 20)},
    {"invitation_id": "i3", "inviter_id": "j1", "sent_at": datetime(2026, 3, 16)},           # after D
]
COLLABORATIONS = [
    {"collaboration_id": cid, "client_id": client, "vendor_id": vendor, "partner_id": partner, "started_at": at}
    for cid, client, vendor, partner, at in [
        ("c1", "w1", "j1", "x", datetime(2026, 2, 10)),    # j1 as vendor
        ("c2", "w2", "y", "j1", datetime(2026, 3, 1)),     # j1 as partner
        ("c3", "w3", "y", "x", datetime(2026, 3, 1)),      # not j1's
        ("c4", "w4", "j1", "x", datetime(2026, 3, 20)),    # after D
    ]
]
SUBSCRIPTIONS = [
    {"change_id": change, "subscription_id": sub, "customer_id": customer, "plan": "pro", "status": status,
     "amount_minor": 4900, "currency": "GBP", "interval_months": 1, "effective_at": at, "period_end": period_end,
     "recorded_at": at}
    for change, sub, customer, status, at, period_end in [
        ("s1a", "s1", "j1", "active", datetime(2026, 2, 1), None),
        ("s1b", "s1", "j1", "past_due", datetime(2026, 3, 12), None),
        ("s2a", "s2", "j2", "trialing", datetime(2026, 3, 14), datetime(2026, 3, 20)),
    ]
]
TICKETS = [
    {"ticket_id": "t1", "user_id": "j1", "opened_at": datetime(2026, 3, 1)},                                   # open
    {"ticket_id": "t2", "user_id": "j1", "opened_at": datetime(2026, 3, 2), "resolved_at": datetime(2026, 3, 3)},
    {"ticket_id": "t3", "user_id": "j1", "opened_at": datetime(2026, 3, 10), "resolved_at": datetime(2026, 3, 16)},
]


@pytest.fixture
def loaded(northstar: Northstar) -> Northstar:
    northstar.write({"users": USERS, "events": EVENTS, "invitations": INVITATIONS, "collaborations": COLLABORATIONS,
                     "subscription_history": SUBSCRIPTIONS, "support_tickets": TICKETS,
                     "user_aliases": [{"alias_id": "anon-j", "user_id": "j1", "created_at": datetime(2026, 3, 5)}]},
                    source="test")
    return northstar


@pytest.fixture
def service(loaded: Northstar) -> MetricsService:
    return MetricsService(loaded.store, loaded.settings)


def factors(analysis: Analysis) -> dict[str, tuple[object, object]]:
    return {factor.factor: (factor.value, factor.points) for factor in analysis.factors}


def test_time_to_first_value_and_onboarding_progress(service: MetricsService) -> None:
    journey = user_journey(service, "j1", D)
    assert (journey.user_type, journey.signup_at) == ("supplier", datetime(2026, 2, 1, 10))
    # First client 2 h, form 30 h, invitation 48 h after signup: first value after 2 h.
    assert journey.time_to_first_value.value == 2
    assert factors(journey.time_to_first_value) == {
        "Form Created": (30, None), "invitation_sent": (48, None), "Client Imported": (2, None)}
    # fast_activation missed (30 h > 24 h), viral_activation made (48 h <= 72 h), onboarding_complete made: 2/3.
    assert journey.onboarding.value == Decimal(2) / Decimal(3)
    assert factors(journey.onboarding) == {
        "fast_activation": (30, 0), "viral_activation": (48, 1), "onboarding_complete": (2, 1)}


def test_engagement_score(service: MetricsService) -> None:
    journey = user_journey(service, "j1", D)
    # Last active 03-10 (the Email Opened of 03-14 does not count): 5 days -> 30 - 5 = 25.
    # Active days in 02-14..03-15: 02-16, 02-18, 02-20, 02-25, 03-05, 03-10 = 6 -> 6.
    # Sessions 10, 0, 0, 20, 0, 15 min: 6 -> 6; mean 45 / 6 = 7.5 min -> 3.75.
    # Features: forms, journey_builder, ai_features of 4 declared -> 3/4 x 20 = 15.
    assert factors(journey.engagement) == {
        "recency": (5, 25), "frequency": (6, 6), "sessions": (6, 6),
        "session_duration": (Decimal("7.5"), Decimal("3.75")), "feature_breadth": (3, 15)}
    assert journey.engagement.value == Decimal("55.75")   # 25 + 6 + 6 + 3.75 + 15


def test_viral_actions(service: MetricsService) -> None:
    journey = user_journey(service, "j1", D)
    # i1, i2 sent by D (i3 after); i1 accepted and activated; collaborations c1 (vendor), c2 (partner).
    assert journey.viral_actions.value == 2
    assert factors(journey.viral_actions) == {
        "invitations_sent": (2, None), "invitations_accepted": (1, None), "invitations_activated": (1, None),
        "collaborations": (2, None)}


def test_churn_risk_score(service: MetricsService) -> None:
    journey = user_journey(service, "j1", D)
    # Inactivity 5 days -> 0. Decline: 2 active days (03-05, 03-10) against 4 -> 20 x 2 / 4 = 10.
    # Subscription past_due since 03-12 -> 20. Tickets open at the end of D: t1, t3 -> 10.
    assert factors(journey.churn_risk) == {
        "inactivity": (5, 0), "activity_decline": (-2, 10), "subscription": ("past_due", 20),
        "unresolved_tickets": (2, 10)}
    assert journey.churn_risk.value == 40


def test_a_new_user_without_activity(service: MetricsService) -> None:
    journey = user_journey(service, "j2", D)
    # Nothing done yet: no first value, no milestone, engagement 0; churn: never active 40 + trial ending
    # 03-20 (before 03-16 + 7 days) 10 = 50.
    assert journey.time_to_first_value.value is None
    assert journey.onboarding.value == 0
    assert journey.engagement.value == 0
    assert factors(journey.churn_risk)["subscription"] == ("trial_ending", 10)
    assert journey.churn_risk.value == 50


def test_unknown_users_are_invalid_input(service: MetricsService) -> None:
    with pytest.raises(InvalidInput) as raised:
        user_journey(service, "nobody", D)
    assert raised.value.field == "user_id"
    with pytest.raises(InvalidInput):
        user_journey(service, "late", D)   # signs up after D


@pytest.fixture
def users_api(loaded: Northstar) -> Iterator[str]:
    """A real uvicorn server running an app with only the users router, over ``loaded``."""
    app = FastAPI()
    app.state.northstar = loaded
    app.include_router(users.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


def test_journey_route(users_api: str) -> None:
    response = httpx.get(f"{users_api}/api/v1/users/j1/journey", params={"date": "2026-03-15"})
    assert response.status_code == 200
    body = response.json()
    assert (body["user_id"], body["date"], body["signup_at"]) == ("j1", "2026-03-15", "2026-02-01T10:00:00")
    assert (body["time_to_first_value"]["value"], body["engagement"]["value"], body["churn_risk"]["value"]) == (
        2, 55.75, 40)
    assert body["churn_risk"]["factors"][2] == {
        "factor": "subscription", "value": "past_due", "unit": "status", "points": 20, "weight": 30,
        "explanation": "latest subscription state past_due; canceled 30, past_due 20, trial ending within 7 days 10, "
                       "else 0"}
    assert httpx.get(f"{users_api}/api/v1/users/nobody/journey", params={"date": "2026-03-15"}).status_code == 404
    assert httpx.get(f"{users_api}/api/v1/users/j1/journey", params={"date": "15/03/2026"}).status_code == 422
