"""``/admin``: users and API keys for admins; the actions go through ``/api/v1/admin`` from
``static/js/admin.js`` (with the CSRF header), and the audit trail is one link away."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from northstar.auth.roles import ROLES
from northstar.auth.users import list_users
from northstar.ingest.keys import list_keys
from northstar.web.auth import CurrentPrincipal, require
from northstar.web.deps import NorthstarDep
from northstar.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[require("manage")])


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, northstar: NorthstarDep, principal: CurrentPrincipal) -> HTMLResponse:
    """The users and keys tables with their forms."""
    return templates.TemplateResponse(request, "admin.html", {
        "users": list_users(northstar.store), "keys": list_keys(northstar.store), "roles": ROLES,
        "me": principal.id if principal.kind == "user" else None,
    })
