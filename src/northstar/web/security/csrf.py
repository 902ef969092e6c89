"""CSRF protection (issue 6, "Hardened HTTP"): a signed double-submit token.

Each browser gets a random nonce in the ``northstar_csrf`` cookie (HttpOnly, SameSite=Lax, Secure
over HTTPS); the token is that nonce signed with the store's signing key (itsdangerous), put in
every page as ``<meta name="csrf-token">`` and in forms as the hidden field ``csrf_token``.

A state-changing request (POST, PUT, PATCH, DELETE) must carry the token in the ``X-CSRF-Token``
header or the ``csrf_token`` form field, matching its cookie's nonce, when it is
cookie-authenticated (it carries the session cookie) or is a login (``POST /login``: the login
form is protected before any session exists). Requests with an ``Authorization`` header (read
keys as Bearer, write keys as Basic) are exempt: another site can make a browser send cookies,
never that header. A missing or wrong token is refused with 403 saying so.
"""

from __future__ import annotations

import hmac
import json
import secrets
from urllib.parse import parse_qs

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from northstar.auth.app_secrets import app_secret
from northstar.web.auth.dependencies import SESSION_COOKIE
from northstar.web.security.client import is_https

CSRF_COOKIE = "northstar_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALWAYS_CHECKED = frozenset({"/login"})
MAX_FORM_BYTES = 1024 * 1024
_SALT = "northstar-csrf"
_NEW_NONCE = "csrf_new_nonce"


def _serializer(connection: HTTPConnection) -> URLSafeTimedSerializer:
    state = connection.app.state
    serializer = getattr(state, "csrf_serializer", None)
    if serializer is None:
        serializer = URLSafeTimedSerializer(app_secret(state.northstar.store), salt=_SALT)
        state.csrf_serializer = serializer
    return serializer


def _nonce(connection: HTTPConnection) -> str:
    """The browser's nonce: its cookie, or a new one that the middleware will set as the cookie."""
    nonce = connection.cookies.get(CSRF_COOKIE) or connection.scope.get("state", {}).get(_NEW_NONCE)
    if not nonce:
        nonce = secrets.token_urlsafe(24)
        connection.scope.setdefault("state", {})[_NEW_NONCE] = nonce
    return nonce


def csrf_token(connection: HTTPConnection) -> str:
    """The CSRF token for ``connection``'s browser (the nonce of its cookie, signed)."""
    return str(_serializer(connection).dumps(_nonce(connection)))


def csrf_context(request: Request) -> dict[str, str]:
    """The template context processor giving every page ``csrf_token``."""
    return {"csrf_token": csrf_token(request)}


def token_problem(connection: HTTPConnection, token: str | None) -> str | None:
    """Why ``token`` does not protect ``connection`` (``None`` when it does): missing, no cookie,
    malformed or forged, or signed for another browser's nonce. Tokens live as long as a session
    (``auth.session_max_age_seconds``)."""
    if not token:
        return "CSRF token missing: send the page's csrf-token in the X-CSRF-Token header or the csrf_token field"
    nonce = connection.cookies.get(CSRF_COOKIE)
    if not nonce:
        return "CSRF cookie missing: load a page of this site first (cookies must be enabled)"
    max_age = connection.app.state.northstar.settings.auth.session_max_age_seconds
    try:
        signed = _serializer(connection).loads(token, max_age=max_age)
    except BadSignature:
        return "CSRF token invalid or expired: reload the page"
    if not isinstance(signed, str) or not hmac.compare_digest(signed, nonce):
        return "CSRF token does not belong to this browser: reload the page"
    return None


def needs_token(connection: HTTPConnection, method: str) -> bool:
    """Whether a ``method`` request must carry a CSRF token (see the module's docstring)."""
    if method not in UNSAFE_METHODS or "authorization" in connection.headers:
        return False
    return SESSION_COOKIE in connection.cookies or connection.url.path in ALWAYS_CHECKED


class CSRFMiddleware:
    """Pure ASGI middleware: refuses unprotected state-changing requests with 403, and sets the
    nonce cookie on responses whose page handed out a token to a browser without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        if needs_token(connection, scope["method"]):
            token = connection.headers.get(CSRF_HEADER)
            if not token:
                token, receive = await _form_token(scope, receive)
            problem = token_problem(connection, token)
            if problem is not None:
                await _refuse(connection, problem, send)
                return

        async def send_with_cookie(message: Message) -> None:
            nonce = scope.get("state", {}).get(_NEW_NONCE)
            if message["type"] == "http.response.start" and nonce:
                secure = "; Secure" if is_https(connection) else ""
                MutableHeaders(scope=message).append(
                    "set-cookie", f"{CSRF_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Lax{secure}"
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def _form_token(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """The ``csrf_token`` field of a URL-encoded or multipart form body (up to
    :data:`MAX_FORM_BYTES`), and a ``receive`` that replays the body to the application."""
    content_type = HTTPConnection(scope).headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None, receive
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None, receive
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > MAX_FORM_BYTES:
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    if more:
        return None, replay
    if content_type == "application/x-www-form-urlencoded":
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
        return (values[0] if values else None), replay
    form = await Request(scope, receive=_once(body)).form()
    value = form.get(CSRF_FIELD)
    await form.close()
    return (value if isinstance(value, str) else None), replay


def _once(body: bytes) -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(connection: HTTPConnection, problem: str, send: Send) -> None:
    """Answer 403 naming ``problem`` (a page for a browser, else JSON); the security headers are
    added by the middleware around this one."""
    if "text/html" in connection.headers.get("accept", "") and not connection.url.path.startswith(("/api/", "/v1/")):
        body = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Refused · Northstar</title>"
                f"</head><body><h1>Refused</h1><p>{problem}.</p></body></html>").encode()
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"detail": problem}).encode()
        content_type = b"application/json"
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
