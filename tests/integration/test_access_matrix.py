"""The access matrix (issue 6): every route of the app — taken from ``create_app(...).routes``, so a
new route cannot escape — called by anonymous, viewer, analyst, executive, admin, a write key and
read keys, against one real server that requires credentials; plus financial values absent from
the pages and exports of roles that may not see them.

Each :class:`Case` names the least role a route needs (or ``public`` / ``ingest``) and the status
an allowed caller gets; the expected row follows from the rules of docs/security.md:

- no credentials: 303 to ``/login`` for a page, 401 for anything else;
- a write key: only ingestion (403 elsewhere); ingestion refuses every other caller with 401;
- a role below the one needed: 403; otherwise the route's own answer.

Requests that would change state send an empty body (allowed callers get 422) or a missing id
(404), so the run leaves the data as it found it; ``POST /logout`` ends an extra session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from northstar.app import Northstar
from northstar.auth import sessions
from northstar.auth.roles import at_least
from northstar.auth.users import create_user
from northstar.config import Settings
from northstar.ingest.keys import create_key
from tests.conftest import LiveServer

PRINCIPALS = ("anonymous", "viewer", "analyst", "executive", "admin", "write_key", "read_viewer", "read_admin")
ROLE_OF = {"viewer": "viewer", "analyst": "analyst", "executive": "executive", "admin": "admin",
           "read_viewer": "viewer", "read_admin": "admin"}
USERS = ("viewer", "analyst", "executive", "admin")
KEYS = ("read_viewer", "read_admin")
DAY = "2026-03-02"
RANGE = f"start=2026-02-01&end={DAY}"
MRR_DISPLAY, MRR_PLAIN = "1,234.56", "1234.56"


@dataclass(frozen=True)
class Case:
    """One request to one route: ``route`` is ``"METHOD /path/template"``; ``needs`` the least role,
    ``"public"`` or ``"ingest"``; ``ok`` the status of an allowed caller; ``page`` asks for HTML;
    ``special`` overrides the expected status for some principals (with the reason in a comment)."""

    route: str
    url: str
    needs: str
    ok: int = 200
    page: bool = False
    json: Any = None
    data: Mapping[str, str] | None = None
    special: Mapping[str, int] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    def expected(self, principal: str) -> int:
        if principal in self.special:
            return self.special[principal]
        if self.needs == "public":
            return self.ok
        if self.needs == "ingest":
            return self.ok if principal == "write_key" else 401
        if principal == "anonymous":
            return 303 if self.page else 401
        if principal == "write_key":
            return 403
        return self.ok if at_least(ROLE_OF[principal], self.needs) else 403  # type: ignore[arg-type]


def _get(path: str, needs: str, url: str | None = None, **options: Any) -> Case:
    return Case(f"GET {path}", url or path, needs, **options)


def _page(path: str, needs: str, url: str | None = None, **options: Any) -> Case:
    return Case(f"GET {path}", url or path, needs, page=True, **options)


SIGNED_IN_GO_ON = {user: 303 for user in USERS}  # a signed-in user is sent on from the sign-in page
EVENT = {"userId": "u1", "event": "Matrix Probe", "timestamp": f"{DAY}T10:00:00Z"}
INGEST = {
    "track": EVENT,
    "identify": {"userId": "u1", "traits": {"plan": "pro"}, "timestamp": f"{DAY}T10:00:00Z"},
    "page": {"userId": "u1", "name": "Home", "timestamp": f"{DAY}T10:00:00Z"},
    "screen": {"userId": "u1", "name": "Home", "timestamp": f"{DAY}T10:00:00Z"},
    "group": {"userId": "u1", "groupId": "g1", "timestamp": f"{DAY}T10:00:00Z"},
    "alias": {"userId": "u1", "previousId": "anon-1", "timestamp": f"{DAY}T10:00:00Z"},
    "batch": {"batch": [{"type": "track", **EVENT}]},
}

CASES: tuple[Case, ...] = (
    # Open to everyone: the API description, static files, signing in.
    _get("/openapi.json", "public"),
    _get("/docs", "public"),
    _get("/docs/oauth2-redirect", "public"),
    _get("/redoc", "public"),
    _get("/static", "public", "/static/northstar.css"),
    _get("/vendor/vega-embed.js", "public"),
    _get("/login", "public", special=SIGNED_IN_GO_ON),
    Case("POST /login", "/login", "public", ok=422, data={}),
    # A signed-in user's own account; a key is not a user and is sent to sign in.
    _page("/account/password", "viewer", special={"read_viewer": 303, "read_admin": 303}),
    Case("POST /account/password", "/account/password", "viewer", ok=422, data={}),
    # Ingestion: write keys only.
    *(Case(f"POST /v1/{kind}", f"/v1/{kind}", "ingest", json=body) for kind, body in INGEST.items()),
    Case("POST /api/v1/metrics/track", "/api/v1/metrics/track", "ingest",
         json={"user_id": "u1", "event_name": "Matrix Probe", "event_category": "test"}),
    # Metrics API: the dashboard's data for viewers; financial metrics for executives.
    _get("/api/v1/metrics", "viewer"),
    _get("/api/v1/metrics/overview", "viewer", f"/api/v1/metrics/overview?date={DAY}"),
    _get("/api/v1/metrics/engagement", "viewer", f"/api/v1/metrics/engagement?date={DAY}"),
    _get("/api/v1/metrics/cohorts", "viewer", f"/api/v1/metrics/cohorts?date={DAY}"),
    _get("/api/v1/metrics/viral-coefficient", "viewer", f"/api/v1/metrics/viral-coefficient?date={DAY}"),
    _get("/api/metrics/executive", "viewer", f"/api/metrics/executive?date={DAY}"),
    _get("/api/v1/metrics/{name}", "viewer", f"/api/v1/metrics/dau?date={DAY}"),
    _get("/api/v1/metrics/{name}", "executive", f"/api/v1/metrics/mrr?date={DAY}"),
    _get("/api/v1/metrics/{name}/series", "viewer", f"/api/v1/metrics/dau/series?{RANGE}"),
    _get("/api/v1/metrics/{name}/series", "executive", f"/api/v1/metrics/mrr/series?{RANGE}"),
    # Drill-down data and exports: analysts.
    _get("/api/v1/metrics/snapshots", "analyst", f"/api/v1/metrics/snapshots?{RANGE}"),
    _get("/api/v1/metrics/{name}/explain", "analyst", f"/api/v1/metrics/dau/explain?date={DAY}"),
    _get("/api/v1/metrics/{name}/explain", "executive", f"/api/v1/metrics/mrr/explain?date={DAY}"),
    _get("/api/v1/users/{user_id}/journey", "analyst", f"/api/v1/users/u1/journey?date={DAY}"),
    _get("/api/v1/metrics/export", "analyst", f"/api/v1/metrics/export?metrics=dau&{RANGE}"),
    _get("/api/v1/metrics/export", "executive", f"/api/v1/metrics/export?metrics=mrr&{RANGE}"),
    # Alerts: everyone sees them; admins change rules.
    _get("/api/v1/metrics/alerts", "viewer"),
    _get("/api/v1/metrics/alerts/{alert_id}", "viewer", "/api/v1/metrics/alerts/missing", ok=404),
    _get("/api/v1/metrics/alerts/{alert_id}/history", "viewer", "/api/v1/metrics/alerts/missing/history", ok=404),
    Case("POST /api/v1/metrics/alerts", "/api/v1/metrics/alerts", "admin", ok=422, json={}),
    # Previewing a draft rule stores nothing: anyone who may see the metric.
    Case("POST /api/v1/metrics/alerts/preview", "/api/v1/metrics/alerts/preview", "viewer", ok=422, json={}),
    Case("POST /api/v1/metrics/alerts/preview", "/api/v1/metrics/alerts/preview?points=3", "executive",
         json={"metric_name": "mrr", "comparison": "<", "threshold_value": 100}),
    Case("PATCH /api/v1/metrics/alerts/{alert_id}", "/api/v1/metrics/alerts/missing", "admin", ok=404, json={}),
    Case("DELETE /api/v1/metrics/alerts/{alert_id}", "/api/v1/metrics/alerts/missing", "admin", ok=404),
    Case("POST /api/v1/metrics/alerts/{alert_id}/ack", "/api/v1/metrics/alerts/missing/ack", "admin", ok=404,
         json={}),
    Case("POST /api/v1/metrics/alerts/{alert_id}/resolve", "/api/v1/metrics/alerts/missing/resolve", "admin",
         ok=404, json={}),
    Case("POST /api/v1/metrics/alerts/evaluate", "/api/v1/metrics/alerts/evaluate", "admin"),
    # Notifications: the bell for everyone; channels and the delivery log for admins.
    _get("/api/v1/notifications", "viewer"),
    Case("POST /api/v1/notifications/{notification_id}/read", "/api/v1/notifications/missing/read", "viewer",
         ok=404),
    _get("/api/v1/notification-channels", "admin"),
    Case("POST /api/v1/notification-channels", "/api/v1/notification-channels", "admin", ok=422, json={}),
    _get("/api/v1/notification-channels/{channel_id}", "admin", "/api/v1/notification-channels/missing", ok=404),
    Case("PATCH /api/v1/notification-channels/{channel_id}", "/api/v1/notification-channels/missing", "admin",
         ok=404, json={}),
    Case("DELETE /api/v1/notification-channels/{channel_id}", "/api/v1/notification-channels/missing", "admin",
         ok=404),
    Case("POST /api/v1/notification-channels/{channel_id}/test", "/api/v1/notification-channels/missing/test",
         "admin", ok=404),
    _get("/api/v1/notification-deliveries", "admin"),
    # Users, keys and the audit trail: admins.
    _get("/api/v1/admin/users", "admin"),
    Case("POST /api/v1/admin/users", "/api/v1/admin/users", "admin", ok=422, json={}),
    Case("PATCH /api/v1/admin/users/{user_id}", "/api/v1/admin/users/missing", "admin", ok=404,
         json={"role": "viewer"}),
    _get("/api/v1/admin/keys", "admin"),
    Case("POST /api/v1/admin/keys", "/api/v1/admin/keys", "admin", ok=422, json={}),
    Case("DELETE /api/v1/admin/keys/{key_id}", "/api/v1/admin/keys/missing", "admin", ok=404),
    _get("/api/v1/audit", "admin"),
    _get("/api/v1/audit/export", "admin"),
    _page("/admin", "admin"),
    _page("/admin/audit", "admin"),
    # Pages and their data: viewers; a financial metric's own page and charts: executives.
    _page("/", "viewer", f"/?date={DAY}"),
    _get("/overview/cards", "viewer", f"/overview/cards?date={DAY}"),
    _get("/overview/sparkline/{name}.svg", "viewer", f"/overview/sparkline/dau.svg?date={DAY}"),
    _get("/overview/sparkline/{name}.svg", "executive", f"/overview/sparkline/mrr.svg?date={DAY}"),
    _page("/metrics/{name}", "viewer", f"/metrics/dau?date={DAY}"),
    _page("/metrics/{name}", "executive", f"/metrics/mrr?date={DAY}"),
    _page("/alerts", "viewer"),
    _get("/alerts/critical-banner", "viewer"),
    _page("/revenue", "viewer", f"/revenue?date={DAY}"),
    _page("/viral", "viewer", f"/viral?date={DAY}"),
    _page("/cohorts", "viewer", f"/cohorts?date={DAY}"),
    _page("/engagement", "viewer", f"/engagement?date={DAY}"),
    _get("/charts/{chart_id}.{fmt}", "viewer", f"/charts/metric.series.json?metric=dau&date={DAY}"),
    _get("/charts/{chart_id}.{fmt}", "executive", f"/charts/revenue.mrr_by_plan.json?date={DAY}"),
    _get("/charts/{chart_id}.{fmt}", "analyst", f"/charts/metric.series.csv?metric=dau&date={DAY}"),
    _get("/api/v1/events/stream", "viewer"),
    Case("POST /logout", "/logout", "public", ok=303),
)


@dataclass
class World:
    """The server and one HTTP client per principal."""

    server: LiveServer
    clients: dict[str, httpx.Client]


def _seed(northstar: Northstar) -> None:
    """One paying customer (MRR £1,234.56) who was active on DAY."""
    at = datetime(2026, 2, 1, 9, 0)
    northstar.write({
        "users": [{"user_id": "u1", "user_type": "supplier", "created_at": at, "plan": "pro"}],
        "subscription_history": [{
            "change_id": "c1", "subscription_id": "s1", "customer_id": "u1", "plan": "pro", "status": "active",
            "amount_minor": 123456, "currency": "GBP", "interval_months": 1, "effective_at": at, "recorded_at": at,
        }],
        "events": [{"message_id": f"m{day}", "type": "track", "event": "Form Created", "user_id": "u1",
                    "timestamp": datetime(2026, 3, day, 10, 0), "received_at": datetime(2026, 3, day, 10, 0)}
                   for day in (1, 2)],
    }, source="test")


def _csrf(client: httpx.Client) -> None:
    """Give ``client`` the sign-in page's CSRF cookie and send its token with every request."""
    html = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token, html[:300]
    client.headers["X-CSRF-Token"] = token.group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # Module-scoped, so the settings are built here (make_settings is per test): credentials
    # required, rate limits out of the way of ~600 requests.
    database = Path(tmp_path_factory.mktemp("matrix")) / "northstar.duckdb"
    northstar = Northstar(Settings(
        database=str(database), auth={"anonymous_role": None},
        security={"rate_limit_default": "100000/hour", "rate_limit_financial": "100000/hour"},
    ))
    _seed(northstar)
    store = northstar.store
    server = LiveServer(northstar).start()
    clients: dict[str, httpx.Client] = {}
    for principal in PRINCIPALS:
        client = clients[principal] = httpx.Client(base_url=server.url, timeout=120)
        if principal in USERS:
            _csrf(client)
            user = create_user(store, f"{principal}@example.com", principal, "matrix-password-1")
            client.cookies.set("northstar_session", sessions.create_session(store, user.id, 3600))
        elif principal in KEYS:
            secret = create_key(store, "read", principal, role=ROLE_OF[principal])
            client.headers["Authorization"] = f"Bearer {secret}"
        elif principal == "write_key":
            client.auth = (create_key(store, "write", "matrix"), "")
        else:
            _csrf(client)
    yield World(server, clients)
    for client in clients.values():
        client.close()
    server.stop()
    northstar.close()


