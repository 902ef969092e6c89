"""docs/metrics.md is generated from the catalog and names every metric (DESIGN.md, practice 9)."""

from __future__ import annotations

from pathlib import Path

from northstar.config import Settings
from northstar.metrics.catalog import build_registry
from northstar.metrics.docs import render

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_metrics_reference_is_the_generated_one() -> None:
    committed = (DOCS / "metrics.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/metrics.md is stale: run python -m northstar.metrics.docs docs/metrics.md"


def test_every_metric_is_in_the_reference() -> None:
    reference = (DOCS / "metrics.md").read_text(encoding="utf-8")
    missing = [name for name in build_registry(Settings.model_construct()).names if f"`{name}`" not in reference]
    assert not missing, f"undocumented metrics: {missing}"
