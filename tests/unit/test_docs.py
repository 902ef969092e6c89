"""Documentation is a tested contract: every CLI command and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from northstar.cli import app
from northstar.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _command_paths(group: typer.Typer) -> list[str]:
    click_group = typer.main.get_command(group)
    paths = []
    for name, command in click_group.commands.items():
        sub = getattr(command, "commands", None)
        paths.extend(f"{name} {child}" for child in sub) if sub else paths.append(name)
    return paths


def test_every_cli_command_is_in_the_cli_reference() -> None:
    reference = (DOCS / "cli.md").read_text()
    missing = [path for path in _command_paths(app) if f"`northstar {path}" not in reference]
    assert not missing, f"undocumented commands in docs/cli.md: {missing}"


def test_every_setting_is_in_the_configuration_reference() -> None:
    reference = (DOCS / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"`{name}`" not in reference]
    assert not missing, f"undocumented settings in docs/configuration.md: {missing}"
