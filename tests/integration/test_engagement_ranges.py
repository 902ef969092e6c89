"""Engagement metrics on many days at once equal their per-day values. Sessions
(``session_day_totals``) to the microsecond: a session seen from the end of a day holds only that
day's events so far, and an explicit session begun long before the range is not a session of the
range (METRICS.md, "Sessions"). Feature adoption and completion (``feature_user_days``,
``feature_completion_days``) over sliding windows (METRICS.md, "Engagement")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.results import Measurement, exact
from northstar.metrics.service import MetricsService
from tests.ranged import per_day, ranged

DAYS = [date(2026, 5, 1) + timedelta(days=offset) for offset in range(12)]
SESSION_METRICS = ("avg_session_duration_minutes", "sessions_per_user", "mobile_usage_rate")
FEATURE_METRICS = ("forms_usage_rate", "journey_builder_adoption", "ai_features_usage",
                   "template_marketplace_purchases", "forms_completion_rate", "journey_builder_completion_rate",
                   "feature_completion_rate")


def _event(message_id: str, user_id: str, at: datetime, session: str | None = None,
           device: str | None = None, event: str | None = None) -> dict[str, object]:
    return {"message_id": message_id, "type": "track" if event else "page", "event": event, "user_id": user_id,
            "timestamp": at, "received_at": at, "session_id": session, "device_type": device}


@pytest.fixture
def store(database: str, make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    """UTC reporting days; a 30-minute gap."""
    northstar = Northstar(make_settings(database=database))
    northstar.write({"events": [
        # u1, one gap session on 3 May: 10:00:00.250 → 10:00:00.750 (0.5 s), on a phone.
        _event("a1", "u1", datetime(2026, 5, 3, 10, 0, 0, 250_000), device="mobile"),
        _event("a2", "u1", datetime(2026, 5, 3, 10, 0, 0, 750_000)),
        # u1, a gap session across midnight: 4 May 23:50 → 5 May 00:10 (10 min on the 4th, 20 min from the 5th).
        _event("b1", "u1", datetime(2026, 5, 4, 23, 50)),
        _event("b2", "u1", datetime(2026, 5, 4, 23, 59, 59, 999_999)),
        _event("b3", "u1", datetime(2026, 5, 5, 0, 10), device="tablet"),
        # u2, explicit session "old" begun on 20 April, continued on 6 May: never a session of May.
        _event("c1", "u2", datetime(2026, 4, 20, 9), session="old"),
        _event("c2", "u2", datetime(2026, 5, 6, 9), session="old"),
        # u2, explicit session "new" over two days: 7 May 08:00 → 8 May 08:00:00.000001.
        _event("d1", "u2", datetime(2026, 5, 7, 8), session="new"),
        _event("d2", "u2", datetime(2026, 5, 8, 8, 0, 0, 1)),
        _event("d3", "u2", datetime(2026, 5, 8, 8, 0, 0, 1), session="new"),
        # u4: a non-qualifying event carries session "mail" on 20 April: the session begins on 7 May.
        _event("m1", "u4", datetime(2026, 4, 20, 9), session="mail", event="Email Delivered"),
        _event("m2", "u4", datetime(2026, 5, 7, 10), session="mail"),
        _event("m3", "u4", datetime(2026, 5, 7, 10, 5), session="mail"),
        # Features: u3 creates a form on 2 May and submits it on 9 May; u1 publishes a journey on 9 May.
        _event("f1", "u3", datetime(2026, 5, 2, 12), event="Form Created"),
        _event("f2", "u3", datetime(2026, 5, 9, 12), event="Form Submitted"),
        _event("f3", "u1", datetime(2026, 5, 9, 13), event="Journey Published"),
        _event("f4", "u3", datetime(2026, 5, 10, 12), event="Form Completed"),
    ]}, source="test")
    yield northstar
    northstar.close()


def _values(northstar: Northstar, name: str, length: int, by_range: bool) -> dict[date, Measurement]:
    return (ranged if by_range else per_day)(northstar, name, DAYS, length)


def test_range_equals_per_day(store: Northstar) -> None:
    for name in SESSION_METRICS + FEATURE_METRICS:
        for length in (1, 7, 30):
            assert _values(store, name, length, True) == _values(store, name, length, False), (name, length)


def test_durations_by_hand(store: Northstar) -> None:
    minutes = {day: measured.value for day, measured in _values(store, "avg_session_duration_minutes", 1, True).items()}
    assert minutes[date(2026, 5, 3)] == exact(Fraction(500_000, 60_000_000))       # 0.5 s
    # Seen from the end of 4 May the session holds 23:50 → 23:59:59.999999 only.
    assert minutes[date(2026, 5, 4)] == exact(Fraction(599_999_999, 60_000_000))
    assert minutes[date(2026, 5, 5)] is None                                        # no session began on the 5th
    assert minutes[date(2026, 5, 6)] is None                                        # "old" began in April
    # "new" so far: one event (0); u4's "mail": 5 min (its email of April does not qualify).
    assert minutes[date(2026, 5, 7)] == exact(Fraction(300_000_000, 2 * 60_000_000))
    week = _values(store, "avg_session_duration_minutes", 7, True)[date(2026, 5, 8)]
    # 2–8 May: 0.5 s, 20 min, 24 h + 1 µs, u4's "mail" (5 min), and two sessions of one event (u2's
    # untagged d2, u3's f1).
    total = 500_000 + 1_200_000_000 + 86_400_000_001 + 300_000_000
    assert week.value == exact(Fraction(total, 6 * 60_000_000))
    mobile = _values(store, "mobile_usage_rate", 7, True)[date(2026, 5, 8)]
    assert mobile.value == exact(Fraction(2, 6))                                   # a1's session and b3's
    per_user = _values(store, "sessions_per_user", 7, True)[date(2026, 5, 8)]
    assert per_user.value == exact(Fraction(6, 4))                                 # u1, u2, u3 and u4


def test_features_by_hand(store: Northstar) -> None:
    def value(name: str, length: int, day: date) -> object:
        return _values(store, name, length, True)[day].value

    # 3–9 May: active u1, u2, u3, u4; forms by u3 only (f2); a journey by u1.
    assert value("forms_usage_rate", 7, date(2026, 5, 9)) == Decimal("0.25")
    assert value("journey_builder_adoption", 7, date(2026, 5, 9)) == Decimal("0.25")
    assert value("ai_features_usage", 7, date(2026, 5, 9)) == 0
    assert value("forms_usage_rate", 1, date(2026, 5, 5)) == 0                    # u1's b3 only
    # Uses 2 May..10 May of forms: created (not a completion), submitted, completed: 1 of 3.
    assert value("forms_completion_rate", 30, date(2026, 5, 10)) == exact(Fraction(1, 3))
    assert value("forms_completion_rate", 1, date(2026, 5, 3)) is None            # no use that day
    # Every feature together on 9 May: the submission and the journey published (a completion).
    assert value("feature_completion_rate", 1, date(2026, 5, 9)) == Decimal("0.5")


def test_a_long_range_checks_earlier_sessions_in_the_query(store: Northstar) -> None:
    # Over more than 92 days the check of earlier data is part of the range's query (no id list).
    service = MetricsService(store.store, store.settings)
    days = [date(2026, 2, 1) + timedelta(days=offset) for offset in range(110)]
    for name in SESSION_METRICS:
        spec = service.registry.spec(name)
        ranged = service.measure_days(spec, days, 7, {}, snapshot=False)
        for day in (date(2026, 4, 20), date(2026, 5, 6), date(2026, 5, 8), date(2026, 5, 20)):
            assert ranged[day] == service.measure(spec, day, Window.ending_on(day, 7), {}, snapshot=False), (name, day)
    minutes = service.measure_days(service.registry.spec("avg_session_duration_minutes"), days, 7, {}, snapshot=False)
    # 30 April – 6 May: f1 (0), a (0.5 s), b (20 min, complete by then); "old" began in April.
    assert minutes[date(2026, 5, 6)].value == exact(Fraction(500_000 + 1_200_000_000, 3 * 60_000_000))
