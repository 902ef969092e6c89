"""Server-side login sessions.

The cookie holds a random token (``secrets.token_urlsafe(32)``); the store keeps only its SHA-256
hash, the user and the expiry, so a stolen database does not yield live sessions and revoking a
session (logout, password change, disabling the user) takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from northstar.auth.roles import Role
from northstar.store.base import Store


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: its hash (the session's id), its user and when it expires (naive UTC)."""

    id: str
    user_id: str
    email: str
    role: Role
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest of a session token: the session's id in the store."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(store: Store, user_id: str, max_age_seconds: int) -> str:
    """Open a session for ``user_id`` lasting ``max_age_seconds``; returns the token for the cookie
    (shown only here; the store keeps its hash)."""
    token = secrets.token_urlsafe(32)
    now = _now()
    store.execute_write(
        "INSERT INTO auth_sessions (session_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        [token_hash(token), user_id, now, now + timedelta(seconds=max_age_seconds)],
    )
    return token


def resolve_session(store: Store, token: str | None) -> Session | None:
    """The live session of ``token`` with its enabled user, or ``None`` (no token, unknown, expired,
    revoked, or the user is disabled)."""
    if not token:
        return None
    rows = store.query(
        "SELECT s.session_hash, u.user_id, u.email, u.role, s.expires_at FROM auth_sessions s "
        "JOIN auth_users u ON u.user_id = s.user_id "
        "WHERE s.session_hash = ? AND s.expires_at > ? AND NOT u.disabled",
        [token_hash(token), _now()],
    )
    if not rows:
        return None
    session_id, user_id, email, role, expires_at = rows[0]
    return Session(id=session_id, user_id=user_id, email=email, role=role, expires_at=expires_at)


def revoke_session(store: Store, token: str | None) -> None:
    """End the session of ``token`` (nothing happens for an unknown token)."""
    if token:
        store.execute_write("DELETE FROM auth_sessions WHERE session_hash = ?", [token_hash(token)])


def revoke_user_sessions(store: Store, user_id: str, keep: str | None = None) -> None:
    """End every session of ``user_id`` except the one whose hash is ``keep``, and drop expired
    sessions of anyone."""
    store.execute_write("DELETE FROM auth_sessions WHERE user_id = ? AND session_hash <> ?", [user_id, keep or ""])
    store.execute_write("DELETE FROM auth_sessions WHERE expires_at <= ?", [_now()])
