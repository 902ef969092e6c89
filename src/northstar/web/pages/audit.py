"""``/admin/audit``: the audit trail as a table with filters and export links (admins only)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from northstar import audit as core
from northstar.domain.errors import InvalidInput
from northstar.web.auth import require
from northstar.web.deps import NorthstarDep
from northstar.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[require("manage")])
PAGE_LIMIT = 500


def _instant(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(field, "is not a date and time (YYYY-MM-DDTHH:MM)") from exc


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, northstar: NorthstarDep, action: str | None = None, actor: str | None = None,
               since: str | None = None, until: str | None = None) -> HTMLResponse:
    """The newest :data:`PAGE_LIMIT` entries matching the filters (``since``/``until`` as
    ``YYYY-MM-DDTHH:MM`` in UTC); a malformed filter shows its error above an empty table."""
    filters = {"action": action, "actor": actor, "since": since, "until": until}
    error, found = None, []
    try:
        found = core.entries(northstar.store, action=action, actor=actor, since=_instant(since, "since"),
                             until=_instant(until, "until"), limit=PAGE_LIMIT)
    except InvalidInput as exc:
        error = f"{exc.field}: {exc.reason}"
    chosen = {key: value for key, value in filters.items() if value}
    export_query = urlencode(chosen) + "&" if chosen else ""
    return templates.TemplateResponse(request, "admin_audit.html", {
        "entries": found, "filters": filters, "error": error, "limit": PAGE_LIMIT, "export_query": export_query,
        "actions": core.ACTIONS,
    }, status_code=422 if error else 200)
