"""Typed ``Annotated`` dependencies shared by the routers (DESIGN.md, practice 6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBasic

from northstar.app import Northstar


def get_northstar(request: Request) -> Northstar:
    """The :class:`Northstar` the app was created over (``app.state.northstar``)."""
    return request.app.state.northstar


NorthstarDep = Annotated[Northstar, Depends(get_northstar)]


class WriteKeyBasic(HTTPBasic):
    """Segment's write-key authentication: HTTP Basic with the key as user and an empty password.

    Resolves to the key (the Basic user), ``None`` when the request has no Basic credentials (the
    body's ``writeKey`` may then authenticate it), or ``""`` — a key that matches nothing — for a
    malformed ``Authorization: Basic`` header. Checking the key is the ingestion service's job.
    """

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        try:
            credentials = await super().__call__(request)
        except HTTPException:
            return ""
        return credentials.username if credentials is not None else None


write_key_basic = WriteKeyBasic(
    scheme_name="writeKey",
    description="The write key as the HTTP Basic user with an empty password (`writeKey` in the body also works).",
    auto_error=False,
)
WriteKeyHeader = Annotated[str | None, Depends(write_key_basic)]
