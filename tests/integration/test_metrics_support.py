"""Support and satisfaction metrics on both backends, against values worked out by hand
(METRICS.md § Support and satisfaction)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from itertools import count

import pytest

from northstar.app import Northstar
from northstar.metrics.service import MetricsService

D = date(2026, 3, 15)  # 7d window: 2026-03-09 00:00 .. 2026-03-16 00:00 UTC
_ids = count()

USERS = [
    {"user_id": user_id, "user_type": user_type, "created_at": datetime(2026, 1, 1),
     "first_seen_at": datetime(2026, 1, 1)}
    for user_id, user_type in [("u1", "supplier"), ("u2", "couple")]
]


def _ticket(ticket: str, opened: datetime, response: datetime | None = None,
            resolved: datetime | None = None) -> dict[str, object]:
    return {"ticket_id": ticket, "user_id": "u1", "opened_at": opened, "first_response_at": response,
            "resolved_at": resolved}


TICKETS = [
    _ticket("t1", datetime(2026, 3, 10, 10), datetime(2026, 3, 10, 10, 30), datetime(2026, 3, 10, 14)),  # 30 min, 4 h
    _ticket("t2", datetime(2026, 3, 11, 9), datetime(2026, 3, 11, 9, 10), datetime(2026, 3, 12, 9)),     # 10 min, 24 h
    _ticket("t3", datetime(2026, 3, 12), datetime(2026, 3, 12, 0, 50)),                                  # 50 min, open
    _ticket("t4", datetime(2026, 3, 14)),                                                                # unanswered
    _ticket("t5", datetime(2026, 3, 15, 20), datetime(2026, 3, 16, 1), datetime(2026, 3, 16, 2)),        # after D
    _ticket("t6", datetime(2026, 3, 1), datetime(2026, 3, 1, 0, 10), datetime(2026, 3, 1, 1)),           # before
]


def _answer(survey: str, score: int, at: datetime, user: str = "u1") -> dict[str, object]:
    return {"response_id": f"r{next(_ids)}", "survey": survey, "user_id": user, "score": score, "responded_at": at}


IN_WINDOW = datetime(2026, 3, 12, 12)
ANSWERS = [
    _answer("csat", 5, IN_WINDOW), _answer("csat", 4, IN_WINDOW),
    _answer("csat", 2, IN_WINDOW, "u2"), _answer("csat", 5, IN_WINDOW, "u2"),
    _answer("csat", 7, IN_WINDOW),                          # outside 1–5: ignored
    _answer("csat", 1, datetime(2026, 3, 1)),               # before the window
    *(_answer("nps", score, IN_WINDOW) for score in (10, 9, 8, 7, 7, 6, 3, 0)),
    _answer("nps", 10, datetime(2026, 3, 1)),               # before the window
]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "support_tickets": TICKETS, "survey_responses": ANSWERS}, source="test")
    return MetricsService(northstar.store, northstar.settings)


def value(service: MetricsService, name: str, day: date = D, timeframe: str = "7d") -> object:
    return service.compute(name, day, timeframe).value


def test_response_and_resolution_times_leave_open_tickets_out(service: MetricsService) -> None:
    # Opened in the window: t1..t5. Answered by the end of D: t1 30, t2 10, t3 50 min → 90 / 3 = 30 min
    # (t4 unanswered, t5 answered after D). Resolved: t1 4 h, t2 24 h → 14 h.
    response = service.compute("avg_first_response_minutes", D, "7d")
    assert (response.value, response.display) == (30, "30.0 min")
    assert value(service, "avg_resolution_hours") == 14


def test_times_without_answered_tickets_are_undefined(service: MetricsService) -> None:
    unanswered = service.compute("avg_first_response_minutes", date(2026, 3, 14), "1d")   # t4 only
    assert (unanswered.value, unanswered.reason) == (
        None, "undefined: no ticket opened in the window has been answered yet (1 opened)")
    quiet = service.compute("avg_resolution_hours", date(2026, 2, 1), "7d")
    assert (quiet.value, quiet.reason) == (None, "undefined: no tickets opened in the window")


def test_csat_is_the_mean_rating(service: MetricsService) -> None:
    # (5 + 4 + 2 + 5) / 4 = 4; the 7 is out of range, the 1 before the window.
    assert value(service, "csat_score") == 4
    # Suppliers' answers only (u1): (5 + 4) / 2 = 4.5.
    assert service.compute("csat_score", D, "7d", {"user_type": "supplier"}).value == Decimal("4.5")


def test_nps_is_a_half_even_rounded_integer_and_can_be_negative(service: MetricsService) -> None:
    # 8 answers: promoters 10, 9 = 2; detractors 6, 3, 0 = 3; passives 8, 7, 7.
    # 100 × (2 − 3) / 8 = −12.5 → −12 (half-even; half away from zero would give −13).
    result = service.compute("nps_score", D, "7d")
    assert result.value == -12 and isinstance(result.value, int)
    none = service.compute("nps_score", date(2026, 2, 1), "7d")
    assert (none.value, none.reason) == (None, "undefined: no NPS answers in the window")
