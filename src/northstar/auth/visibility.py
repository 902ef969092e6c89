"""Which metrics a principal may see: a metric's family needs a role (``auth.family_roles``;
by default the revenue family, which holds MRR, ARR, revenue, churn, LTV and CAC, needs
``executive``, every other family ``viewer``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from northstar.auth.roles import Principal, Role
from northstar.config import Settings
from northstar.metrics.overview import TARGET_FIELDS, Overview
from northstar.metrics.registry import MetricSpec, Registry
from northstar.metrics.results import MetricResult


def role_needed(spec: MetricSpec, settings: Settings) -> Role:
    """The least role that may see ``spec``'s values: its family's entry in ``auth.family_roles``,
    ``viewer`` for a family not listed."""
    return settings.auth.family_roles.get(spec.family, "viewer")


def can_view(principal: Principal, spec: MetricSpec, settings: Settings) -> bool:
    """Whether ``principal`` may see the values of ``spec``."""
    return principal.at_least(role_needed(spec, settings))


def visible_metrics(principal: Principal, registry: Registry, settings: Settings) -> set[str]:
    """The names of the catalog metrics whose values ``principal`` may see."""
    return {entry.spec.name for entry in registry if can_view(principal, entry.spec, settings)}


def visible(principal: Principal, names: Iterable[str], registry: Registry, settings: Settings) -> list[str]:
    """``names`` without the metrics ``principal`` may not see, in their order; a name that is not
    in the catalog is kept (it names no metric value to hide)."""
    allowed = visible_metrics(principal, registry, settings)
    return [name for name in names if name in allowed or name not in registry]


def restricted_reason(spec: MetricSpec, settings: Settings) -> str:
    """The ``reason`` a withheld value carries: ``restricted: needs the <role> role``."""
    return f"restricted: needs the {role_needed(spec, settings)} role"


def withheld(result: MetricResult, reason: str) -> MetricResult:
    """``result`` without any value (value, previous, change, target, zone all ``None``), its
    ``reason`` set to ``reason``; the label and definition stay."""
    return result.model_copy(update={
        "value": None, "money": None, "display": None, "previous": None, "previous_display": None,
        "change": None, "change_rate": None, "target": None, "target_display": None, "zone": None,
        "reason": reason,
    })


def restrict_overview(overview: Overview, principal: Principal, registry: Registry, settings: Settings) -> Overview:
    """``overview`` with the results ``principal`` may not see withheld (see :func:`withheld`),
    the targets of those metrics removed, and ``revenue_by_month`` emptied unless the principal may
    see ``revenue``."""
    allowed = visible_metrics(principal, registry, settings)

    def shown(result: MetricResult) -> MetricResult:
        if result.name in allowed or result.name not in registry:
            return result
        return withheld(result, restricted_reason(registry.spec(result.name), settings))

    targets = {key: value if TARGET_FIELDS.get(key) in allowed else None for key, value in overview.targets.items()}
    return replace(
        overview,
        fields={field: shown(result) for field, result in overview.fields.items()},
        features={key: shown(result) for key, result in overview.features.items()},
        targets=targets,
        revenue_by_month=overview.revenue_by_month if "revenue" in allowed else (),
    )
