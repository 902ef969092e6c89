"""Wire the hardening into an app: middleware (security headers outermost, then CORS, then CSRF),
the error handlers, the app-wide rate-limit dependency, the rate limiter itself, and the
``csrf_token`` every page template receives."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from northstar.config import Settings
from northstar.web.security.csrf import CSRF_HEADER, CSRFMiddleware, csrf_context
from northstar.web.security.errors import install_error_handlers
from northstar.web.security.headers import SecurityHeadersMiddleware
from northstar.web.security.ratelimit import RateLimiter, enforce_rate_limit
from northstar.web.templating import templates

# Every route may answer 429 (documented in the OpenAPI document of each operation).
RATE_LIMITED = {"description": "Too many requests from this user, key or IP address (`security.rate_limit_*`); "
                               "`Retry-After` says how many seconds to wait."}


def install(app: FastAPI, settings: Settings) -> None:
    """Harden ``app`` under ``settings.security``. Call it before including any router: the
    rate-limit dependency is added to the routes included after it."""
    app.state.rate_limiter = RateLimiter(settings.security)
    app.router.dependencies.append(Depends(enforce_rate_limit))
    app.router.responses[429] = RATE_LIMITED
    install_error_handlers(app)
    if csrf_context not in templates.context_processors:
        templates.context_processors.append(csrf_context)
    app.add_middleware(CSRFMiddleware)
    if settings.security.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.security.cors_origins, allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", CSRF_HEADER], expose_headers=["Retry-After"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
