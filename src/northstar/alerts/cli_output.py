"""What ``northstar alerts check`` and ``northstar alerts list`` print (Rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Column, Table

from northstar.alerts.service import AlertsService, AlertView, EvaluationReport

_STATE_STYLE = {"firing": "bold red", "pending": "yellow", "no_data": "dim", "resolved": "green", "ok": "green"}


def print_alerts(console: Console, views: list[AlertView]) -> None:
    """One row per alert: id, state, severity, name, condition, last value, triggers."""
    table = Table("state", "severity", "name", "condition", "value", "triggers", "last triggered")
    table.columns.insert(0, Column("id", no_wrap=True))
    for view in views:
        style = _STATE_STYLE[view.state.state]
        table.add_row(view.rule.id, f"[{style}]{view.state.state}[/{style}]", view.rule.severity, view.rule.name,
                      view.condition_text, view.value_display or "", str(view.fields["trigger_count"]),
                      str(view.fields["last_triggered_at"] or ""))
    console.print(table)


def run_check(console: Console, service: AlertsService, deliver: bool = True) -> EvaluationReport:
    """Evaluate every rule once (then deliver due notifications), print one line per firing or
    pending alert and a summary line, and return the report."""
    report = service.evaluate_all(deliver=deliver)
    for view in service.list(state="active"):
        style = _STATE_STYLE[view.state.state]
        console.print(f"[{style}]{view.state.state.upper()}[/{style}] {view.rule.severity} {view.rule.name}: "
                      f"{view.value_display or 'no value'} ({view.condition_text}) [{view.rule.id}]", soft_wrap=True)
    delivered = getattr(report.delivery, "outcomes", None)
    sent = "" if delivered is None else f", {len(delivered)} deliveries attempted"
    console.print(f"{report.evaluated} rules evaluated, {report.transitions} state changes, "
                  f"{len(report.firing)} firing, {report.enqueued} notifications queued{sent}")
    return report
