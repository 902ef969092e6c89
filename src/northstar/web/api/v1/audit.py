"""``/api/v1/audit``: the audit trail for admins — list with filters, export as CSV or JSON Lines.
A thin adapter over :mod:`northstar.audit`; reading the trail needs the ``manage`` permission and
an export is itself audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from northstar import audit as core
from northstar.domain.errors import InvalidInput
from northstar.web.auth import AUTH_RESPONSES, require
from northstar.web.deps import NorthstarDep
from northstar.web.security.audit import audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[require("manage")],
                   responses=AUTH_RESPONSES)

ActionQuery = Annotated[str | None, Query(max_length=100, description="An action (`login.failure`) or an area "
                                          "(`login`: every `login.*` action).")]
ActorQuery = Annotated[str | None, Query(max_length=320, description="Exactly this actor (an email, "
                                         "`key:<name>`, `anonymous`, `cli:<OS user>`).")]
SinceQuery = Annotated[datetime | None, Query(description="Entries at or after this instant (ISO 8601; UTC "
                                              "when no offset is given).")]
UntilQuery = Annotated[datetime | None, Query(description="Entries before this instant (half-open window).")]
LimitQuery = Annotated[int, Query(ge=1, le=core.MAX_LIMIT, description="At most this many entries, newest first.")]
BAD_FILTER = {422: {"description": "A malformed filter: `since` not before `until`, an instant that is not ISO "
                                   "8601, a `limit` out of range; `detail` names the parameter."}}


class AuditEntryOut(BaseModel):
    """One audit entry: ``at`` is UTC; ``detail`` a JSON object (``{}`` when none)."""

    id: str
    at: datetime
    actor: str
    actor_kind: str
    action: str
    target: str | None
    ip: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    """The entries that match the filters, newest first, and how many there are (at most ``limit``)."""

    count: int
    entries: list[AuditEntryOut]


def _find(northstar: NorthstarDep, *, action: str | None, actor: str | None, since: datetime | None,
          until: datetime | None, limit: int, newest_first: bool = True) -> list[core.AuditEntry]:
    try:
        return core.entries(northstar.store, action=action, actor=actor, since=since, until=until, limit=limit,
                            newest_first=newest_first)
    except InvalidInput as exc:
        raise HTTPException(status_code=422, detail=[{"loc": ["query", exc.field], "msg": exc.reason,
                                                      "type": "value_error"}]) from exc


@router.get("", response_model=AuditPage, summary="The audit trail", responses=BAD_FILTER)
def list_entries(northstar: NorthstarDep, action: ActionQuery = None, actor: ActorQuery = None,
                 since: SinceQuery = None, until: UntilQuery = None, limit: LimitQuery = 1000) -> AuditPage:
    """Audit entries matching every given filter, newest first: who (``actor``), when (``at``),
    what (``action`` on ``target``) and from which IP."""
    found = _find(northstar, action=action, actor=actor, since=since, until=until, limit=limit)
    return AuditPage(count=len(found), entries=[AuditEntryOut(**entry.as_dict()) for entry in found])


@router.get("/export", summary="Export the audit trail", response_class=StreamingResponse,
            responses={200: {"description": "The entries, oldest first, as a CSV or JSON Lines file.",
                             "content": {"text/csv": {}, "application/x-ndjson": {}}}, **BAD_FILTER})
def export_entries(request: Request, northstar: NorthstarDep,
                   format: Annotated[Literal["csv", "jsonl"], Query(description="`csv` or `jsonl`.")] = "csv",
                   action: ActionQuery = None, actor: ActorQuery = None, since: SinceQuery = None,
                   until: UntilQuery = None,
                   limit: LimitQuery = core.MAX_LIMIT) -> StreamingResponse:
    """The matching entries, oldest first, as ``audit.csv`` (header ``id,at,actor,actor_kind,action,
    target,ip,detail``; ``detail`` as JSON) or ``audit.jsonl`` (one JSON object per line). The
    export is recorded in the trail as an ``export`` of ``audit_log``."""
    found = _find(northstar, action=action, actor=actor, since=since, until=until, limit=limit, newest_first=False)
    audit(request, "export", "audit_log", {"format": format, "entries": len(found)})
    if format == "csv":
        body, media_type = core.to_csv(found), "text/csv; charset=utf-8"
    else:
        body, media_type = core.to_jsonl(found), "application/x-ndjson"
    return StreamingResponse(body, media_type=media_type,
                             headers={"Content-Disposition": f'attachment; filename="audit.{format}"'})
