"""Rate limits (issue 6, "Limits and trail"), counted in a moving window with the ``limits`` library.

Every API request and page is counted against its *class* of limit, per principal: a user, an API
key, or — for a request without credentials — its client IP (``security.trusted_proxies`` decides
whether ``X-Forwarded-For`` is believed):

=============  ===========================  ==================================================
class          setting                      requests
=============  ===========================  ==================================================
``ingest``     ``rate_limit_ingest``        ingestion routes (``require("ingest")``)
``financial``  ``rate_limit_financial``     API reads of financial data (``web/security/financial.py``):
                                            ``/api/…`` routes that need ``view_financial``, whose
                                            ``{name}`` is a financial metric, or that are executive
                                            endpoints read by a principal who sees financial data
``default``    ``rate_limit_default``       everything else, pages and their live refresh
                                            included (static files are not counted)
=============  ===========================  ==================================================

The financial limit (the specification's 100 requests/hour for executive endpoints) is meant for
API clients; the dashboard's pages, fragments and charts, which refresh themselves every
``dashboard.refresh_seconds``, count against the default limit.

Failed logins are counted separately per account (the email as given, lower-cased) and per IP
(``login_attempts``): :func:`check_login_allowed` refuses a login while either is exhausted, so
the 6th wrong password within a minute is refused under the default ``5/minute``, and only
failures are counted (:func:`record_login_failure`). Over a limit the answer is 429 with
``Retry-After`` (whole seconds until the oldest counted request leaves the window).

Counters live in memory (one process) or in Redis (``security.rate_limit_storage =
"redis://…"``), where every process serving the same deployment shares them.
"""

from __future__ import annotations

import math
import time
from typing import Literal

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from northstar.auth.roles import Principal
from northstar.config import SecuritySettings
from northstar.web.auth.dependencies import IngestRequirement, Requirement, current_principal
from northstar.web.security.client import client_ip
from northstar.web.security.financial import financial_metric, is_executive_endpoint, sees_financial

LimitClass = Literal["default", "financial", "ingest"]
KEY_PREFIX = "northstar"


class RateLimited(HTTPException):
    """429 Too Many Requests with ``Retry-After`` (seconds, at least 1)."""

    def __init__(self, what: str, limit: RateLimitItem, retry_after: int) -> None:
        super().__init__(
            status_code=429,
            detail=f"too many {what}: the limit is {limit}; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class RateLimiter:
    """The limits of one app over one storage (``memory://`` or ``redis://``)."""

    def __init__(self, settings: SecuritySettings) -> None:
        url = settings.rate_limit_storage
        options = {"key_prefix": KEY_PREFIX} if url.startswith(("redis://", "rediss://")) else {}
        self.storage: Storage = storage_from_string(url, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.limits: dict[str, RateLimitItem] = {
            "default": parse(settings.rate_limit_default),
            "financial": parse(settings.rate_limit_financial),
            "ingest": parse(settings.rate_limit_ingest),
            "login": parse(settings.login_attempts),
        }

    def retry_after(self, limit: RateLimitItem, *identifiers: str) -> int:
        """Whole seconds until ``identifiers`` may be counted against ``limit`` again (at least 1)."""
        stats = self.strategy.get_window_stats(limit, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def hit(self, kind: str, *identifiers: str) -> int | None:
        """Count one request of ``kind`` for ``identifiers``: ``None`` when allowed, else the
        seconds to wait (the request is then not counted)."""
        limit = self.limits[kind]
        if self.strategy.hit(limit, kind, *identifiers):
            return None
        return self.retry_after(limit, kind, *identifiers)

    def blocked(self, kind: str, *identifiers: str) -> int | None:
        """Without counting: ``None`` when one more ``kind`` request would be allowed, else the
        seconds to wait."""
        limit = self.limits[kind]
        if self.strategy.test(limit, kind, *identifiers):
            return None
        return self.retry_after(limit, kind, *identifiers)

    def reset(self) -> None:
        """Forget every counter of this storage (tests, and an operator's ``reset``)."""
        self.storage.reset()


def limiter_of(request: Request) -> RateLimiter:
    """The app's :class:`RateLimiter` (``app.state.rate_limiter``, created by ``security.install``)."""
    return request.app.state.rate_limiter


def identity(request: Request, principal: Principal | None) -> str:
    """What a request is counted as: ``user:<id>``, ``key:<id>``, or ``ip:<address>``."""
    if principal is not None and principal.kind == "user":
        return f"user:{principal.id}"
    if principal is not None and principal.kind in ("read_key", "write_key"):
        return f"key:{principal.id}"
    return f"ip:{client_ip(request) or 'unknown'}"


def _route_permissions(route: APIRoute) -> frozenset[str]:
    """The permissions ``route``'s dependencies require."""
    found: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        for sub in dependant.dependencies:
            if isinstance(sub.call, Requirement | IngestRequirement):
                found.add(sub.call.permission)
            pending.append(sub)
    return frozenset(found)


def limit_class(request: Request, principal: Principal | None) -> LimitClass:
    """The class of limit ``request`` counts against (see the module's docstring)."""
    route = request.scope.get("route")
    permissions = _route_permissions(route) if isinstance(route, APIRoute) else frozenset()
    if "ingest" in permissions:
        return "ingest"
    if not request.url.path.startswith("/api/"):
        return "default"
    if "view_financial" in permissions or financial_metric(request) is not None:
        return "financial"
    if is_executive_endpoint(request) and sees_financial(request, principal):
        return "financial"
    return "default"


def enforce_rate_limit(request: Request) -> None:
    """The app-wide dependency: count ``request`` against its class of limit for its principal;
    raises :class:`RateLimited` (429 with ``Retry-After``) over the limit."""
    principal = current_principal(request)
    kind = limit_class(request, principal)
    wait = limiter_of(request).hit(kind, identity(request, principal))
    if wait is not None:
        raise RateLimited("requests", limiter_of(request).limits[kind], wait)


def _login_identifiers(request: Request, email: str) -> tuple[str, str]:
    return f"account:{email.strip().lower()}", f"ip:{client_ip(request) or 'unknown'}"


def check_login_allowed(request: Request, email: str) -> None:
    """Refuse a login attempt for ``email`` from ``request``'s IP while the failed attempts of that
    account or that IP fill the ``security.login_attempts`` window: raises :class:`RateLimited`
    (429, ``Retry-After``) — even for the right password, so guessing on cannot confirm it."""
    limiter = limiter_of(request)
    for identifier in _login_identifiers(request, email):
        wait = limiter.blocked("login", identifier)
        if wait is not None:
            raise RateLimited("failed logins", limiter.limits["login"], wait)


def record_login_failure(request: Request, email: str) -> None:
    """Count one failed login for ``email``'s account and for ``request``'s IP."""
    limiter = limiter_of(request)
    for identifier in _login_identifiers(request, email):
        limiter.hit("login", identifier)
