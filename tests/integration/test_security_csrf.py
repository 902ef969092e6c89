"""CSRF: cookie-authenticated state changes and logins need the page's token; key-authenticated
requests do not."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from northstar.app import Northstar
from northstar.auth.users import create_user
from northstar.config import Settings
from northstar.ingest.keys import create_key
from tests.conftest import LiveServer

PASSWORD = "correct horse battery staple"
CHANNEL = {"name": "bell", "type": "in_app"}


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    northstar = Northstar(make_settings(auth={"anonymous_role": None}))
    create_user(northstar.store, "ada@example.com", "admin", PASSWORD)
    live = LiveServer(northstar).start()
    yield live
    live.stop()
    northstar.close()


def page_token(client: httpx.Client, path: str = "/login") -> str:
    """The CSRF token a page hands out (its hidden ``csrf_token`` field or its meta tag)."""
    html = client.get(path).text
    match = re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def sign_in(client: httpx.Client) -> None:
    """Sign ``client`` in as the admin through the login form."""
    token = page_token(client)
    response = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text
    assert "northstar_session" in client.cookies


def test_login_form_needs_the_token(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        page_token(client)
        refused = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD},
                              headers={"Accept": "text/html"})
        assert refused.status_code == 403
        assert "CSRF token missing" in refused.text
        assert "northstar_session" not in client.cookies
        forged = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD,
                                             "csrf_token": "forged.token.value"})
        assert forged.status_code == 403
        assert forged.json() == {"detail": "CSRF token invalid or expired: reload the page"}


def test_token_of_another_browser_is_refused(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as other:
        stolen = page_token(other)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        page_token(client)
        response = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD,
                                               "csrf_token": stolen})
    assert response.status_code == 403
    assert response.json()["detail"] == "CSRF token does not belong to this browser: reload the page"


def test_session_state_changes_need_the_token(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        sign_in(client)
        refused = client.post("/api/v1/notification-channels", json=CHANNEL)
        assert refused.status_code == 403
        assert refused.json()["detail"].startswith("CSRF token missing")
        token = page_token(client, "/")
        created = client.post("/api/v1/notification-channels", json=CHANNEL, headers={"X-CSRF-Token": token})
        assert created.status_code == 201, created.text
        assert client.get("/api/v1/notification-channels").status_code == 200

        assert client.post("/logout").status_code == 403
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert server.northstar.store.query("SELECT count(*) FROM auth_sessions")[0][0] == 0


def test_key_requests_need_no_token(server: LiveServer) -> None:
    key = create_key(server.northstar.store, "read", "automation", role="admin")
    with httpx.Client(base_url=server.url, timeout=60) as client:
        sign_in(client)
        created = client.post("/api/v1/notification-channels", json=CHANNEL,
                              headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201, created.text
