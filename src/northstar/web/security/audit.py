"""The audit trail's web adapter: ``audit(request, action, target, detail)`` records who (the
request's principal), from which IP and when (core: :mod:`northstar.audit`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.requests import HTTPConnection

from northstar import audit as core
from northstar.domain.errors import StoreError
from northstar.web.security.client import client_ip

log = logging.getLogger(__name__)


def actor_of(connection: HTTPConnection) -> tuple[str, core.ActorKind]:
    """``(actor, actor_kind)`` of the request: its principal's label and kind
    (``request.state.principal``, set by the auth dependencies), ``("anonymous", "anonymous")``
    before authentication."""
    principal = getattr(connection.state, "principal", None)
    if principal is None:
        return "anonymous", "anonymous"
    return principal.label, principal.kind


def audit(
    request: HTTPConnection,
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
) -> core.AuditEntry:
    """Append ``action`` on ``target`` (with ``detail``, a JSON object) to the audit log, as the
    request's principal from the request's client IP; ``actor`` overrides the principal's label
    (e.g. the email of a login attempt before anyone is logged in).

    Returns the entry. Raises :class:`northstar.domain.errors.StoreError` when the store cannot
    commit it (logged first): an audited action must not succeed silently without its entry.
    """
    label, kind = actor_of(request)
    try:
        return core.record(
            request.app.state.northstar.store, action, actor=actor or label, actor_kind=kind, target=target,
            ip=client_ip(request), detail=detail,
        )
    except StoreError:
        log.exception("audit entry %s on %s could not be written", action, target)
        raise
