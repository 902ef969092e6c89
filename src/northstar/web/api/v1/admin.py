"""``/api/v1/admin``: Northstar's users and API keys, for admins (the ``manage`` permission).

A thin adapter over :mod:`northstar.auth.users` and :mod:`northstar.ingest.keys`; every change is
audited (``user.create``, ``user.role_change``, ``user.disable``, ``user.enable``, ``key.create``,
``key.revoke``). A new key's secret and a generated password are in the answer once, never again.
An admin cannot disable themselves or take away their own admin role (so that an instance is not
left without one by accident).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from northstar.auth import users
from northstar.auth.passwords import generate_password
from northstar.auth.roles import Role
from northstar.domain.errors import InvalidInput
from northstar.ingest.keys import create_key, list_keys, revoke_key
from northstar.web.auth import AUTH_RESPONSES, CurrentPrincipal, require
from northstar.web.deps import NorthstarDep
from northstar.web.security.audit import audit

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[require("manage")],
                   responses=AUTH_RESPONSES)
BAD_INPUT = {422: {"description": "A bad field (`detail[].loc` names it), a duplicate email, or a change an "
                                  "admin may not make to their own account."}}


class UserOut(BaseModel):
    """One user (never the password hash); ``created_at`` is UTC."""

    id: str
    email: str
    role: Role
    created_at: datetime
    disabled: bool


class UserIn(BaseModel):
    """A new user; without ``password`` one is generated and returned once."""

    email: str = Field(max_length=254)
    role: Role
    password: str | None = Field(default=None, min_length=10, max_length=1024)


class CreatedUser(BaseModel):
    """The created user and, when it was generated, the password (shown only in this answer)."""

    user: UserOut
    password: str | None


class UserChange(BaseModel):
    """A change to a user: a new ``role`` and/or ``disabled`` (``false`` re-enables)."""

    role: Role | None = None
    disabled: bool | None = None


class KeyOut(BaseModel):
    """One API key (never its secret); instants are UTC, ``revoked_at`` ``null`` while active."""

    id: str
    name: str
    kind: Literal["read", "write"]
    role: Role | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class KeyIn(BaseModel):
    """A new key: a ``read`` key needs a ``role``; a ``write`` key has none."""

    kind: Literal["read", "write"]
    name: str = Field(min_length=1, max_length=200)
    role: Role | None = None


class CreatedKey(BaseModel):
    """The new key's secret (shown only in this answer) and its listing."""

    key: str
    listing: KeyOut


def _unprocessable(exc: InvalidInput) -> HTTPException:
    return HTTPException(status_code=422, detail=[{"loc": ["body", exc.field], "msg": exc.reason,
                                                   "type": "value_error"}])


def _user_out(user: users.User) -> UserOut:
    return UserOut(id=user.id, email=user.email, role=user.role, created_at=user.created_at, disabled=user.disabled)


@router.get("/users", response_model=list[UserOut], summary="Northstar's users")
def list_users(northstar: NorthstarDep) -> list[UserOut]:
    """Every user, oldest first."""
    return [_user_out(user) for user in users.list_users(northstar.store)]


@router.post("/users", response_model=CreatedUser, status_code=201, summary="Create a user", responses=BAD_INPUT)
def create_user(body: UserIn, request: Request, northstar: NorthstarDep) -> CreatedUser:
    """Create a user with ``role``; the password is generated (and returned once) when not given."""
    password = body.password or generate_password()
    try:
        user = users.create_user(northstar.store, body.email, body.role, password)
    except InvalidInput as exc:
        raise _unprocessable(exc) from exc
    audit(request, "user.create", user.email, {"role": user.role})
    return CreatedUser(user=_user_out(user), password=None if body.password else password)


@router.patch("/users/{user_id}", response_model=UserOut, summary="Change a user's role or disable them",
              responses={**BAD_INPUT, 404: {"description": "No such user."}})
def change_user(user_id: str, body: UserChange, request: Request, northstar: NorthstarDep,
                principal: CurrentPrincipal) -> UserOut:
    """Apply ``role`` and/or ``disabled``; disabling ends the user's sessions at once."""
    user = users.get_user(northstar.store, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"no user {user_id!r}")
    if principal.kind == "user" and principal.id == user.id and (
            body.disabled or (body.role is not None and body.role != "admin")):
        raise _unprocessable(InvalidInput("role" if body.role else "disabled",
                                          "an admin cannot disable or demote themselves"))
    if body.role is not None and body.role != user.role:
        user = users.set_role(northstar.store, user.id, body.role)
        audit(request, "user.role_change", user.email, {"role": user.role})
    if body.disabled is not None and body.disabled != user.disabled:
        user = users.set_disabled(northstar.store, user.id, disabled=body.disabled)
        audit(request, "user.disable" if body.disabled else "user.enable", user.email)
    return _user_out(user)


@router.get("/keys", response_model=list[KeyOut], summary="API keys")
def list_api_keys(northstar: NorthstarDep) -> list[KeyOut]:
    """Every key, oldest first (never the secrets)."""
    return [KeyOut(**key) for key in list_keys(northstar.store)]


@router.post("/keys", response_model=CreatedKey, status_code=201, summary="Create an API key", responses=BAD_INPUT)
def create_api_key(body: KeyIn, request: Request, northstar: NorthstarDep) -> CreatedKey:
    """Create a key and return its secret, once; only its hash is stored."""
    try:
        secret = create_key(northstar.store, body.kind, body.name, role=body.role)
    except InvalidInput as exc:
        raise _unprocessable(exc) from exc
    listing = next(KeyOut(**key) for key in reversed(list_keys(northstar.store))
                   if secret.startswith(key["prefix"]))
    audit(request, "key.create", listing.id, {"kind": body.kind, "name": listing.name, "role": body.role})
    return CreatedKey(key=secret, listing=listing)


@router.delete("/keys/{key_id}", status_code=204, summary="Revoke an API key",
               responses={404: {"description": "No such active key."}})
def revoke_api_key(key_id: str, request: Request, northstar: NorthstarDep) -> Response:
    """Revoke the key: requests with it are refused from now on."""
    if not revoke_key(northstar.store, key_id):
        raise HTTPException(status_code=404, detail=f"no active key {key_id!r}")
    audit(request, "key.revoke", key_id)
    return Response(status_code=204)
