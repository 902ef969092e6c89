"""The metrics routes of issue § 3-4 through a real uvicorn server, on both backends: one metric with
filters, series, explain, engagement, cohorts, snapshots and the executive metrics, with 404/422
answers naming what is wrong and every route in the OpenAPI document."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from northstar.app import Northstar
from northstar.metrics import snapshot
from northstar.metrics.service import service_for

USERS = [
    {"user_id": user, "user_type": kind, "plan": plan, "created_at": at, "first_seen_at": at}
    for user, kind, plan, at in [("s1", "supplier", "pro", datetime(2026, 3, 2, 8)),
                                 ("s2", "supplier", "free", datetime(2026, 3, 4, 8)),
                                 ("c1", "couple", None, datetime(2026, 3, 10, 8))]
]
PAGES = [("s1", datetime(2026, 3, 10, 9), "desktop"), ("s1", datetime(2026, 3, 10, 9, 20), "desktop"),
         ("s2", datetime(2026, 3, 10, 12), "mobile"), ("c1", datetime(2026, 3, 10, 20), "mobile"),
         ("s1", datetime(2026, 3, 4, 9), "desktop")]
EVENTS = [{"message_id": f"e{index}", "type": "page", "user_id": user, "timestamp": at, "received_at": at,
           "device_type": device} for index, (user, at, device) in enumerate(PAGES)]
SUBSCRIPTIONS = [{"change_id": "x1", "subscription_id": "sub1", "customer_id": "s1", "plan": "pro", "status": "active",
                  "amount_minor": 4900, "currency": "GBP", "interval_months": 1, "effective_at": datetime(2026, 3, 3),
                  "recorded_at": datetime(2026, 3, 3)}]


@pytest.fixture
def url(northstar: Northstar, live_server) -> str:
    northstar.write({"users": USERS, "events": EVENTS, "subscription_history": SUBSCRIPTIONS}, source="test")
    return f"{live_server.url}/api/v1/metrics"


def _loc(response: httpx.Response) -> list[object]:
    assert response.status_code == 422, response.text
    return [entry["loc"] for entry in response.json()["detail"]]


def test_one_metric_with_filters(url: str) -> None:
    everyone = httpx.get(f"{url}/dau", params={"date": "2026-03-10"}).json()
    suppliers = httpx.get(f"{url}/dau", params={"date": "2026-03-10", "user_type": "supplier"}).json()
    pro = httpx.get(f"{url}/dau", params={"date": "2026-03-10", "user_type": "supplier", "plan": "pro"}).json()
    assert (everyone["value"], suppliers["value"], pro["value"]) == (3, 2, 1)
    mrr = httpx.get(f"{url}/mrr", params={"date": "2026-03-10"}).json()
    assert mrr["money"] == {"minor": 4900, "currency": "GBP", "display": "£49.00"}
    assert httpx.get(f"{url}/happiness").status_code == 404
    assert "happiness" in httpx.get(f"{url}/happiness").json()["detail"]
    assert _loc(httpx.get(f"{url}/uptime_percentage", params={"user_type": "supplier"})) == [["query", "filters"]]
    assert _loc(httpx.get(f"{url}/dau", params={"timeframe": "2d"})) == [["query", "timeframe"]]


def test_series_route(url: str) -> None:
    body = httpx.get(f"{url}/dau/series", params={"start": "2026-03-09", "end": "2026-03-11"}).json()
    (line,) = body["lines"]
    assert [(point["date"], point["value"]) for point in line["points"]] == [
        ("2026-03-09", 0), ("2026-03-10", 3), ("2026-03-11", 0)]
    split = httpx.get(f"{url}/dau/series", params={"start": "2026-03-10", "end": "2026-03-10",
                                                   "breakdown": "user_type"}).json()
    assert [(line["key"], line["points"][0]["value"]) for line in split["lines"]] == [("couple", 1), ("supplier", 2)]
    weekly = httpx.get(f"{url}/new_signups/series", params={"start": "2026-03-01", "end": "2026-03-15",
                                                            "grain": "week"}).json()
    # Sun 03-01 alone; 03-02..03-08: s1, s2; 03-09..03-15: c1.
    assert [point["value"] for point in weekly["lines"][0]["points"]] == [0, 2, 1]
    money = httpx.get(f"{url}/mrr/series", params={"start": "2026-03-02", "end": "2026-03-03"}).json()
    # The subscription starts on 03-03: MRR 0 at the end of 03-02 (a value, not null).
    assert [point["money"] for point in money["lines"][0]["points"]] == [
        {"minor": 0, "currency": "GBP", "display": "£0.00"}, {"minor": 4900, "currency": "GBP", "display": "£49.00"}]
    assert [point["value"] for point in money["lines"][0]["points"]] == [0, 4900]
    by_plan = httpx.get(f"{url}/mrr/series", params={"start": "2026-03-03", "end": "2026-03-03",
                                                     "breakdown": "plan"}).json()
    assert [(line["key"], line["points"][0]["money"]["minor"]) for line in by_plan["lines"]] == [("pro", 4900)]
    assert httpx.get(f"{url}/happiness/series", params={"start": "2026-03-01", "end": "2026-03-02"}).status_code == 404
    assert _loc(httpx.get(f"{url}/dau/series", params={"start": "2026-03-02", "end": "2026-03-01"})) == [
        ["query", "end"]]
    assert _loc(httpx.get(f"{url}/dau/series", params={"start": "2026-03-01", "end": "2026-03-02",
                                                       "grain": "year"})) == [["query", "grain"]]
    assert _loc(httpx.get(f"{url}/dau/series", params={"start": "2026-03-01", "end": "2026-03-02",
                                                       "breakdown": "colour"})) == [["query", "breakdown"]]
    assert _loc(httpx.get(f"{url}/dau/series", params={"end": "2026-03-02"})) == [["query", "start"]]


def test_explain_route(url: str, northstar: Northstar) -> None:
    body = httpx.get(f"{url}/dau/explain", params={"date": "2026-03-10", "timeframe": "7d",
                                                   "user_type": "supplier"}).json()
    assert body["filters"] == {"user_type": "supplier"}
    assert body["sql"].startswith(f"-- dau on 2026-03-10 over 7d ({northstar.store.dialect}), user_type = 'supplier'")
    assert "SELECT" in body["sql"] and '"events"' in body["sql"] and "'supplier'" in body["sql"]
    assert httpx.get(f"{url}/happiness/explain").status_code == 404


def test_engagement_route(url: str) -> None:
    body = httpx.get(f"{url}/engagement", params={"date": "2026-03-10", "timeframe": "7d"}).json()
    assert (body["dau"], body["wau"], body["mau"]) == (3, 3, 3)
    assert body["stickiness"] == 1
    # Sessions started 03-04..03-10: s1 03-04 (0 min), s1 03-10 (20 min), s2 (0), c1 (0): 5 min, 4/3 per user.
    assert body["avg_session_duration"] == 5
    assert body["sessions_per_user"] == pytest.approx(4 / 3)
    suppliers = httpx.get(f"{url}/engagement", params={"date": "2026-03-10", "segment": "supplier"}).json()
    assert (suppliers["filters"], suppliers["dau"], suppliers["dau_rate"]) == ({"user_type": "supplier"}, 2, 1)
    pro = httpx.get(f"{url}/engagement", params={"date": "2026-03-10", "segment": "plan=pro"}).json()
    assert (pro["filters"], pro["dau"]) == ({"plan": "pro"}, 1)
    assert _loc(httpx.get(f"{url}/engagement", params={"segment": "colour=blue"})) == [["query", "segment"]]


def test_cohorts_route(url: str) -> None:
    body = httpx.get(f"{url}/cohorts", params={"date": "2026-03-10", "user_type": "supplier"}).json()
    (march,) = body["cohorts"]
    assert (march["cohort_start"], march["user_type"], march["cohort_size"], march["retained"]) == (
        "2026-03-01", "supplier", 2, [2])
    assert march["revenue"] == [{"minor": 4900, "currency": "GBP", "display": "£49.00"}]
    assert _loc(httpx.get(f"{url}/cohorts", params={"grain": "year"})) == [["query", "grain"]]
    # A NUL in a filter value is refused by name (it once reached the SQL text and broke the query).
    assert _loc(httpx.get(f"{url}/cohorts", params={"user_type": "supplier\x00"})) == [["query", "user_type"]]
    assert _loc(httpx.get(f"{url}/dau", params={"user_type": "\x00"})) == [["query", "filters"]]


def test_snapshots_route(url: str, northstar: Northstar) -> None:
    service = service_for(northstar)
    snapshot.refresh(service, days=[service.today()])
    today = service.today().isoformat()
    body = httpx.get(f"{url}/snapshots", params={"start": "2026-01-01", "end": today}).json()
    (row,) = body["days"]
    assert row["date"] == today
    assert row["values"]["total_users"] == 3
    assert row["values"]["mrr"] == {"minor": 4900, "currency": "GBP", "display": "£49.00"}
    assert body["metrics"][0] == "mrr"
    assert _loc(httpx.get(f"{url}/snapshots", params={"start": today, "end": "2026-01-01"})) == [["query", "end"]]


def test_executive_route(url: str, live_server) -> None:
    body = httpx.get(f"{live_server.url}/api/metrics/executive", params={"date": "2026-03-10"}).json()
    assert body["date"] == "2026-03-10"
    assert body["revenue"]["mrr"] == {"minor": 4900, "currency": "GBP", "display": "£49.00"}
    assert body["users"]["totalSuppliers"] == 2


def test_viral_coefficient_route(url: str, northstar: Northstar) -> None:
    northstar.write({"invitations": [
        {"invitation_id": "i1", "inviter_id": "s1", "inviter_type": "supplier", "sent_at": datetime(2026, 3, 5),
         "accepted_at": datetime(2026, 3, 6)},
        {"invitation_id": "i2", "inviter_id": "s1", "inviter_type": "supplier", "sent_at": datetime(2026, 3, 6)}]},
        source="test")
    body = httpx.get(f"{url}/viral-coefficient", params={"date": "2026-03-10", "period": "7d"}).json()
    # (2 sent / 1 inviter) x (1 accepted / 2 sent) = 1.
    assert (body["date"], body["timeframe"], body["k_factor"]) == ("2026-03-10", "7d", 1)
    assert body["supplier_metrics"]["avg_invites_per_supplier"] == 2
    assert _loc(httpx.get(f"{url}/viral-coefficient", params={"period": "2d"})) == [["query", "period"]]


def test_every_route_is_documented_with_its_errors(url: str, live_server) -> None:
    paths = httpx.get(f"{live_server.url}/openapi.json").json()["paths"]
    for path in ("overview", "engagement", "cohorts", "viral-coefficient", "snapshots", "{name}", "{name}/series",
                 "{name}/explain"):
        operation = paths[f"/api/v1/metrics/{path}"]["get"]
        assert "422" in operation["responses"], path
    for path in ("{name}", "{name}/series", "{name}/explain"):
        assert "404" in paths[f"/api/v1/metrics/{path}"]["get"]["responses"], path
    assert "/api/metrics/executive" in paths
