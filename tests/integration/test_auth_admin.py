"""The admin API and page through a real server on both backends: users and keys managed by an
admin with a session (and the CSRF header), refused to other roles, every change audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from northstar import audit
from northstar.auth.users import authenticate
from tests.integration.test_auth_web import login, secured  # noqa: F401  (the fixture)


@contextmanager
def _admin_client(url: str) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A client signed in as the admin, and the CSRF header of its pages."""
    with httpx.Client(base_url=url, timeout=120) as client:
        assert login(client, "admin@example.com").status_code == 303
        page = client.get("/admin")
        assert page.status_code == 200
        token = re.search(r'<meta name="csrf-token" content="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
        yield client, {"X-CSRF-Token": token}


def test_an_admin_manages_users(secured) -> None:  # noqa: F811
    server, northstar = secured
    with _admin_client(server.url) as (client, csrf):
        created = client.post("/api/v1/admin/users", json={"email": "new@example.com", "role": "viewer"}, headers=csrf)
        assert created.status_code == 201
        body = created.json()
        assert (body["user"]["email"], body["user"]["role"], body["user"]["disabled"]) == ("new@example.com",
                                                                                          "viewer", False)
        assert authenticate(northstar.store, "new@example.com", body["password"]) is not None
        user_id = body["user"]["id"]
        assert client.post("/api/v1/admin/users", json={"email": "new@example.com", "role": "viewer"},
                           headers=csrf).status_code == 422
        promoted = client.patch(f"/api/v1/admin/users/{user_id}", json={"role": "executive"}, headers=csrf)
        assert promoted.json()["role"] == "executive"
        disabled = client.patch(f"/api/v1/admin/users/{user_id}", json={"disabled": True}, headers=csrf)
        assert disabled.json()["disabled"] is True
        assert authenticate(northstar.store, "new@example.com", body["password"]) is None
        emails = [user["email"] for user in client.get("/api/v1/admin/users").json()]
        assert emails == [f"{role}@example.com" for role in ("viewer", "analyst", "executive", "admin")] + [
            "new@example.com"]
        me = next(user["id"] for user in client.get("/api/v1/admin/users").json()
                  if user["email"] == "admin@example.com")
        assert client.patch(f"/api/v1/admin/users/{me}", json={"role": "viewer"}, headers=csrf).status_code == 422
        assert client.patch("/api/v1/admin/users/nobody", json={"role": "viewer"}, headers=csrf).status_code == 404
        unprotected = client.post("/api/v1/admin/users", json={"email": "x@example.com", "role": "viewer"})
        assert unprotected.status_code == 403, "a cookie-authenticated change without the CSRF header is refused"
    actions = [(entry.action, entry.target) for entry in audit.entries(northstar.store, action="user",
                                                                       newest_first=False)]
    assert actions == [("user.create", "new@example.com"), ("user.role_change", "new@example.com"),
                       ("user.disable", "new@example.com")]


def test_an_admin_creates_and_revokes_keys(secured) -> None:  # noqa: F811
    server, northstar = secured
    with _admin_client(server.url) as (client, csrf):
        created = client.post("/api/v1/admin/keys", json={"kind": "read", "name": "bi", "role": "analyst"},
                              headers=csrf)
        assert created.status_code == 201
        secret, listing = created.json()["key"], created.json()["listing"]
        assert secret.startswith("nsr_") and secret.startswith(listing["prefix"])
        assert (listing["kind"], listing["role"], listing["revoked_at"]) == ("read", "analyst", None)
        assert client.post("/api/v1/admin/keys", json={"kind": "read", "name": "no role"},
                           headers=csrf).status_code == 422
        with httpx.Client(base_url=server.url, timeout=120) as bi:
            bearer = {"Authorization": f"Bearer {secret}"}
            assert bi.get("/api/v1/metrics/dau/explain?date=2026-03-15", headers=bearer).status_code == 200
            assert client.delete(f"/api/v1/admin/keys/{listing['id']}", headers=csrf).status_code == 204
            assert bi.get("/api/v1/metrics", headers=bearer).status_code == 401
        assert client.delete(f"/api/v1/admin/keys/{listing['id']}", headers=csrf).status_code == 404
        assert "bi" in client.get("/admin").text
    assert [(entry.action, entry.target) for entry in audit.entries(northstar.store, action="key",
                                                                    newest_first=False)] == [
        ("key.create", listing["id"]), ("key.revoke", listing["id"])]


def test_only_admins_reach_the_admin_page_and_api(secured) -> None:  # noqa: F811
    server, _ = secured
    with httpx.Client(base_url=server.url, timeout=120) as client:
        assert login(client, "executive@example.com").status_code == 303
        page = client.get("/admin", headers={"Accept": "text/html"})
        assert page.status_code == 403 and "needs the admin role" in page.text
        assert client.get("/api/v1/admin/users").status_code == 403
        assert client.get("/api/v1/admin/keys").status_code == 403
