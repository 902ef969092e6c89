"""The audit trail (issue 6, "Limits and trail"): an append-only log of who did what, when, to
what and from which IP, in the ``audit_log`` table (migration 0006).

This module only appends and reads: there is deliberately no function that changes or removes an
entry, and on PostgreSQL a trigger refuses ``UPDATE``, ``DELETE`` and ``TRUNCATE`` on the table.
The web adapter ``northstar.web.security.audit.audit(request, ...)`` fills in the actor and the
IP from a request; the CLI calls :func:`record` with ``actor_kind="system"``.

Actions are ``area.verb`` names; those Northstar writes are listed in :data:`ACTIONS` (and in
docs/security.md), but any name of that shape is accepted so that a new audited action needs no
change here.
"""

from __future__ import annotations

import csv
import getpass
import io
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from northstar.domain.errors import InvalidInput
from northstar.store.base import Store

ActorKind = Literal["user", "read_key", "write_key", "anonymous", "system"]
ACTOR_KINDS: tuple[str, ...] = ("user", "read_key", "write_key", "anonymous", "system")

ACTIONS: dict[str, str] = {
    "login.success": "a user signed in (target: the email)",
    "login.failure": "a sign-in was refused: wrong email or password, disabled user (target: the email given)",
    "logout": "a user signed out",
    "user.password_change": "a user changed their password (target: whose)",
    "user.create": "a user was created (target: the email; detail: role)",
    "user.role_change": "a user's role changed (detail: the new role)",
    "user.disable": "a user was disabled",
    "user.enable": "a user was enabled again",
    "key.create": "an API key was created (target: the key id; detail: kind, name, role)",
    "key.revoke": "an API key was revoked (target: the key id)",
    "export": "data left Northstar as a file (target: what; detail: format)",
    "metric.view_financial": "financial values were read (target: the metric or the path)",
    "alert.create": "an alert rule was created (target: the rule id)",
    "alert.update": "an alert rule was changed",
    "alert.delete": "an alert rule was deleted",
    "alert.ack": "a firing alert was acknowledged",
    "alert.resolve": "an alert was resolved",
    "notification_channel.create": "a notification channel was created",
    "notification_channel.update": "a notification channel was changed",
    "notification_channel.delete": "a notification channel was deleted",
}

_ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
_FIELDS = ("id", "at", "actor", "actor_kind", "action", "target", "ip", "detail")
_COLUMNS = ("id", "occurred_at", "actor", "actor_kind", "action", "target", "ip", "detail")
MAX_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry: ``at`` is a naive UTC datetime; ``detail`` a JSON object (``{}`` when none)."""

    id: str
    at: datetime
    actor: str
    actor_kind: str
    action: str
    target: str | None
    ip: str | None
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The entry as a JSON-ready dict (``at`` as ISO 8601 text with a ``Z``)."""
        return {
            "id": self.id, "at": self.at.isoformat() + "Z", "actor": self.actor, "actor_kind": self.actor_kind,
            "action": self.action, "target": self.target, "ip": self.ip, "detail": self.detail,
        }


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def record(
    store: Store,
    action: str,
    *,
    actor: str,
    actor_kind: ActorKind,
    target: str | None = None,
    ip: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``action`` is an ``area.verb`` name (see :data:`ACTIONS`); ``actor`` names who acted (an
    email, ``key:<name>``, ``anonymous`` or ``cli:<user>``) and ``actor_kind`` what it is; ``at`` defaults
    to now (an aware datetime is converted to naive UTC). Raises :class:`InvalidInput` for a
    malformed ``action``, an unknown ``actor_kind`` or an empty ``actor``, and
    :class:`northstar.domain.errors.StoreError` when the store cannot commit the entry.
    """
    if not _ACTION.match(action):
        raise InvalidInput("action", f"{action!r} is not an area.verb name of lowercase letters")
    if actor_kind not in ACTOR_KINDS:
        raise InvalidInput("actor_kind", f"{actor_kind!r} is not one of {', '.join(ACTOR_KINDS)}")
    if not actor:
        raise InvalidInput("actor", "must not be empty")
    entry = AuditEntry(
        id=uuid.uuid4().hex, at=_naive_utc(at or datetime.now(UTC)), actor=actor, actor_kind=actor_kind,
        action=action, target=target, ip=ip, detail=dict(detail or {}),
    )
    row = {column: getattr(entry, name) for column, name in zip(_COLUMNS, _FIELDS, strict=True)}
    row["detail"] = orjson.dumps(entry.detail, default=str).decode()
    store.write({"audit_log": [row]})
    return entry


def record_cli(store: Store, action: str, target: str | None = None,
               detail: Mapping[str, Any] | None = None) -> AuditEntry:
    """Append ``action`` done through the ``northstar`` command: the actor is ``cli:<OS user>``
    (kind ``system``) and there is no IP. Raises as :func:`record`."""
    return record(store, action, actor=f"cli:{getpass.getuser()}", actor_kind="system", target=target,
                  detail=detail)


def entries(
    store: Store,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
    newest_first: bool = True,
) -> list[AuditEntry]:
    """The entries matching every given filter, at most ``limit`` (1 to :data:`MAX_LIMIT`).

    ``action`` matches that action and every action below it (``login`` matches ``login``,
    ``login.success`` and ``login.failure``; ``login.success`` only itself); ``actor`` matches
    exactly; ``[since, until)`` is a half-open UTC window. Raises :class:`InvalidInput` for a
    ``limit`` out of range or ``since`` not before ``until``.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
    if since is not None and until is not None and _naive_utc(since) >= _naive_utc(until):
        raise InvalidInput("since", "must be before until")
    clauses: list[str] = []
    params: list[Any] = []
    if action:
        area = action.rstrip(".")
        clauses.append(f"(action = ? OR substr(action, 1, {len(area) + 1}) = ?)")
        params += [area, area + "."]
    if actor:
        clauses.append("actor = ?")
        params.append(actor)
    if since is not None:
        clauses.append("occurred_at >= ?")
        params.append(_naive_utc(since))
    if until is not None:
        clauses.append("occurred_at < ?")
        params.append(_naive_utc(until))
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    order = "DESC" if newest_first else "ASC"
    rows = store.query(
        f"SELECT {', '.join(_COLUMNS)} FROM audit_log{where} "
        f"ORDER BY occurred_at {order}, id {order} LIMIT {int(limit)}",
        params,
    )
    return [_entry(row) for row in rows]


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    values = dict(zip(_FIELDS, row, strict=True))
    detail = values["detail"]
    if isinstance(detail, str | bytes):
        detail = orjson.loads(detail)
    values["detail"] = dict(detail or {})
    return AuditEntry(**values)


def to_csv(found: list[AuditEntry]) -> Iterator[str]:
    """``found`` as CSV text chunks: a header line, then one line per entry (``detail`` as JSON
    with sorted keys)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_FIELDS)
    for entry in found:
        data = entry.as_dict()
        data["detail"] = orjson.dumps(entry.detail, default=str, option=orjson.OPT_SORT_KEYS).decode()
        writer.writerow([_csv_safe(data[name]) for name in _FIELDS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _csv_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is
    prefixed with ``'`` (OWASP "CSV injection"); other values are unchanged."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_jsonl(found: list[AuditEntry]) -> Iterator[str]:
    """``found`` as JSON Lines: one JSON object per entry and line."""
    for entry in found:
        yield orjson.dumps(entry.as_dict(), default=str).decode() + "\n"
