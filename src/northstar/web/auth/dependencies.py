"""The principal of a request and the ``require(permission)`` dependency.

A request is resolved, in this order, from: an ``Authorization`` header (``Bearer <read key>``; a
write key, sent as Bearer or as the HTTP Basic user, resolves to a principal that may only
ingest; any other credentials are refused with 401), the session cookie, and finally
``auth.anonymous_role``. The principal is kept at ``request.state.principal``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from fastapi.security import APIKeyCookie, HTTPBearer

from northstar.auth.roles import PERMISSION_ROLE, PERMISSIONS, Permission, Principal
from northstar.auth.sessions import resolve_session
from northstar.ingest.keys import verify_key

SESSION_COOKIE = "northstar_session"
# The answers every protected API route may give, for its OpenAPI ``responses``.
AUTH_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "No acceptable credentials: sign in, or send a read key as `Authorization: Bearer KEY`."},
    403: {"description": "The role (or key kind) does not allow this; `detail` says what is needed."},
}


class NotAuthenticated(Exception):
    """No acceptable credentials: 401 for the API, a redirect to ``/login`` for a page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermissionDenied(Exception):
    """Authenticated, but the role does not allow this: 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Declared so that the OpenAPI document names the two ways in; the header and cookie are read below.
_bearer = HTTPBearer(auto_error=False, scheme_name="readKey",
                     description="A read key (`nsr_…`) as `Authorization: Bearer KEY`; it carries its role.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="session",
                       description="The session cookie set by `POST /login`.")


def _key_principal(secret: str, scheme: str, request: Request) -> Principal:
    store = request.app.state.northstar.store
    if scheme == "bearer":
        key = verify_key(store, secret, "read")
        if key is not None:
            return Principal(kind="read_key", id=key["id"], name=key["name"], role=key["role"] or "viewer")
    key = verify_key(store, secret, "write")
    if key is not None:
        return Principal(kind="write_key", id=key["id"], name=key["name"], role=None)
    raise NotAuthenticated("unknown or revoked API key")


def _basic_user(credentials: str) -> str:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[0]


def principal_for(request: Request) -> Principal:
    """Who ``request`` acts as (see the module's docstring); raises :class:`NotAuthenticated`."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    settings = request.app.state.northstar.settings
    header = request.headers.get("authorization")
    if header:
        scheme, _, credentials = header.partition(" ")
        scheme, credentials = scheme.lower(), credentials.strip()
        if scheme == "bearer" and credentials:
            principal = _key_principal(credentials, "bearer", request)
        elif scheme == "basic" and _basic_user(credentials):
            principal = _key_principal(_basic_user(credentials), "basic", request)
        else:
            raise NotAuthenticated("unsupported Authorization header: send a read key as `Bearer KEY`")
    else:
        session = resolve_session(request.app.state.northstar.store, request.cookies.get(SESSION_COOKIE))
        if session is not None:
            principal = Principal(kind="user", id=session.user_id, name=session.email, role=session.role,
                                  session_id=session.id)
        elif settings.auth.anonymous_role is not None:
            principal = Principal(kind="anonymous", id=None, name=None, role=settings.auth.anonymous_role)
        else:
            raise NotAuthenticated("sign in, or send a read key as `Authorization: Bearer KEY`")
    request.state.principal = principal
    return principal


def current_principal(request: Request) -> Principal | None:
    """The principal of ``request`` when it has acceptable credentials, else ``None`` (never raises)."""
    try:
        return principal_for(request)
    except NotAuthenticated:
        return None


class Requirement:
    """The dependency behind :func:`require`: resolves the principal and checks ``permission``.

    Returns the :class:`Principal`; raises :class:`NotAuthenticated` (401 / redirect to login) or
    :class:`PermissionDenied` (403)."""

    def __init__(self, permission: Permission) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}; known: {', '.join(PERMISSIONS)}")
        self.permission = permission

    def __call__(self, request: Request, _key: Annotated[object, Depends(_bearer)] = None,
                 _session: Annotated[object, Depends(_cookie)] = None) -> Principal:
        principal = principal_for(request)
        if not principal.has(self.permission):
            if principal.kind == "write_key":
                raise PermissionDenied("write keys may only send data to the ingestion endpoints")
            raise PermissionDenied(f"needs the {PERMISSION_ROLE[self.permission]} role "
                                   f"(permission {self.permission}); you are {principal.role}")
        return principal

    def __repr__(self) -> str:
        return f"require({self.permission!r})"


class IngestRequirement:
    """The dependency behind ``require("ingest")``: ingestion authenticates the write key itself
    (HTTP Basic user or the body's ``writeKey``, in ``northstar.ingest``); this refuses, before
    the body is read, requests that carry a read key or another Bearer token."""

    permission: Permission = "ingest"

    def __call__(self, request: Request) -> None:
        scheme = request.headers.get("authorization", "").partition(" ")[0].lower()
        if scheme == "bearer":
            raise NotAuthenticated("ingestion takes a write key as the HTTP Basic user, not a Bearer token")

    def __repr__(self) -> str:
        return "require('ingest')"


def require(permission: Permission) -> DependsParam:
    """A dependency admitting only principals holding ``permission`` (see
    :mod:`northstar.auth.roles`). Use it as a route or router dependency
    (``dependencies=[require("export")]``) or as a parameter
    (``principal: Annotated[Principal, require("view_dashboard")]``). Every route must carry one,
    or :func:`public` (checked by ``create_app``)."""
    if permission == "ingest":
        return Depends(IngestRequirement())
    return Depends(Requirement(permission))


class Public:
    """The marker behind :func:`public`: the route is open to everyone (login, logout, health)."""

    def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "public()"


def public() -> DependsParam:
    """Mark a route as open to everyone; the startup check accepts it without :func:`require`."""
    return Depends(Public())
