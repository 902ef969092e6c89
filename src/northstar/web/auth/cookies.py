"""The session cookie: set at login (HttpOnly, SameSite=Lax, Secure over HTTPS or when
``auth.cookie_secure`` is true) and deleted at logout."""

from __future__ import annotations

from fastapi import Request, Response

from northstar.web.auth.dependencies import SESSION_COOKIE
from northstar.web.security.client import is_https


def secure_cookie(request: Request) -> bool:
    """Whether the session cookie gets ``Secure``: ``auth.cookie_secure`` when it is a boolean,
    else whether ``request`` came over HTTPS (directly or through a trusted proxy)."""
    setting = request.app.state.northstar.settings.auth.cookie_secure
    return setting if isinstance(setting, bool) else is_https(request)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Put ``token`` in the session cookie of ``response`` for ``auth.session_max_age_seconds``."""
    response.set_cookie(
        SESSION_COOKIE, token, max_age=request.app.state.northstar.settings.auth.session_max_age_seconds,
        path="/", httponly=True, samesite="lax", secure=secure_cookie(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Delete the session cookie in the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookie(request))
