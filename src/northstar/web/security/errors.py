"""Errors never leak (issue 6, "Hardened HTTP"): an unhandled exception answers a generic 500 —
JSON for the API, a small page for a browser — quoting only the request id, while the server log
gets the traceback under the same id. Store errors (whose messages may hold SQL) answer 503 the
same way. The security headers middleware catches what escapes the application and answers with
:func:`unhandled_response`, so these answers carry the security headers too and the connection
stays usable."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from northstar.domain.errors import StoreError

log = logging.getLogger("northstar.web.errors")

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · Northstar</title>
<link rel="stylesheet" href="/static/northstar.css"></head>
<body><main id="main"><h1>{title}</h1><p>{message}</p>
<p>Request id: <code>{request_id}</code> (quote it to your administrator).</p>
<p><a href="/">Back to the overview</a></p></main></body></html>
"""


def request_id_of(request: Request) -> str:
    """The request's id (set by the security headers middleware), ``"-"`` when it has none."""
    return getattr(request.state, "request_id", None) or "-"


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(("/api/", "/v1/")) and "text/html" in request.headers.get("accept", "")


def generic_error(request: Request, status_code: int, title: str, message: str) -> Response:
    """A ``status_code`` answer saying only ``title``/``message`` and the request id: JSON
    ``{"detail", "request_id"}`` or, for a browser page, HTML."""
    request_id = request_id_of(request)
    if _wants_page(request):
        page = _PAGE.format(title=title, message=message, request_id=request_id)
        return HTMLResponse(page, status_code=status_code)
    return JSONResponse({"detail": message, "request_id": request_id}, status_code=status_code)


def unhandled_response(request: Request, exc: Exception) -> Response:
    """Log ``exc`` with its traceback under the request id and return the generic 500."""
    log.error("request %s %s %s failed", request_id_of(request), request.method, request.url.path, exc_info=exc)
    return generic_error(request, 500, "Something went wrong",
                         "Internal error: the request could not be completed.")


async def _store_failed(request: Request, exc: Exception) -> Response:
    log.error("request %s %s %s: store error", request_id_of(request), request.method, request.url.path,
              exc_info=exc)
    return generic_error(request, 503, "Data store unavailable",
                         "The data store could not complete the request; try again shortly.")


def install_error_handlers(app: FastAPI) -> None:
    """Answer :class:`StoreError` with a generic 503 (other exceptions: the security headers
    middleware, :func:`unhandled_response`)."""
    app.add_exception_handler(StoreError, _store_failed)