def _status(client: httpx.Client, case: Case) -> int:
    headers = {"Accept": "text/html"} if case.page else {"Accept": "application/json"}
    request = client.build_request(case.method, case.url, json=case.json, data=case.data, headers=headers)
    response = client.send(request, stream=True)
    response.close()
    return response.status_code


def _signing_out(world: World, principal: str) -> httpx.Client:
    """For ``POST /logout``: a copy of the principal's client whose user signs in again first, so
    signing out ends that extra session and the principal stays signed in for other tests."""
    original = world.clients[principal]
    client = httpx.Client(base_url=world.server.url, timeout=120, headers=original.headers, auth=original.auth,
                          cookies=original.cookies)
    if principal in USERS:
        store = world.server.northstar.store
        user_id = store.query("SELECT user_id FROM auth_users WHERE email = ?", [f"{principal}@example.com"])[0][0]
        client.cookies.set("northstar_session", sessions.create_session(store, user_id, 3600))
    return client


def _app_routes(world: World) -> set[str]:
    from northstar.web.app import create_app

    app = create_app(world.server.northstar)
    found = set()
    for context in iter_route_contexts(app.routes):
        methods = context.methods or {"GET"}
        found |= {f"{method} {context.path}" for method in methods if method != "HEAD"}
    return found


