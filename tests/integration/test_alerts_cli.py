"""``northstar alerts check``/``list`` in-process against a real store on both backends, and the
default rules installed once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from northstar.alerts.service import AlertsService, alerts_for
from northstar.app import Northstar
from northstar.cli import app
from northstar.config import Settings

runner = CliRunner()


@pytest.fixture
def cli_database(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``database`` (each backend) as the store the in-process ``northstar`` command opens."""
    from northstar.config import get_settings

    monkeypatch.setenv("NORTHSTAR_DATABASE", database)
    monkeypatch.setenv("NORTHSTAR_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


def uptime_checks(northstar: Northstar) -> None:
    """Uptime checks yesterday at noon: 997 succeed and 3 fail, so uptime is 997 / 1,000 = 99.7 %,
    below the default rule's 99.9 %."""
    noon = datetime.now(UTC).replace(tzinfo=None, hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    northstar.write({"performance_samples": [
        {"sample_id": f"u{index}", "kind": "uptime_check", "recorded_at": noon + timedelta(seconds=index),
         "name": "home", "ok": index >= 3}
        for index in range(1000)
    ]}, source="test")


def test_alerts_check_fires_the_uptime_default(cli_database: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=cli_database))
    uptime_checks(northstar)
    northstar.close()
    result = runner.invoke(app, ["alerts", "check", "--fail-on-firing"])
    assert result.exit_code == 3, result.output
    assert "9 rules evaluated, 1 state changes, 1 firing, 1 notifications queued" in " ".join(result.output.split())
    assert "99.7%" in result.output
    listed = runner.invoke(app, ["alerts", "list", "--state", "firing"])
    assert listed.exit_code == 0, listed.output
    assert "default-uptim" in listed.output
    northstar = Northstar(make_settings(database=cli_database))
    view = alerts_for(northstar).get("default-uptime_below_999")
    history = alerts_for(northstar).history("default-uptime_below_999")
    northstar.close()
    assert (view.state.state, str(view.state.value), view.fields["trigger_count"]) == ("firing", "0.997", 1)
    assert (history[0].kind, history[0].from_state, history[0].to_state, history[0].value_display) == (
        "transition", "ok", "firing", "99.7%")
    # A second check changes nothing and queues nothing (no repeat interval on the defaults).
    again = runner.invoke(app, ["alerts", "check", "--no-deliver"])
    assert "9 rules evaluated, 0 state changes, 1 firing, 0 notifications queued" in " ".join(again.output.split())


def test_defaults_are_installed_once_and_stay_deleted(database: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=database))
    service = alerts_for(northstar)
    assert len(service.list(state="all")) == 9
    service.delete("default-k_factor_below_target")
    service.update("default-k_factor_below_1", {"threshold_value": "0.9"})
    assert service.install_defaults() == []
    northstar.close()
    # A new process over the same store: nothing reinstalled, the user's change kept.
    northstar = Northstar(make_settings(database=database))
    rules = {view.rule.id: view for view in alerts_for(northstar).list(state="all")}
    northstar.close()
    assert len(rules) == 8 and "default-k_factor_below_target" not in rules
    assert rules["default-k_factor_below_1"].fields["threshold_value"] == Decimal("0.9")


def test_defaults_can_be_switched_off(database: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=database, alerts={"install_defaults": False}))
    service: AlertsService = alerts_for(northstar)
    assert service.list(state="all") == []
    northstar.close()
