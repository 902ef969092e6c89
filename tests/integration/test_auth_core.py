"""The core of access control on both backends: password hashing, users, sessions and the
stored secret; roles and permissions as data."""

from __future__ import annotations

import pytest

from northstar.app import Northstar
from northstar.auth import sessions, users
from northstar.auth.app_secrets import app_secret
from northstar.auth.passwords import hash_password, verify_password
from northstar.auth.roles import Principal
from northstar.domain.errors import InvalidInput

PASSWORD = "correct horse battery"


def test_password_hash_roundtrip() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert verify_password(PASSWORD, hashed)
    assert not verify_password("correct horse battery!", hashed)
    assert not verify_password(PASSWORD, None)
    assert hash_password(PASSWORD) != hashed, "each hash has its own salt"


@pytest.mark.parametrize(
    ("role", "permissions"),
    [
        ("viewer", {"view_dashboard"}),
        ("analyst", {"view_dashboard", "view_drilldown", "export"}),
        ("executive", {"view_dashboard", "view_drilldown", "export", "view_financial"}),
        ("admin", {"view_dashboard", "view_drilldown", "export", "view_financial", "manage"}),
    ],
)
def test_each_role_holds_the_permissions_of_those_below(role: str, permissions: set[str]) -> None:
    every = {"view_dashboard", "view_drilldown", "export", "view_financial", "manage", "ingest"}
    for kind in ("user", "read_key", "anonymous"):
        principal = Principal(kind=kind, id="x", name="x", role=role)  # type: ignore[arg-type]
        assert {permission for permission in every if principal.has(permission)} == permissions  # type: ignore[arg-type]


def test_a_write_key_may_only_ingest() -> None:
    key = Principal(kind="write_key", id="k", name="web", role=None)
    assert [permission for permission in ("view_dashboard", "export", "manage", "ingest")
            if key.has(permission)] == ["ingest"]


def test_users_are_created_authenticated_and_refused(northstar: Northstar) -> None:
    store = northstar.store
    user = users.create_user(store, "  Ada@Example.COM ", "analyst", PASSWORD)
    assert (user.email, user.role, user.disabled) == ("ada@example.com", "analyst", False)
    assert users.authenticate(store, "ADA@example.com", PASSWORD) == user
    assert users.authenticate(store, "ada@example.com", "wrong password") is None
    assert users.authenticate(store, "nobody@example.com", PASSWORD) is None
    stored = store.query("SELECT password_hash FROM auth_users")[0][0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    for email, role, password, field in [("ada@example.com", "viewer", PASSWORD, "email"),
                                         ("not-an-email", "viewer", PASSWORD, "email"),
                                         ("bob@example.com", "owner", PASSWORD, "role"),
                                         ("bob@example.com", "viewer", "short", "password")]:
        with pytest.raises(InvalidInput) as caught:
            users.create_user(store, email, role, password)
        assert caught.value.field == field
    assert [listed.email for listed in users.list_users(store)] == ["ada@example.com"]


def test_sessions_end_on_logout_disable_and_password_change(northstar: Northstar) -> None:
    store = northstar.store
    user = users.create_user(store, "ada@example.com", "executive", PASSWORD)
    first = sessions.create_session(store, user.id, 3600)
    second = sessions.create_session(store, user.id, 3600)
    resolved = sessions.resolve_session(store, first)
    assert resolved is not None and (resolved.email, resolved.role) == ("ada@example.com", "executive")
    assert store.query("SELECT count(*) FROM auth_sessions WHERE session_hash = ?", [first]) == [(0,)], \
        "only the token's hash is stored"

    users.change_password(store, user.id, PASSWORD, "a new password!", keep_session=resolved.id)
    assert sessions.resolve_session(store, first) is not None, "the session that changed it stays"
    assert sessions.resolve_session(store, second) is None, "every other session is revoked"
    assert users.authenticate(store, "ada@example.com", PASSWORD) is None
    with pytest.raises(InvalidInput) as caught:
        users.change_password(store, user.id, PASSWORD, "another password")
    assert caught.value.field == "current_password"

    sessions.revoke_session(store, first)
    assert sessions.resolve_session(store, first) is None

    third = sessions.create_session(store, user.id, 3600)
    users.set_role(store, "ada@example.com", "viewer")
    assert sessions.resolve_session(store, third).role == "viewer"  # type: ignore[union-attr]
    users.set_disabled(store, user.id)
    assert sessions.resolve_session(store, third) is None
    assert users.authenticate(store, "ada@example.com", "a new password!") is None
    users.set_disabled(store, "ada@example.com", disabled=False)
    assert users.authenticate(store, "ada@example.com", "a new password!") is not None


def test_an_expired_session_is_refused(northstar: Northstar) -> None:
    user = users.create_user(northstar.store, "ada@example.com", "viewer", PASSWORD)
    token = sessions.create_session(northstar.store, user.id, 0)
    assert sessions.resolve_session(northstar.store, token) is None


def test_the_secret_is_generated_once_and_kept(northstar: Northstar) -> None:
    first = app_secret(northstar.store)
    assert len(first) == 64
    assert app_secret(northstar.store) == first
    assert app_secret(northstar.store, "other") != first
