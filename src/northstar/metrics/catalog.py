"""The built-in catalog: every family's entries, assembled into one validated :class:`Registry`."""

from __future__ import annotations

from northstar.config import Settings
from northstar.metrics import (
    churn,
    coordination,
    engagement,
    onboarding,
    performance,
    retention,
    revenue,
    revenue_movements,
    support,
    transactions,
    unit_economics,
    users,
    viral,
)
from northstar.metrics.registry import Registry
from northstar.store.schema import TABLES_BY_NAME

FAMILIES = (
    revenue, transactions, revenue_movements, churn, unit_economics, users, engagement, viral, performance,
    onboarding, retention, coordination, support,
)


def build_registry(settings: Settings) -> Registry:
    """The catalog for ``settings`` (declared features add adoption rates; revenue definitions name
    the policies in force). Raises :class:`northstar.metrics.registry.RegistryError` naming the
    offending metrics when the catalog is inconsistent."""
    return Registry(
        (entry for family in FAMILIES for entry in family.metrics(settings)),
        known_tables=TABLES_BY_NAME,
    )
