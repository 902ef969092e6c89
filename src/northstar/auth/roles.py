"""Roles, permissions and the principal a request acts as (issue 6, "Who can do what").

Roles are ordered ``viewer < analyst < executive < admin``; each role has every permission of the
roles below it. Permissions are a small closed set:

==================  ==========  ==========================================================
permission          least role  what it allows
==================  ==========  ==========================================================
``view_dashboard``  viewer      pages and non-financial metrics
``view_drilldown``  analyst     drill-down data: per-user journeys, the SQL of a metric,
                                the daily snapshot, chart data
``export``          analyst     exports (CSV, XLSX, PNG, PDF)
``view_financial``  executive   revenue and other financial metrics (see ``auth.family_roles``)
``manage``          admin       users, API keys, alert rules, notification channels, settings,
                                the audit log
``ingest``          (none)      ingestion: write keys only, never a user or a read key
==================  ==========  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["viewer", "analyst", "executive", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
Permission = Literal["view_dashboard", "view_drilldown", "export", "view_financial", "manage", "ingest"]
PERMISSIONS: tuple[Permission, ...] = get_args(Permission)
PrincipalKind = Literal["user", "read_key", "write_key", "anonymous"]

# The least role holding each permission; ``ingest`` is held by write keys only (``None``).
PERMISSION_ROLE: dict[Permission, Role | None] = {
    "view_dashboard": "viewer",
    "view_drilldown": "analyst",
    "export": "analyst",
    "view_financial": "executive",
    "manage": "admin",
    "ingest": None,
}


def rank(role: Role | str | None) -> int:
    """The position of ``role`` in ``viewer < analyst < executive < admin`` (0-3), -1 for ``None``
    or an unknown role (which therefore has no permission)."""
    return ROLES.index(role) if role in ROLES else -1  # type: ignore[arg-type]


def at_least(role: Role | str | None, needed: Role) -> bool:
    """Whether ``role`` is ``needed`` or above it."""
    return rank(role) >= rank(needed)


def check_role(value: str) -> Role:
    """``value`` as a :data:`Role`; raises ``ValueError`` naming the known roles otherwise."""
    if value not in ROLES:
        raise ValueError(f"{value!r} is not one of {', '.join(ROLES)}")
    return value  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as.

    ``kind`` is ``user`` (a session of one of Northstar's users), ``read_key`` / ``write_key`` (an
    API key, ``id`` its key id, ``name`` its name) or ``anonymous`` (no credentials, admitted with
    the ``auth.anonymous_role`` setting). ``role`` is ``None`` for a write key, which may only
    ingest. ``session_id`` is the hash of the session token for a user.
    """

    kind: PrincipalKind
    id: str | None
    name: str | None
    role: Role | None
    session_id: str | None = None

    @property
    def label(self) -> str:
        """How the audit log and pages name the principal: the email, ``key:<name>`` or ``anonymous``."""
        if self.kind == "user":
            return self.name or self.id or "user"
        if self.kind in ("read_key", "write_key"):
            return f"key:{self.name or self.id}"
        return "anonymous"

    def has(self, permission: Permission) -> bool:
        """Whether the principal holds ``permission`` (``ingest`` only for a write key; a write key
        holds nothing else)."""
        if permission == "ingest":
            return self.kind == "write_key"
        if self.kind == "write_key":
            return False
        needed = PERMISSION_ROLE[permission]
        return needed is not None and at_least(self.role, needed)

    def at_least(self, role: Role) -> bool:
        """Whether the principal's role is ``role`` or above (never for a write key)."""
        return self.kind != "write_key" and at_least(self.role, role)
