"""API keys: write keys authenticate ingestion, read keys the JSON API.

A key is a ``secrets.token_urlsafe(32)`` secret (256 bits) behind a recognisable prefix (``nsw_``
for write, ``nsr_`` for read). Only its SHA-256 hash and its first characters are stored in
``api_keys``: a fast hash is the right tool for high-entropy secrets that are checked on every
request (a slow password hash such as argon2 protects guessable passwords, which these are not).
Verified keys are cached in-process for :data:`CACHE_SECONDS`; :func:`revoke_key` drops them from
the cache at once, and another process serving the same store stops accepting a revoked key
within that time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime
from typing import Any

from cachetools import TTLCache

from northstar.auth.roles import ROLES
from northstar.domain.errors import InvalidInput
from northstar.store.base import Store

KINDS = {"write": "nsw_", "read": "nsr_"}
PREFIX_LENGTH = 12
CACHE_SECONDS = 10

_cache: TTLCache[tuple[int, str, str], dict[str, Any]] = TTLCache(maxsize=1024, ttl=CACHE_SECONDS)
_cache_lock = threading.Lock()
_revocations = 0  # bumped by every revoke, so a lookup racing a revocation is not cached


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_key(store: Store, kind: str, name: str, role: str | None = None) -> str:
    """Create a ``kind`` (``write`` or ``read``) key called ``name`` and return its secret; a read
    key carries ``role`` (viewer, analyst, executive or admin), a write key none.

    The secret is returned once and never stored. Raises :class:`InvalidInput` for an unknown
    ``kind``, an empty ``name``, a read key without a valid ``role`` or a write key with one.
    """
    if kind not in KINDS:
        raise InvalidInput("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if not name or not name.strip():
        raise InvalidInput("name", "must not be empty")
    if kind == "read" and role not in ROLES:
        raise InvalidInput("role", f"a read key needs a role, one of {', '.join(ROLES)}")
    if kind == "write" and role is not None:
        raise InvalidInput("role", "write keys have no role: they may only ingest")
    secret = KINDS[kind] + secrets.token_urlsafe(32)
    store.execute_write(
        "INSERT INTO api_keys (key_id, name, kind, role, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [secrets.token_hex(6), name.strip(), kind, role, secret[:PREFIX_LENGTH], _hash(secret), _now()],
    )
    return secret


def list_keys(store: Store) -> list[dict[str, Any]]:
    """Every key, oldest first, as ``{id, name, kind, role, prefix, created_at, revoked_at}`` (in that
    order; instants naive UTC, ``revoked_at`` ``None`` for an active key). Never the secret or hash."""
    rows = store.query(
        "SELECT key_id, name, kind, role, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at, key_id"
    )
    fields = ("id", "name", "kind", "role", "prefix", "created_at", "revoked_at")
    return [dict(zip(fields, row, strict=True)) for row in rows]


def revoke_key(store: Store, key_id: str) -> bool:
    """Revoke the active key ``key_id``; ``True`` when one was revoked, ``False`` when there is no
    such active key. Requests with it are refused from now on in this process."""
    changed = store.execute_write(
        "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", [_now(), key_id]
    )
    global _revocations
    with _cache_lock:
        _revocations += 1
        for cache_key in [cache_key for cache_key, key in _cache.items() if key["id"] == key_id]:
            _cache.pop(cache_key, None)
    return changed > 0


def verify_key(store: Store, secret: str | None, kind: str) -> dict[str, Any] | None:
    """The active key of ``kind`` whose secret is ``secret``, as ``{id, name, kind, role, prefix}``,
    or ``None`` (no secret, unknown, revoked or of the other kind). Hits are cached briefly."""
    if not secret:
        return None
    cache_key = (id(store), kind, _hash(secret))
    with _cache_lock:
        cached = _cache.get(cache_key)
        generation = _revocations
    if cached is not None:
        return cached
    rows = store.query(
        "SELECT key_id, name, kind, role, prefix FROM api_keys WHERE key_hash = ? AND kind = ? AND revoked_at IS NULL",
        [cache_key[2], kind],
    )
    if not rows:
        return None
    key = dict(zip(("id", "name", "kind", "role", "prefix"), rows[0], strict=True))
    with _cache_lock:
        if generation == _revocations:
            _cache[cache_key] = key
    return key
