"""Access control through a real uvicorn server on both backends: login, logout, password change,
read and write keys, and financial metrics hidden from roles below executive.

Fixture: two subscriptions (seed 000's overview test): MRR on 2026-03-15 = 4900 + 49000 / 12 =
8983.33 p, shown as £89.83; a viewer must never receive that figure.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest
from typer.testing import CliRunner

from northstar import audit
from northstar.app import Northstar
from northstar.auth.users import create_user
from northstar.config import Settings
from northstar.ingest.keys import create_key
from northstar.web.app import create_app
from northstar.web.auth import UnprotectedRoute, check_routes
from tests.conftest import LiveServer

PASSWORD = "correct horse battery"
DAY = "2026-03-15"
SUBSCRIPTIONS = [
    {"change_id": f"{sub}-1", "subscription_id": sub, "customer_id": customer, "plan": "pro", "status": "active",
     "amount_minor": amount, "currency": "GBP", "interval_months": interval, "effective_at": start,
     "recorded_at": start}
    for sub, customer, amount, interval, start in [
        ("monthly", "c1", 4900, 1, datetime(2026, 2, 20)),
        ("annual", "s1", 49000, 12, datetime(2026, 2, 1)),
    ]
]
ROLES = ("viewer", "analyst", "executive", "admin")


@pytest.fixture
def secured(database: str, make_settings: Callable[..., Settings]) -> Iterator[tuple[LiveServer, Northstar]]:
    """A server that requires login, with one user per role (``<role>@example.com``)."""
    northstar = Northstar(make_settings(database=database, auth={"anonymous_role": None}))
    northstar.write({"subscription_history": SUBSCRIPTIONS}, source="test")
    for role in ROLES:
        create_user(northstar.store, f"{role}@example.com", role, PASSWORD)
    server = LiveServer(northstar).start()
    yield server, northstar
    server.stop()
    northstar.close()


def csrf_token(client: httpx.Client, path: str = "/login") -> str:
    """The CSRF token a page carries (the hidden form field, else the meta tag; empty when none)."""
    page = client.get(path, follow_redirects=True).text
    found = re.search(r'name="csrf_token" value="([^"]*)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]*)"', page)
    return found.group(1) if found else ""


def login(client: httpx.Client, email: str, password: str = PASSWORD, next_path: str = "/") -> httpx.Response:
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "next": next_path,
                                       "csrf_token": token}, headers={"X-CSRF-Token": token})


def post_form(client: httpx.Client, path: str, data: dict[str, str], page: str) -> httpx.Response:
    token = csrf_token(client, page)
    return client.post(path, data={**data, "csrf_token": token}, headers={"X-CSRF-Token": token})


def test_without_credentials_pages_redirect_to_login_and_the_api_answers_401(secured) -> None:
    server, _ = secured
    with httpx.Client(base_url=server.url, timeout=120) as client:
        page = client.get("/?timeframe=7d", headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2F%3Ftimeframe%3D7d"
        api = client.get("/api/v1/metrics/overview")
        assert api.status_code == 401
        assert api.headers["www-authenticate"] == 'Bearer realm="northstar"'
        assert "sign in" in api.json()["detail"]
        assert client.get("/login").status_code == 200


def test_login_sets_a_hardened_cookie_and_logout_revokes_the_session(secured) -> None:
    server, _ = secured
    with httpx.Client(base_url=server.url, timeout=120) as client:
        answer = login(client, "Viewer@Example.com", next_path="/api/v1/metrics")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/api/v1/metrics"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("northstar_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie, "served over plain HTTP with cookie_secure=auto"
        assert client.get("/api/v1/metrics").status_code == 200
        [entry] = audit.entries(secured[1].store, action="login.success")
        assert (entry.actor, entry.target, entry.ip) == ("viewer@example.com", "viewer@example.com", "127.0.0.1")
        stolen = client.cookies["northstar_session"]
        assert post_form(client, "/logout", {}, "/account/password").status_code == 303
    with httpx.Client(base_url=server.url, cookies={"northstar_session": stolen}, timeout=120) as replay:
        assert replay.get("/api/v1/metrics").status_code == 401, "the session is revoked in the store"


def test_a_wrong_password_or_unknown_user_is_refused_the_same_way(secured) -> None:
    server, _ = secured
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for email, password in [("viewer@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)]:
            answer = login(client, email, password)
            assert answer.status_code == 401
            assert "Wrong email or password." in answer.text
            assert "northstar_session" not in answer.headers.get("set-cookie", "")
    failures = audit.entries(secured[1].store, action="login.failure", newest_first=False)
    assert [entry.target for entry in failures] == ["viewer@example.com", "nobody@example.com"]


def test_login_never_redirects_to_another_site(secured) -> None:
    server, _ = secured
    with httpx.Client(base_url=server.url, timeout=120) as client:
        assert login(client, "viewer@example.com", next_path="//evil.example/x").headers["location"] == "/"


def test_changing_the_password_signs_out_the_other_sessions(secured) -> None:
    server, _ = secured
    with (httpx.Client(base_url=server.url, timeout=120) as laptop,
          httpx.Client(base_url=server.url, timeout=120) as phone):
        login(laptop, "analyst@example.com")
        login(phone, "analyst@example.com")
        changed = post_form(laptop, "/account/password", {"current_password": PASSWORD, "password": "a new password!",
                                                          "password_confirm": "a new password!"}, "/account/password")
        assert changed.status_code == 200 and "Password changed" in changed.text
        assert laptop.get("/api/v1/metrics").status_code == 200
        assert phone.get("/api/v1/metrics").status_code == 401
        assert login(phone, "analyst@example.com").status_code == 401
        assert login(phone, "analyst@example.com", "a new password!").status_code == 303


def test_read_keys_carry_their_role_and_cannot_ingest(secured) -> None:
    server, northstar = secured
    viewer = create_key(northstar.store, "read", "board", role="viewer")
    executive = create_key(northstar.store, "read", "cfo", role="executive")
    with httpx.Client(base_url=server.url, timeout=120) as client:
        as_viewer = {"Authorization": f"Bearer {viewer}"}
        overview = client.get(f"/api/v1/metrics/overview?date={DAY}", headers=as_viewer).json()
        assert overview["current_mrr"] is None
        assert overview["metrics"]["current_mrr"]["reason"] == "restricted: needs the executive role"
        assert "8983" not in str(overview) and "89.83" not in str(overview)
        refused = client.get(f"/api/v1/metrics/mrr?date={DAY}", headers=as_viewer)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "metric mrr needs the executive role"
        assert client.get(f"/api/v1/metrics/mrr/series?start={DAY}&end={DAY}", headers=as_viewer).status_code == 403
        assert "mrr" not in {metric["name"] for metric in client.get("/api/v1/metrics", headers=as_viewer).json()}
        assert client.get("/api/v1/metrics/dau?date=2026-03-15", headers=as_viewer).status_code == 200
        assert client.get(f"/api/v1/metrics/dau/explain?date={DAY}", headers=as_viewer).status_code == 403

        as_executive = {"Authorization": f"Bearer {executive}"}
        mrr = client.get(f"/api/v1/metrics/mrr?date={DAY}", headers=as_executive).json()
        assert (mrr["value"], mrr["display"]) == (8983, "£89.83")
        [viewed] = audit.entries(northstar.store, action="metric.view_financial")
        assert (viewed.actor, viewed.target) == ("key:cfo", "mrr")

        event = {"type": "track", "event": "Form Created", "userId": "u1"}
        assert client.post("/v1/track", json=event, headers=as_viewer).status_code == 401
        assert client.post("/v1/track", json=event, auth=(viewer, "")).status_code == 401
        assert client.get("/api/v1/metrics", headers={"Authorization": "Bearer nsr_unknown"}).status_code == 401


def test_write_keys_only_ingest(secured) -> None:
    server, northstar = secured
    write = create_key(northstar.store, "write", "website")
    with httpx.Client(base_url=server.url, timeout=120) as client:
        basic = base64.b64encode(f"{write}:".encode()).decode()
        for headers in ({"Authorization": f"Bearer {write}"}, {"Authorization": f"Basic {basic}"}):
            refused = client.get("/api/v1/metrics", headers=headers)
            assert refused.status_code == 403
            assert refused.json()["detail"] == "write keys may only send data to the ingestion endpoints"
        event = {"type": "track", "event": "Form Created", "userId": "u1"}
        assert client.post("/v1/track", json=event, auth=(write, "")).json() == {"success": True}


@pytest.mark.parametrize(("role", "sees_revenue"), [("viewer", False), ("analyst", False), ("executive", True)])
def test_revenue_values_appear_only_for_executives(secured, role: str, sees_revenue: bool) -> None:
    server, _ = secured
    with httpx.Client(base_url=server.url, timeout=120) as client:
        login(client, f"{role}@example.com")
        page = client.get(f"/?date={DAY}")
        assert page.status_code == 200
        api = client.get(f"/api/v1/metrics/overview?date={DAY}").text
        executive = client.get(f"/api/metrics/executive?date={DAY}").text
        for text in (page.text, api, executive):
            assert ("89.83" in text) is sees_revenue


def test_users_create_on_the_command_line_then_sign_in(cli_duckdb, make_settings) -> None:
    from northstar.cli import app

    created = CliRunner().invoke(app, ["users", "create", "--email", "ops@example.com", "--role", "analyst"])
    assert created.exit_code == 0, created.output
    assert "created analyst ops@example.com" in created.output
    password = created.output.strip().splitlines()[-1]
    assert len(password) == 20
    listed = CliRunner().invoke(app, ["users", "list"])
    assert "ops@example.com" in listed.output and "analyst" in listed.output
    assert CliRunner().invoke(app, ["users", "set-role", "ops@example.com", "owner"]).exit_code == 2
    northstar = Northstar(make_settings(database=str(cli_duckdb), auth={"anonymous_role": None}))
    server = LiveServer(northstar).start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            assert login(client, "ops@example.com", password).status_code == 303
            assert login(client, "ops@example.com", "not the password").status_code == 401
    finally:
        server.stop()
        northstar.close()
    assert CliRunner().invoke(app, ["users", "disable", "ops@example.com"]).exit_code == 0
    northstar = Northstar(make_settings(database=str(cli_duckdb)))
    from northstar.auth.users import authenticate

    assert authenticate(northstar.store, "ops@example.com", password) is None
    northstar.close()


def test_read_keys_need_a_role_on_the_command_line(cli_duckdb) -> None:
    from northstar.cli import app

    assert CliRunner().invoke(app, ["keys", "create", "--kind", "read", "--name", "board"]).exit_code == 2
    created = CliRunner().invoke(app, ["keys", "create", "--kind", "read", "--name", "board", "--role", "analyst"])
    assert created.exit_code == 0 and created.output.strip().splitlines()[-1].startswith("nsr_")


def test_an_unprotected_route_is_refused(make_settings) -> None:
    northstar = Northstar(make_settings(database=":memory:"))
    app = create_app(northstar)
    check_routes(app)
    app.add_api_route("/api/v1/leak", lambda: {"secret": 1}, methods=["GET"])
    with pytest.raises(UnprotectedRoute, match="GET /api/v1/leak"):
        check_routes(app)
    northstar.close()
