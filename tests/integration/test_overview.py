"""The overview API and page through a real uvicorn server, on both backends, against values
worked out by hand from one small fixture (seed 000's MetricsOverview)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from northstar.app import Northstar

# D = 2026-03-15, timeframe 7d: 03-09..03-15 (UTC).
SUBSCRIPTIONS = [
    {"change_id": f"{sub}-1", "subscription_id": sub, "customer_id": customer, "plan": "pro", "status": "active",
     "amount_minor": amount, "currency": "GBP", "interval_months": interval, "effective_at": start,
     "recorded_at": start}
    for sub, customer, amount, interval, start in [
        ("monthly", "c1", 4900, 1, datetime(2026, 2, 20)),    # £49/month from 02-20
        ("annual", "s1", 49000, 12, datetime(2026, 2, 1)),    # £490/year from 02-01
    ]
]
# MRR(D) = 4900 + 49000/12 = 107800/12 = 8983.33 p → £89.83; MRR(02-15) = 49000/12 (annual only);
# growth = (107800 − 49000) / 49000 = 1.2; paid users: c1, s1 = 2; no trial ended → undefined.
USERS = [
    {"user_id": user, "user_type": kind, "created_at": signup, "first_seen_at": signup}
    for user, kind, signup in [("s1", "supplier", datetime(2026, 3, 10)), ("c1", "couple", datetime(2026, 1, 1))]
]
EVENTS = [
    {"message_id": message, "type": kind, "event": event, "user_id": user, "timestamp": at, "received_at": at}
    for message, kind, event, user, at in [
        ("e1", "page", None, "s1", datetime(2026, 3, 15, 10, 0)),
        ("e2", "track", "Form Created", "s1", datetime(2026, 3, 15, 10, 10)),   # s1: one 10-minute session
        ("e3", "page", None, "c1", datetime(2026, 3, 12, 9, 0)),                # c1: one 0-minute session
    ]
]
# dau_rate = s1 / (s1, c1) = 0.5; wau_rate = 2/2 = 1; sessions (10 + 0) / 2 = 5 min; forms 1/2 = 0.5.
INVITATIONS = [
    {"invitation_id": "i1", "inviter_id": "s1", "sent_at": datetime(2026, 3, 10, 6),
     "accepted_at": datetime(2026, 3, 11)},
    {"invitation_id": "i2", "inviter_id": "s1", "sent_at": datetime(2026, 3, 11)},
]
# k = (2 sent / 1 inviter) × (1 accepted / 2 sent) = 1; conversion 0.5; first invite 6 h after signup.
SAMPLES = [
    {"sample_id": sample, "kind": kind, "recorded_at": datetime(2026, 3, 14), "duration_ms": duration, "ok": ok}
    for sample, kind, duration, ok in [
        ("p1", "page_load", 1500.0, True), ("p2", "page_load", 2500.0, True), ("u1", "uptime_check", None, True),
        ("a1", "api_request", None, True), ("a2", "api_request", None, True), ("a3", "api_request", None, False),
        ("a4", "api_request", None, True),
    ]
]
# page load (1500 + 2500) / 2 = 2000 ms; uptime 1/1 = 1; error rate 1/4 = 0.25.


@pytest.fixture
def loaded(northstar: Northstar) -> Northstar:
    northstar.write({"subscription_history": SUBSCRIPTIONS, "users": USERS, "events": EVENTS,
                     "invitations": INVITATIONS, "performance_samples": SAMPLES}, source="test")
    return northstar


def test_overview_returns_the_hand_worked_values(loaded: Northstar, live_server) -> None:
    response = httpx.get(f"{live_server.url}/api/v1/metrics/overview", params={"timeframe": "7d", "date": "2026-03-15"})
    assert response.status_code == 200
    body = response.json()
    assert (body["date"], body["timeframe"], body["window_start"], body["window_end"]) == (
        "2026-03-15", "7d", "2026-03-09", "2026-03-16")
    assert body["current_mrr"] == {"minor": 8983, "currency": "GBP", "display": "£89.83"}
    assert body["mrr_growth_rate"] == 1.2
    assert (body["total_users"], body["paid_users"]) == (2, 2)
    assert body["trial_conversion"] is None
    assert body["metrics"]["trial_conversion"]["reason"] == "undefined: no trial ended in the window"
    assert (body["k_factor"], body["avg_invites_per_user"], body["invitation_conversion_rate"]) == (1, 2, 0.5)
    assert body["time_to_first_invite_avg"] == 6
    assert (body["dau_rate"], body["wau_rate"], body["avg_session_duration"]) == (0.5, 1, 5)
    assert body["feature_adoption_rates"] == {"forms": 0.5, "journey_builder": 0, "ai_features": 0, "marketplace": 0}
    assert (body["avg_page_load_time"], body["uptime_percentage"], body["error_rate"]) == (2000, 1, 0.25)
    assert body["targets"] == {
        "mrr_target": {"minor": 5_000_000, "currency": "GBP", "display": "£50,000.00"},
        "k_factor_target": 1.5, "churn_target": 0.05, "conversion_target": 0.25,
    }
    assert body["alert_count"] == 0
    mrr = body["metrics"]["current_mrr"]
    assert (mrr["label"], mrr["unit"], mrr["value"], mrr["display"], mrr["zone"]) == ("MRR", "money", 8983, "£89.83",
                                                                                     "red")
    assert body["metrics"]["k_factor"]["zone"] == "yellow"                        # 1.0 ≥ yellow 1.0, < green 1.5
    assert body["metrics"]["feature_adoption_rates.forms"]["display"] == "50.0%"


def test_overview_of_an_empty_store_says_what_to_import(live_server) -> None:
    body = httpx.get(f"{live_server.url}/api/v1/metrics/overview").json()
    assert body["date"] == datetime.now(UTC).date().isoformat()                   # default: today (UTC)
    assert body["timeframe"] == "30d"
    assert body["current_mrr"] is None
    reason = body["metrics"]["current_mrr"]["reason"]
    assert reason == "no_data: import subscriptions (northstar import subscriptions FILE)"
    assert body["total_users"] is None


def test_bad_input_and_unknown_metrics(live_server) -> None:
    bad = httpx.get(f"{live_server.url}/api/v1/metrics/overview", params={"timeframe": "8d"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "timeframe"]
    for day in ("15/03/2026", "0001-01-01"):   # not a date; a day whose year-long window is not representable
        assert httpx.get(f"{live_server.url}/api/v1/metrics/overview", params={"date": day}).status_code == 422
    assert httpx.get(f"{live_server.url}/api/v1/metrics/happiness").status_code == 404


def test_one_metric_and_the_catalog(loaded: Northstar, live_server) -> None:
    k = httpx.get(f"{live_server.url}/api/v1/metrics/k_factor", params={"timeframe": "7d", "date": "2026-03-15"}).json()
    assert (k["name"], k["value"], k["display"], k["target"]) == ("k_factor", 1, "1.00", 1.5)
    catalog = httpx.get(f"{live_server.url}/api/v1/metrics").json()
    by_name = {entry["name"]: entry for entry in catalog}
    assert by_name["mrr"]["target"] == 5_000_000 and by_name["mrr"]["unit"] == "money"
    assert by_name["k_factor"]["source"] == "METRICS.md § Viral (invitations and the network)"


def test_the_page_shows_the_overview_cards(loaded: Northstar, live_server) -> None:
    page = httpx.get(f"{live_server.url}/", params={"timeframe": "7d", "date": "2026-03-15"}, timeout=120)
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert 'aria-current="page">7 days</a>' in html
    for text in ("MRR", "£89.83", "Target £50,000.00", "off target", "K-factor", "1.00", "near target", "50.0%",
                 "5.0 min", "2,000 ms", "Not defined", "No paying customers 12 months earlier"):
        assert text in html, text
    assert httpx.get(f"{live_server.url}/static/northstar.css").headers["content-type"].startswith("text/css")


def test_the_page_of_an_empty_store_says_no_data_and_what_to_import(live_server) -> None:
    html = httpx.get(f"{live_server.url}/", params={"timeframe": "90d"}, timeout=120).text
    assert "No data" in html
    assert "Import subscriptions (northstar import subscriptions FILE)" in html
    assert 'aria-current="page">90 days</a>' in html


def test_schemathesis_finds_no_server_error_or_undocumented_answer(loaded: Northstar, live_server) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    for path in ["/api/v1/metrics", "/api/v1/metrics/overview", "/api/v1/metrics/{name}"]:

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=schema[path]["GET"].as_strategy())
        def check(case) -> None:
            case.call_and_validate()

        check()
