"""``docs/metrics.md``, generated from the catalog (DESIGN.md, house practice 9).

``python -m northstar.metrics.docs`` prints the reference for the built-in defaults (features,
revenue policies, targets); ``python -m northstar.metrics.docs docs/metrics.md`` writes it. A test
checks that the committed file is what this module renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

from northstar.config import Settings
from northstar.metrics.catalog import build_registry
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import format_value

HEADER = """# Metrics reference

Generated from the metric catalog by `python -m northstar.metrics.docs docs/metrics.md`; do not
edit by hand. The definitions follow `METRICS.md`; this page lists what is implemented, with the
default settings (features, revenue policies, targets).

Conventions: a metric on reporting day D covers data up to the end of D in the reporting timezone;
*timeframe* metrics cover the `7d`/`30d`/`90d`/`1y` window ending on D; *month* metrics cover
the latest calendar month complete at the end of D, and their previous period is the month
before. Money is exact minor units of the reporting currency; rates are fractions in [0, 1]; a
value with an empty denominator, or of a family with no data imported yet, is `null` with a
reason, never 0. Metrics that can be split by `user_type` and `user_traits` accept filters on
`user_type` and on the user dimensions of the settings (`plan`, `acquisition_source`, `country`, `device` by default).

The overview (`GET /api/v1/metrics/overview`) shows `dau_rate` and `wau_rate` as defined below:
registered users active on D (in the 7 days ending D) over registered users at the end of D.
"""


def _unit(spec: MetricSpec) -> str:
    return f"duration ({spec.duration_unit})" if spec.unit == "duration" else spec.unit


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(settings: Settings | None = None) -> str:
    """The Markdown reference of the catalog built for ``settings`` (default: built-in defaults)."""
    settings = settings or Settings.model_construct()
    registry = build_registry(settings)
    lines = [HEADER]
    families: dict[str, list[MetricSpec]] = {}
    for entry in registry:
        families.setdefault(entry.spec.family, []).append(entry.spec)
    for family, specs in families.items():
        lines += [f"## {family.capitalize()}", "",
                  "| name | label | unit | better | window | definition | target | source |",
                  "|---|---|---|---|---|---|---|---|"]
        for spec in specs:
            target = settings.targets.get(spec.name)
            shown = format_value(spec, target.value, settings.reporting_currency) if target else ""
            lines.append(
                f"| `{spec.name}` | {spec.label} | {_unit(spec)} | {spec.direction} | {spec.grain} | "
                f"{_cell(spec.definition)} | {shown} | {spec.source} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    """Print the reference, or write it to the path given as the only argument."""
    text = render()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
