"""Users and engagement metrics on both backends, against values worked out by hand
(METRICS.md § Users, § Engagement, "Active", "Sessions")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from itertools import count

import pytest

from northstar.app import Northstar
from northstar.metrics.service import MetricsService

D = date(2026, 3, 15)  # reporting day, UTC; 7d = 03-09..03-15, 30d = 02-14..03-15
_ids = count()


def _user(user_id: str, user_type: str, created: datetime | None, first_seen: datetime,
          deleted: datetime | None = None) -> dict[str, object]:
    return {"user_id": user_id, "user_type": user_type, "created_at": created, "first_seen_at": first_seen,
            "deleted_at": deleted}


USERS = [
    _user("s1", "supplier", datetime(2026, 1, 1), datetime(2026, 1, 1)),
    _user("s2", "supplier", datetime(2026, 3, 10), datetime(2026, 3, 1)),   # signup = created_at, 03-10
    _user("s3", "supplier", datetime(2026, 1, 1), datetime(2026, 1, 1), deleted=datetime(2026, 3, 1)),
    _user("c1", "couple", None, datetime(2026, 2, 1)),                      # signup = first_seen_at
    _user("c2", "couple", datetime(2026, 3, 16), datetime(2026, 3, 16)),    # signs up after D
    _user("x1", "planner", datetime(2026, 1, 1), datetime(2026, 1, 1)),
]


def _event(at: datetime, *, user: str | None = None, anonymous: str | None = None, event: str | None = None,
           kind: str = "track", session: str | None = None) -> dict[str, object]:
    return {"message_id": f"m{next(_ids)}", "type": kind, "event": event, "user_id": user, "anonymous_id": anonymous,
            "timestamp": at, "received_at": at, "session_id": session}


EVENTS = [
    # s1 on D: 10:00 and 10:20 (gap 20 min) are one session; 10:50 (gap exactly 30 min) opens a second one,
    # which 11:05 (gap 15 min) continues. Sessions 20 min and 15 min.
    _event(datetime(2026, 3, 15, 10, 0), user="s1", event="Form Created"),
    _event(datetime(2026, 3, 15, 10, 20), user="s1", kind="page"),
    _event(datetime(2026, 3, 15, 10, 50), user="s1", event="Journey Created"),
    _event(datetime(2026, 3, 15, 11, 5), user="s1", kind="screen"),
    # s2: only a non-qualifying email event and an identify call on D (not active on D); a page on 03-12.
    _event(datetime(2026, 3, 15, 9, 0), user="s2", event="Email Opened"),
    _event(datetime(2026, 3, 15, 9, 30), user="s2", kind="identify"),
    _event(datetime(2026, 3, 12, 8, 0), user="s2", kind="page"),
    # s2: a session that starts on 03-08 at 23:50 and goes on past midnight: it started before the 7d window.
    _event(datetime(2026, 3, 8, 23, 50), user="s2", kind="page"),
    _event(datetime(2026, 3, 9, 0, 10), user="s2", kind="page"),
    # c1: an AI feature on 02-20; on 03-14 as anonymous a1, later aliased to c1.
    _event(datetime(2026, 2, 20, 12, 0), user="c1", event="AI Suggestion Used"),
    _event(datetime(2026, 3, 14, 18, 0), anonymous="a1", kind="page"),
    # a2: an anonymous visitor on D, never identified (active, not registered).
    _event(datetime(2026, 3, 15, 13, 0), anonymous="a2", kind="page"),
    # x1: a form on 02-16; on 03-13 an explicit session "sx" whose events are 75 minutes apart.
    _event(datetime(2026, 2, 16, 9, 0), user="x1", event="Form Submitted"),
    _event(datetime(2026, 3, 13, 9, 0), user="x1", kind="page", session="sx"),
    _event(datetime(2026, 3, 13, 10, 15), user="x1", kind="page", session="sx"),
]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "events": EVENTS,
                     "user_aliases": [{"alias_id": "a1", "user_id": "c1", "created_at": datetime(2026, 3, 14, 19)}]},
                    source="test")
    return MetricsService(northstar.store, northstar.settings)


def value(service: MetricsService, name: str, timeframe: str = "7d", **filters: str) -> object:
    return service.compute(name, D, timeframe, filters).value


def test_registered_users(service: MetricsService) -> None:
    # Registered by the end of D, not deleted: s1, s2, c1, x1 (s3 deleted 03-01, c2 signs up 03-16).
    assert value(service, "total_users") == 4
    assert value(service, "total_suppliers") == 2
    assert value(service, "total_couples") == 1
    assert value(service, "total_users", user_type="supplier") == 2
    # Signed up in 03-09..03-15: s2 (created_at wins over first_seen_at). 30d 02-14..03-15: still s2 only
    # (c1 signed up 02-01). 90d from 2025-12-16: s1, s2, c1, x1.
    assert value(service, "new_signups", "7d") == 1
    assert value(service, "new_signups", "30d") == 1
    assert value(service, "new_signups", "90d") == 4


def test_active_users_exclude_non_qualifying_events_and_follow_aliases(service: MetricsService) -> None:
    # On D: s1 and the anonymous a2 (s2's email and identify do not count).
    assert value(service, "dau") == 2
    # 03-09..03-15: s1, s2 (03-09 and 03-12), c1 (as a1 on 03-14), a2, x1 (03-13).
    assert value(service, "wau") == 5
    # 02-14..03-15: the same five (c1 and x1 again on 02-20 and 02-16).
    assert value(service, "mau") == 5
    assert value(service, "stickiness") == Decimal(2) / Decimal(5)
    # Registered active suppliers in the 30 days: s1, s2; couples: c1.
    assert value(service, "active_suppliers") == 2
    assert value(service, "active_couples") == 1


def test_active_rates_are_registered_active_over_registered(service: MetricsService) -> None:
    # dau_rate: registered users active on D (s1) / registered users (s1, s2, c1, x1) = 1/4.
    assert value(service, "dau_rate") == Decimal("0.25")
    # wau_rate: s1, s2, c1, x1 active in the 7 days / 4 = 1 (a2 is not registered).
    assert value(service, "wau_rate") == 1
    assert value(service, "supplier_dau_rate") == Decimal("0.5")   # s1 / (s1, s2)
    assert value(service, "supplier_wau_rate") == 1                # (s1, s2) / (s1, s2)
    assert value(service, "couple_wau_rate") == 1                  # c1 / c1


def test_sessions_cut_at_the_gap_or_by_explicit_session_id(service: MetricsService) -> None:
    # Sessions starting in 03-09..03-15: s1 20 min and 15 min, s2 03-12 0 min, c1 (a1) 0, a2 0,
    # x1 "sx" 75 min (one explicit session despite the 75-minute gap); s2's session of 03-08 23:50 started
    # before the window. 6 sessions, 110 minutes: mean 110/6 min; 6 sessions over 5 users.
    assert value(service, "avg_session_duration_minutes") == Decimal(110) / Decimal(6)
    assert value(service, "sessions_per_user") == Decimal("1.2")
    result = service.compute("avg_session_duration_minutes", D, "7d")
    assert result.display == "18.3 min"


def test_feature_adoption_over_active_users(service: MetricsService) -> None:
    # 7d: active s1, s2, c1, a2, x1 = 5; forms: s1 (Form Created); journeys: s1; AI: nobody in the window.
    assert value(service, "forms_usage_rate") == Decimal("0.2")
    assert value(service, "journey_builder_adoption") == Decimal("0.2")
    assert value(service, "ai_features_usage") == 0
    assert value(service, "template_marketplace_purchases") == 0
    # 30d: the same 5 active; forms: s1, x1 (Form Submitted 02-16); AI: c1 (02-20).
    assert value(service, "forms_usage_rate", "30d") == Decimal("0.4")
    assert value(service, "ai_features_usage", "30d") == Decimal("0.2")


def test_feature_completion_rate_is_completions_over_uses(northstar: Northstar, service: MetricsService) -> None:
    extra = [
        _event(datetime(2026, 3, 15, 12, 0), user="s1", event="Form Completed"),
        _event(datetime(2026, 3, 14, 12, 0), user="s1", event="Journey Published"),
        {**_event(datetime(2026, 3, 13, 12, 0), user="x1", event="AI Suggestion Used"),
         "properties": {"success": True}},
    ]
    northstar.write({"events": extra}, source="test")
    fresh = MetricsService(northstar.store, northstar.settings)
    # 7d: forms Form Created + Form Completed (s1): 1 of 2; journeys Journey Created + Journey Published
    # (s1): 1 of 2; AI x1's use with success = true: 1 of 1; template marketplace: never used.
    assert value(fresh, "forms_completion_rate") == Decimal("0.5")
    assert value(fresh, "journey_builder_completion_rate") == Decimal("0.5")
    assert value(fresh, "ai_features_completion_rate") == 1
    unused = fresh.compute("template_marketplace_completion_rate", D, "7d")
    assert (unused.value, unused.reason) == (None, "undefined: no uses of the feature in the window")
    # Every feature together: 3 completions of 5 uses; suppliers only (s1): 2 of 4.
    assert value(fresh, "feature_completion_rate") == Decimal("0.6")
    assert value(fresh, "feature_completion_rate", user_type="supplier") == Decimal("0.5")
    # 30d adds x1's Form Submitted of 02-16 (a use, not a completion): forms 1 of 3.
    assert value(fresh, "forms_completion_rate", "30d") == Decimal(1) / Decimal(3)


def test_undefined_rates_are_none_with_a_reason(service: MetricsService) -> None:
    # Nobody was active in the 30 days ending 2026-01-10 (the first event is 02-16).
    early = date(2026, 1, 10)
    stickiness = service.compute("stickiness", early, "7d")
    assert (stickiness.value, stickiness.reason) == (None, "undefined: no active users in the 30 days ending D")
    sessions = service.compute("avg_session_duration_minutes", early, "7d")
    assert (sessions.value, sessions.reason) == (None, "undefined: no sessions started in the window")
    assert service.compute("dau", early, "7d").value == 0
    couples = service.compute("couple_wau_rate", date(2026, 1, 20), "7d")   # c1 signs up 02-01
    assert (couples.value, couples.reason) == (None, "undefined: no registered couple users at the end of D")
