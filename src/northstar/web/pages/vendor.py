"""``GET /vendor/vega-embed.js``: the Vega, Vega-Lite and vega-embed bundle that vl-convert ships
(no CDN: the dashboard works offline). Built once per process on first use (a few seconds) and
kept in memory; browsers may cache it for a day. The bundle contains Vega's expression
interpreter, so pages embed with ``{ast: true}`` and run under ``script-src 'self'`` without
``'unsafe-eval'``.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cache

import vl_convert
from fastapi import APIRouter, Request
from fastapi.responses import Response

from northstar.web.auth import public

# The chart library is static code, like /static: open to everyone (the sign-in page too).
router = APIRouter(include_in_schema=False, dependencies=[public()])
_LOCK = threading.Lock()


@cache
def _bundle() -> tuple[bytes, str]:
    text = vl_convert.javascript_bundle().encode("utf-8")
    return text, hashlib.sha256(text).hexdigest()[:16]


def vega_bundle() -> tuple[bytes, str]:
    """The bundle's bytes and a short hash of them (the ETag); built once per process."""
    with _LOCK:
        return _bundle()


@router.get("/vendor/vega-embed.js")
def vega_embed(request: Request) -> Response:
    """The bundle as JavaScript (``window.vegaEmbed``, ``window.vega``, ``window.vegaLite``)."""
    body, tag = vega_bundle()
    headers = {"ETag": f'"{tag}"', "Cache-Control": "public, max-age=86400"}
    if request.headers.get("if-none-match") == f'"{tag}"':
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)
