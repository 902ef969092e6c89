"""What the alert-rule form offers: the metrics of the catalog grouped by family, each with the
unit its threshold is written in (from the registry, never hard-coded per metric)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from northstar.metrics.registry import MetricSpec, Registry

FAMILY_LABELS = {
    "revenue": "Revenue", "users": "Users", "engagement": "Engagement", "viral": "Viral",
    "retention": "Retention", "onboarding": "Onboarding", "coordination": "Coordination", "support": "Support",
    "performance": "System health",
}


@dataclass(frozen=True, slots=True)
class MetricChoice:
    """One option of the metric picker: ``unit_hint`` says how a threshold value is written."""

    name: str
    label: str
    unit: str
    unit_hint: str
    direction: str


def unit_hint(spec: MetricSpec, currency: str) -> str:
    """How the form asks for a value of ``spec``: money in major units of ``currency`` ("in GBP,
    e.g. 5000 for 5,000.00"), a rate in percent ("in %, e.g. 5 for 5 %"), a duration in its
    ``duration_unit``; the page converts to the metric's own unit (minor units, fractions)."""
    hints = {
        "money": f"In {currency}, e.g. 5000 for 5,000.00.",
        "rate": "In %, e.g. 5 for 5 %.",
        "count": "A count.",
        "ratio": "A ratio, e.g. 1.5.",
        "score": "A score.",
    }
    if spec.unit == "duration":
        return f"In {spec.duration_unit}."
    return hints[spec.unit]


def metric_choices(registry: Registry, names: Iterable[str], currency: str) -> dict[str, list[MetricChoice]]:
    """The metrics called ``names`` (in catalog order) as picker options grouped by family label.

    Names not in ``registry`` are skipped; a caller that may not show some metrics (roles) passes
    only the ones it may."""
    wanted = set(names)
    groups: dict[str, list[MetricChoice]] = {}
    for entry in registry:
        spec = entry.spec
        if spec.name not in wanted:
            continue
        groups.setdefault(FAMILY_LABELS.get(spec.family, spec.family.title()), []).append(
            MetricChoice(name=spec.name, label=spec.label, unit=spec.unit, unit_hint=unit_hint(spec, currency),
                         direction=spec.direction),
        )
    return groups
