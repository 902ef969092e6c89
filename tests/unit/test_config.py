"""Settings: defaults, environment variables, the TOML file, and clear errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from northstar.config import Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database == "./northstar.duckdb"
    assert settings.backend == "duckdb"
    assert settings.reporting_timezone == "UTC"
    assert settings.reporting_currency == "GBP"
    assert settings.user_types == ["supplier", "couple"]
    assert settings.targets["mrr"].value == Decimal(5_000_000)
    assert settings.revenue.cancellation == "period_end"


def test_environment_and_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    toml = tmp_path / "northstar.toml"
    toml.write_text(
        'reporting_timezone = "Europe/London"\n'
        'reporting_currency = "usd"\n'
        "[fx_rates]\nGBP = 1.27\n"
        "[features]\nchat = [\"Message Sent\"]\n"
        "[revenue]\ncancellation = \"immediately\"\n"
    )
    monkeypatch.setenv("NORTHSTAR_CONFIG", str(toml))
    monkeypatch.setenv("NORTHSTAR_DATABASE", "postgresql://postgres@127.0.0.1:5432/test")
    settings = Settings()
    assert settings.backend == "postgres"
    assert settings.reporting_timezone == "Europe/London"
    assert settings.reporting_currency == "USD"
    assert settings.fx_rates == {"GBP": Decimal("1.27")}
    assert settings.features == {"chat": ["Message Sent"]}
    assert settings.revenue.cancellation == "immediately"


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ValidationError, match="reporting_timezone"):
        Settings(reporting_timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="cancellation"):
        Settings(revenue={"cancellation": "sometimes"})
