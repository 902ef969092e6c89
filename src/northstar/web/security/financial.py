"""Financial data in the web layer: which requests read it (for the audit trail and for the
financial rate limit).

A metric is *financial* when its family needs the ``executive`` role or above
(``auth.family_roles``; by default the revenue family: MRR, ARR, revenue, churn, LTV, CAC). A
request reads financial data when its ``{name}`` path parameter is a financial metric (audited by
``northstar.web.auth.visibility.visible_metric``), or when its route is an *executive endpoint* —
one that shows financial values to those allowed to see them (the overview, the executive
metrics, the revenue page) — and its principal may see at least one financial metric.

:func:`financial_view` marks an executive endpoint and records each successful read of it by
such a principal in the audit trail as ``metric.view_financial`` (target: the path); refused or
invalid requests are not recorded as views.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from northstar.auth.roles import Principal, rank
from northstar.auth.visibility import can_view, role_needed
from northstar.config import Settings
from northstar.metrics.registry import MetricSpec
from northstar.metrics.service import service_for
from northstar.web.auth.dependencies import current_principal
from northstar.web.security.audit import audit


def is_financial(spec: MetricSpec, settings: Settings) -> bool:
    """Whether ``spec``'s values need the ``executive`` role or above."""
    return rank(role_needed(spec, settings)) >= rank("executive")


def financial_metric(request: Request) -> str | None:
    """The ``{name}`` path parameter of ``request`` when it names a financial metric, else ``None``."""
    name = request.path_params.get("name")
    if not isinstance(name, str):
        return None
    northstar = request.app.state.northstar
    registry = service_for(northstar).registry
    return name if name in registry and is_financial(registry.spec(name), northstar.settings) else None


def sees_financial(request: Request, principal: Principal | None) -> bool:
    """Whether ``principal`` may see the values of at least one financial metric."""
    if principal is None:
        return False
    northstar = request.app.state.northstar
    return any(
        is_financial(entry.spec, northstar.settings) and can_view(principal, entry.spec, northstar.settings)
        for entry in service_for(northstar).registry
    )


class FinancialView:
    """The dependency behind :func:`financial_view`."""

    def __call__(self, request: Request) -> Iterator[None]:
        yield
        if sees_financial(request, current_principal(request)):
            audit(request, "metric.view_financial", request.url.path, {"query": request.url.query})

    def __repr__(self) -> str:
        return "financial_view()"


def financial_view() -> DependsParam:
    """Mark a route as an executive endpoint: each successful read by a principal who may see
    financial metrics is audited (before the answer is sent, so the entry exists when the client
    has it), and API reads count against ``security.rate_limit_financial``."""
    return Depends(FinancialView(), scope="function")


def is_executive_endpoint(request: Request) -> bool:
    """Whether ``request``'s route carries :func:`financial_view`."""
    route = request.scope.get("route")
    pending = [route.dependant] if isinstance(route, APIRoute) else []
    while pending:
        dependant = pending.pop()
        for sub in dependant.dependencies:
            if isinstance(sub.call, FinancialView):
                return True
            pending.append(sub)
    return False
