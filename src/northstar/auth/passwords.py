"""Password hashing: argon2id through pwdlib, with its recommended parameters."""

from __future__ import annotations

import secrets

from pwdlib import PasswordHash

from northstar.domain.errors import InvalidInput

MIN_LENGTH = 10
_hasher = PasswordHash.recommended()
# Verified against when the account does not exist, so that a wrong email costs as much as a wrong
# password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def check_strength(password: str) -> None:
    """Raise :class:`InvalidInput` (field ``password``) when ``password`` is shorter than
    :data:`MIN_LENGTH` characters."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput("password", f"must be at least {MIN_LENGTH} characters long")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (a PHC string with its salt and parameters)."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches ``password_hash``; ``None`` (no such account) costs a full
    verification and is ``False``."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def generate_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)
