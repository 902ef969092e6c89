"""Access control for the web app: who a request acts as (:func:`principal_for`), the permission
dependency every route carries (:func:`require`), and the startup check that no route lacks one
(:func:`check_routes`). The rules themselves live in :mod:`northstar.auth`."""

from northstar.auth.roles import Permission, Principal, Role
from northstar.web.auth.dependencies import (
    AUTH_RESPONSES,
    NotAuthenticated,
    PermissionDenied,
    current_principal,
    principal_for,
    public,
    require,
)
from northstar.web.auth.guard import UnprotectedRoute, check_routes, install
from northstar.web.auth.visibility import CurrentPrincipal, VisibleMetric, visible_metric

__all__ = [
    "AUTH_RESPONSES",
    "CurrentPrincipal",
    "NotAuthenticated",
    "Permission",
    "PermissionDenied",
    "Principal",
    "Role",
    "UnprotectedRoute",
    "VisibleMetric",
    "check_routes",
    "current_principal",
    "install",
    "principal_for",
    "public",
    "require",
    "visible_metric",
]
