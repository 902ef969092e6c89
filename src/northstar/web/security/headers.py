"""Security headers on every response (issue 6, "Hardened HTTP"): pages, API answers, static
files, redirects, 404s and errors.

The Content-Security-Policy allows only Northstar's own origin for scripts, styles, fonts and
connections, ``data:`` images (charts exported as PNG), no plugins, no framing; the pages
therefore carry no inline script, event handler or ``style`` attribute (docs/security.md).
``Strict-Transport-Security`` is sent only when the request came over HTTPS (its own scheme, or
``X-Forwarded-Proto`` from a trusted proxy), since browsers ignore it over plain HTTP and a
deployment on plain HTTP must not pin itself.

Each request also gets an id (``X-Request-ID``; ``request.state.request_id``) that the error
answers quote and the server log records.
"""

from __future__ import annotations

import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from northstar.web.security.client import is_https
from northstar.web.security.errors import unhandled_response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers(connection: HTTPConnection) -> dict[str, str]:
    """The headers every response to ``connection`` carries, HSTS included over HTTPS
    (``max-age`` from ``security.hsts_max_age_seconds``)."""
    headers = dict(SECURITY_HEADERS)
    if is_https(connection):
        max_age = connection.app.state.northstar.settings.security.hsts_max_age_seconds
        headers["Strict-Transport-Security"] = f"max-age={max_age}; includeSubDomains"
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding :func:`security_headers` and ``X-Request-ID`` to every HTTP
    response, and answering an exception that escapes the application before its response
    started with the generic 500 of :func:`unhandled_response` (after that it re-raises: the
    server can only cut the connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        connection = HTTPConnection(scope)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(connection).items():
                    headers[name] = value
                headers["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:
                raise
            await unhandled_response(Request(scope), exc)(scope, receive, send_with_headers)
