"""The startup check that every route is protected, and the answers to unauthenticated and
forbidden requests (401 JSON with ``WWW-Authenticate`` for the API, a redirect to ``/login`` for
pages, 403 naming what is missing)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.routing import Mount

from northstar.metrics.service import service_for
from northstar.web.auth.dependencies import (
    IngestRequirement,
    NotAuthenticated,
    PermissionDenied,
    Public,
    Requirement,
    current_principal,
)
from northstar.web.auth.visibility import chart_allowed
from northstar.web.templating import templates

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="northstar"'}
_SCHEMES = {"readKey", "session"}


class UnprotectedRoute(RuntimeError):
    """Raised by :func:`check_routes` naming the routes that carry neither ``require(...)`` nor
    ``public()``."""


def _guarded(dependant: Dependant) -> bool:
    for sub in dependant.dependencies:
        if isinstance(sub.call, Requirement | IngestRequirement | Public) or _guarded(sub):
            return True
    return False


def check_routes(app: FastAPI) -> None:
    """Raise :class:`UnprotectedRoute` when a route of ``app`` lacks a permission dependency.

    Every route is visited, including those of included routers (with the dependencies given at
    inclusion). Exempt: the ``/static`` mount and FastAPI's documentation routes
    (``/openapi.json``, ``/docs``, ``/redoc``). Any other mount or plain Starlette route is
    refused, since it cannot carry one."""
    exempt = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    missing: list[str] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and route.path == "/static":
            continue
        if isinstance(route, APIRoute | APIWebSocketRoute):
            if not _guarded(context.dependant):
                missing.append(f"{','.join(sorted(context.methods or ['WEBSOCKET']))} {context.path}")
        elif context.path not in exempt:
            missing.append(f"{type(route).__name__} {context.path}")
    if missing:
        raise UnprotectedRoute("routes without require(...) or public(): " + "; ".join(missing))


def wants_html(request: Request) -> bool:
    """Whether ``request`` is a page view (not under ``/api`` or ``/v1``, and accepting HTML)."""
    path = request.url.path
    return not path.startswith(("/api/", "/v1/")) and "text/html" in request.headers.get("accept", "")


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site (``/…``, not ``//…``), else ``/``: where to go
    after signing in, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAuthenticated)
    if wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return JSONResponse({"detail": exc.reason}, status_code=401, headers=CHALLENGE)


async def _denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PermissionDenied)
    if wants_html(request):
        return templates.TemplateResponse(request, "forbidden.html", {"reason": exc.reason}, status_code=403)
    return JSONResponse({"detail": exc.reason}, status_code=403)


def chart_visible(request: Request, chart_id: str) -> bool:
    """Whether the request's principal (if any) may see chart ``chart_id`` (templates leave out the
    charts it may not)."""
    principal = current_principal(request)
    return principal is not None and chart_allowed(principal, chart_id, None,
                                                    service_for(request.app.state.northstar))


def install(app: FastAPI) -> None:
    """Register the 401/403 answers on ``app``, mark credentials optional in its OpenAPI document
    when ``auth.anonymous_role`` is set, and give the templates ``principal_of(request)``
    (the request's principal or ``None``) for the user menu and ``chart_visible(request, chart_id)``
    to leave out the charts the principal may not see."""
    templates.env.globals["principal_of"] = current_principal
    templates.env.globals["chart_visible"] = chart_visible
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(PermissionDenied, _denied)
    _declare_anonymous_access(app)


def _declare_anonymous_access(app: FastAPI) -> None:
    """With ``auth.anonymous_role`` set, credentials are optional: the OpenAPI document says so by
    adding the empty security requirement ``{}`` to every operation that accepts a read key or a
    session (ingestion still needs its write key)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        cached = app.openapi_schema is not None
        schema = build()
        if not cached and app.state.northstar.settings.auth.anonymous_role is not None:
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    security = operation.get("security") if isinstance(operation, dict) else None
                    if security and {} not in security and any(_SCHEMES & set(item) for item in security):
                        security.append({})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
