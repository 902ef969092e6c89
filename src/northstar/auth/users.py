"""Northstar's own users: the people who sign in to the dashboard, each with one role.

Emails are stored lower-cased and are unique. Disabling a user or changing their password
revokes their sessions (``northstar.auth.sessions``). Raises :class:`InvalidInput` naming the
field for a bad email, role or password, and for a duplicate email.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from northstar.auth import sessions
from northstar.auth.passwords import check_strength, hash_password, verify_password
from northstar.auth.roles import ROLES, Role
from northstar.domain.errors import InvalidInput
from northstar.store.base import Store

_FIELDS = "user_id, email, role, created_at, disabled"


@dataclass(frozen=True, slots=True)
class User:
    """One user (never the password hash); ``created_at`` is naive UTC."""

    id: str
    email: str
    role: Role
    created_at: datetime
    disabled: bool


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _user(row: tuple) -> User:
    return User(id=row[0], email=row[1], role=row[2], created_at=row[3], disabled=bool(row[4]))


def normalise_email(email: str) -> str:
    """``email`` stripped and lower-cased; raises :class:`InvalidInput` (``email``) unless it looks
    like ``local@domain``."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not at or not local or not domain or " " in cleaned or len(cleaned) > 254:
        raise InvalidInput("email", f"{email!r} is not an email address")
    return cleaned


def _role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidInput("role", f"{role!r} is not one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def create_user(store: Store, email: str, role: str, password: str) -> User:
    """Create a user and return it. Raises :class:`InvalidInput` for a bad ``email`` or ``role``,
    a ``password`` under 10 characters, or an email that is already taken."""
    address, chosen = normalise_email(email), _role(role)
    check_strength(password)
    if find_user(store, address) is not None:
        raise InvalidInput("email", f"a user {address!r} already exists")
    user = User(id=secrets.token_hex(8), email=address, role=chosen, created_at=_now(), disabled=False)
    store.execute_write(
        "INSERT INTO auth_users (user_id, email, role, password_hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?)",
        [user.id, user.email, user.role, hash_password(password), user.created_at, False],
    )
    return user


def list_users(store: Store) -> list[User]:
    """Every user, oldest first."""
    return [_user(row) for row in store.query(f"SELECT {_FIELDS} FROM auth_users ORDER BY created_at, email")]


def find_user(store: Store, email: str) -> User | None:
    """The user with ``email`` (any case), or ``None``."""
    rows = store.query(f"SELECT {_FIELDS} FROM auth_users WHERE email = ?", [email.strip().lower()])
    return _user(rows[0]) if rows else None


def get_user(store: Store, user_id: str) -> User | None:
    """The user ``user_id``, or ``None``."""
    rows = store.query(f"SELECT {_FIELDS} FROM auth_users WHERE user_id = ?", [user_id])
    return _user(rows[0]) if rows else None


def _existing(store: Store, email_or_id: str) -> User:
    user = get_user(store, email_or_id) or find_user(store, email_or_id)
    if user is None:
        raise InvalidInput("user", f"no user {email_or_id!r}")
    return user


def authenticate(store: Store, email: str, password: str) -> User | None:
    """The enabled user whose email and password match, or ``None`` (unknown email, wrong
    password or disabled user: the same answer, at the same cost)."""
    rows = store.query("SELECT user_id, password_hash, disabled FROM auth_users WHERE email = ?",
                       [email.strip().lower()])
    stored = rows[0][1] if rows else None
    if not verify_password(password, stored) or rows[0][2]:
        return None
    return get_user(store, rows[0][0])


def set_role(store: Store, email_or_id: str, role: str) -> User:
    """Give the user (by email or id) ``role``; returns the updated user. Their sessions carry the
    new role from their next request. Raises :class:`InvalidInput` for an unknown user or role."""
    user, chosen = _existing(store, email_or_id), _role(role)
    store.execute_write("UPDATE auth_users SET role = ? WHERE user_id = ?", [chosen, user.id])
    return get_user(store, user.id)  # type: ignore[return-value]


def set_disabled(store: Store, email_or_id: str, disabled: bool = True) -> User:
    """Disable (and revoke every session of) or re-enable the user (by email or id); returns the
    updated user. Raises :class:`InvalidInput` for an unknown user."""
    user = _existing(store, email_or_id)
    store.execute_write("UPDATE auth_users SET disabled = ? WHERE user_id = ?", [disabled, user.id])
    if disabled:
        sessions.revoke_user_sessions(store, user.id)
    return get_user(store, user.id)  # type: ignore[return-value]


def change_password(store: Store, user_id: str, current: str, new: str, keep_session: str | None = None) -> None:
    """Replace the password of ``user_id`` after checking ``current``; every session of the user
    except ``keep_session`` (a session hash) is revoked. Raises :class:`InvalidInput` naming
    ``current_password`` when it is wrong and ``password`` when ``new`` is too short."""
    rows = store.query("SELECT password_hash FROM auth_users WHERE user_id = ?", [user_id])
    if not rows or not verify_password(current, rows[0][0]):
        raise InvalidInput("current_password", "is not the current password")
    set_password(store, user_id, new, keep_session)


def set_password(store: Store, user_id: str, new: str, keep_session: str | None = None) -> None:
    """Set the password of ``user_id`` without checking the old one (administrators, the CLI) and
    revoke the user's sessions except ``keep_session``. Raises :class:`InvalidInput` (``password``)."""
    check_strength(new)
    store.execute_write("UPDATE auth_users SET password_hash = ? WHERE user_id = ?", [hash_password(new), user_id])
    sessions.revoke_user_sessions(store, user_id, keep=keep_session)
