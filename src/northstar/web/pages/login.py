"""``/login``, ``/logout`` and ``/account/password``: signing in with a session cookie, signing
out, and changing one's password (which signs out every other session). Thin: the rules are in
:mod:`northstar.auth.users` and :mod:`northstar.auth.sessions`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from northstar.auth import sessions, users
from northstar.domain.errors import InvalidInput
from northstar.web.auth import CurrentPrincipal, current_principal, public, require
from northstar.web.auth.cookies import clear_session_cookie, set_session_cookie
from northstar.web.auth.dependencies import SESSION_COOKIE
from northstar.web.auth.guard import safe_next
from northstar.web.security.audit import audit
from northstar.web.security.ratelimit import check_login_allowed, record_login_failure
from northstar.web.templating import templates

router = APIRouter(include_in_schema=False)


def _login_form(request: Request, next_path: str, error: str | None = None, email: str = "",
                status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "login.html", {"next": next_path, "error": error, "email": email}, status_code=status_code,
    )


@router.get("/login", response_class=HTMLResponse, dependencies=[public()])
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form; a visitor who is signed in already goes straight to ``next``."""
    principal = current_principal(request)
    if principal is not None and principal.kind == "user":
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, safe_next(next))


@router.post("/login", response_class=HTMLResponse, dependencies=[public()])
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Check the email and password; on success open a session (a new one, replacing any the
    browser had), set its cookie and go to ``next``; on failure show the form again (401). While
    the account or the IP has used up its failed attempts, answer 429 without checking."""
    store = request.app.state.northstar.store
    check_login_allowed(request, email)
    user = users.authenticate(store, email, password)
    if user is None:
        record_login_failure(request, email)
        audit(request, "login.failure", email.strip().lower(), actor=email.strip().lower() or "anonymous")
        return _login_form(request, safe_next(next), "Wrong email or password.", email, status_code=401)
    sessions.revoke_session(store, request.cookies.get(SESSION_COOKIE))
    token = sessions.create_session(store, user.id, request.app.state.northstar.settings.auth.session_max_age_seconds)
    audit(request, "login.success", user.email, actor=user.email)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.post("/logout", dependencies=[public()])
def logout(request: Request) -> Response:
    """End the browser's session (in the store, so the cookie is dead even if kept) and go to the
    sign-in page."""
    principal = current_principal(request)
    sessions.revoke_session(request.app.state.northstar.store, request.cookies.get(SESSION_COOKIE))
    if principal is not None and principal.kind == "user":
        audit(request, "logout", principal.label)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response


def _password_form(request: Request, message: str | None = None, error: str | None = None,
                   status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "account_password.html", {"message": message, "error": error}, status_code=status_code,
    )


@router.get("/account/password", response_class=HTMLResponse, dependencies=[require("view_dashboard")])
def password_page(request: Request, principal: CurrentPrincipal) -> Response:
    """The password change form (for a signed-in user; others are sent to sign in)."""
    if principal.kind != "user":
        return RedirectResponse("/login?next=/account/password", status_code=303)
    return _password_form(request)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[require("view_dashboard")])
def change_password(
    request: Request,
    principal: CurrentPrincipal,
    current_password: Annotated[str, Form(max_length=1024)],
    password: Annotated[str, Form(max_length=1024)],
    password_confirm: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Change the signed-in user's password; every other session of theirs is signed out."""
    if principal.kind != "user" or principal.id is None:
        return RedirectResponse("/login?next=/account/password", status_code=303)
    if password != password_confirm:
        return _password_form(request, error="The new passwords do not match.", status_code=422)
    try:
        users.change_password(request.app.state.northstar.store, principal.id, current_password, password,
                              keep_session=principal.session_id)
    except InvalidInput as exc:
        wrong_current = exc.field == "current_password"
        text = "The current password is wrong." if wrong_current else f"The new password {exc.reason}."
        return _password_form(request, error=text, status_code=422)
    audit(request, "user.password_change", principal.label)
    return _password_form(request, message="Password changed. Your other sessions have been signed out.")