def test_every_route_is_in_the_matrix(world: World) -> None:
    """A route missing from :data:`CASES` (or a case for a route that is gone) fails here."""
    covered = {case.route for case in CASES}
    routes = _app_routes(world)
    assert sorted(routes - covered) == [], "routes without an expected row in CASES"
    assert sorted(covered - routes) == [], "CASES rows for routes that do not exist"


@pytest.mark.parametrize("case", CASES, ids=[f"{case.route} {case.url}" for case in CASES])
def test_access(world: World, case: Case) -> None:
    if case.route == "POST /logout":
        got = {}
        for principal in PRINCIPALS:
            with _signing_out(world, principal) as client:
                got[principal] = _status(client, case)
    else:
        got = {principal: _status(world.clients[principal], case) for principal in PRINCIPALS}
    assert got == {principal: case.expected(principal) for principal in PRINCIPALS}


FINANCIAL_READS = (
    "/?date=" + DAY,
    "/revenue?date=" + DAY,
    "/overview/cards?date=" + DAY,
    "/api/v1/metrics/overview?date=" + DAY,
    "/api/metrics/executive?date=" + DAY,
    "/api/v1/metrics?date=" + DAY,
    f"/api/v1/metrics/export?metrics=dau,mrr&{RANGE}",
    f"/charts/revenue.mrr_by_plan.csv?date={DAY}",
    f"/charts/revenue.movements.json?date={DAY}",
)


@pytest.mark.parametrize("principal", ["viewer", "analyst", "read_viewer"])
def test_financial_values_never_reach_roles_below_executive(world: World, principal: str) -> None:
    client = world.clients[principal]
    for url in FINANCIAL_READS:
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        assert MRR_DISPLAY not in response.text and MRR_PLAIN not in response.text, url


def test_executives_see_the_financial_values(world: World) -> None:
    """The positive control: the same reads show MRR to an executive, so the checks above could fail."""
    client = world.clients["executive"]
    assert MRR_DISPLAY in client.get(f"/revenue?date={DAY}", headers={"Accept": "text/html"}).text
    overview = client.get(f"/api/v1/metrics/overview?date={DAY}").json()
    assert overview["current_mrr"]["minor"] == 123456
    exported = client.get(f"/api/v1/metrics/export?metrics=dau,mrr&{RANGE}").text
    assert MRR_PLAIN in exported
