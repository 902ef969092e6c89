"""The alert state machine (alerts/evaluate.py) on hand-made series with a controllable clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from northstar.alerts.evaluate import evaluate
from northstar.alerts.model import AlertState, Evaluation, QuietHours, Rule, Sample, ThresholdCondition

T0 = datetime(2026, 3, 2, 9, 0)
DAY = date(2026, 3, 2)


def rule(**overrides: Any) -> Rule:
    """A K-factor < 1.0 rule, notifying the bell and one address."""
    fields: dict[str, Any] = {
        "id": "r1", "name": "K-factor below 1", "metric_name": "k_factor",
        "condition": ThresholdCondition(comparison="<", value=Decimal("1.0")),
        "notification_channels": ("in_app",), "recipients": ("ops@example.com",),
        "created_at": T0, "updated_at": T0,
    }
    return Rule(**{**fields, **overrides})


def value(number: str | None) -> list[Sample]:
    return [Sample(DAY, None if number is None else Decimal(number), None if number is not None else "no_data: x")]


class Clock:
    """Evaluations one minute apart, carrying the state from one to the next."""

    def __init__(self, rule: Rule) -> None:
        self.rule, self.state, self.now = rule, AlertState(), T0

    def tick(self, number: str | None, minutes: int = 1) -> Evaluation:
        outcome = evaluate(self.rule, value(number), self.state, self.now)
        self.state = outcome.state
        self.now += timedelta(minutes=minutes)
        return outcome


def events(outcome: Evaluation) -> list[str]:
    return [notification.event for notification in outcome.notifications]


def test_fires_at_once_without_pending_period_and_resolves_with_the_value() -> None:
    clock = Clock(rule())
    first = clock.tick("1.2")
    assert (first.state.state, first.transition, events(first)) == ("ok", None, [])
    fired = clock.tick("0.8")
    assert fired.state.state == "firing"
    assert fired.transition is not None
    assert (fired.transition.from_state, fired.transition.to_state, fired.transition.value) == (
        "ok", "firing", Decimal("0.8"))
    assert events(fired) == ["firing"] and fired.new_trigger
    assert fired.notifications[0].recipients == ("ops@example.com",)
    assert fired.state.alert_id == "r1-20260302T090100000000"
    still = clock.tick("0.7")
    assert (still.state.state, still.transition, events(still), still.new_trigger) == ("firing", None, [], False)
    resolved = clock.tick("1.1")
    assert resolved.transition is not None
    assert (resolved.transition.from_state, resolved.transition.to_state, resolved.transition.value) == (
        "firing", "resolved", Decimal("1.1"))
    assert events(resolved) == ["resolved"] and resolved.state.alert_id is None
    again = clock.tick("1.3")
    assert (again.state.state, again.transition) == ("resolved", None)


def test_pending_period_needs_consecutive_holds() -> None:
    clock = Clock(rule(pending_evaluations=2))
    states = [clock.tick(number).state.state for number in ("0.9", "0.9", "1.2", "0.9", "0.9", "0.9")]
    assert states == ["pending", "pending", "ok", "pending", "pending", "firing"]
    # One episode id from the first pending evaluation to firing.
    assert clock.state.alert_id == "r1-20260302T090300000000"


def test_repeat_interval_resends_while_unacknowledged() -> None:
    clock = Clock(rule(repeat_interval_minutes=3))
    sent = [events(clock.tick("0.5")) for _ in range(8)]
    # Fires at minute 0, repeats at minutes 3 and 6.
    assert sent == [["firing"], [], [], ["firing"], [], [], ["firing"], []]


def test_acknowledged_alert_stops_repeating_and_escalating() -> None:
    from dataclasses import replace

    from northstar.alerts.model import EscalationStep

    step = EscalationStep(after_minutes=2, recipients=("boss@example.com",))
    clock = Clock(rule(repeat_interval_minutes=1, escalation=(step,)))
    clock.tick("0.5")
    clock.state = replace(clock.state, acknowledged_at=clock.now, ack_note="on it")
    assert [events(clock.tick("0.5")) for _ in range(4)] == [[], [], [], []]
    assert clock.state.ack_note == "on it"


def test_escalation_after_t_minutes_unacknowledged_once_per_step() -> None:
    from northstar.alerts.model import EscalationStep

    steps = (EscalationStep(after_minutes=10, channels=("slack",)),
             EscalationStep(after_minutes=30, recipients=("cto@example.com",)))
    clock = Clock(rule(escalation=steps))
    log = []
    for _ in range(8):  # evaluations at minutes 0, 5, 10, ..., 35
        outcome = clock.tick("0.5", minutes=5)
        log.append([(n.event, n.channels, n.recipients) for n in outcome.notifications])
    assert log[0] == [("firing", ("in_app",), ("ops@example.com",))]
    assert log[2] == [("escalated", ("slack",), ())]
    assert log[6] == [("escalated", (), ("cto@example.com",))]
    assert [entry for index, entry in enumerate(log) if index not in (0, 2, 6)] == [[]] * 5
    assert clock.state.escalation_level == 2
    resolved = clock.tick("2")
    # The resolution reaches everyone the alert reached.
    assert [(n.event, n.channels, n.recipients) for n in resolved.notifications] == [
        ("resolved", ("in_app", "slack"), ("ops@example.com", "cto@example.com"))]


def test_no_data_policies() -> None:
    def run(policy: str, before: str) -> Evaluation:
        clock = Clock(rule(no_data=policy))
        clock.tick(before)
        return clock.tick(None)

    kept = run("keep", "0.5")
    assert (kept.state.state, kept.transition, kept.holds) == ("firing", None, None)
    ok = run("ok", "0.5")
    assert ok.state.state == "resolved" and events(ok) == ["resolved"]
    alerting = run("alerting", "1.5")
    assert alerting.state.state == "firing" and events(alerting) == ["firing"]
    no_data = run("no_data", "0.5")
    assert no_data.transition is not None
    assert (no_data.transition.from_state, no_data.transition.to_state, events(no_data)) == ("firing", "no_data", [])
    assert no_data.state.alert_id is None
    clock = Clock(rule(no_data="no_data"))
    clock.tick(None)
    back = clock.tick("1.5")
    assert back.transition is not None and (back.transition.from_state, back.state.state) == ("no_data", "ok")


def test_quiet_hours_flag_passes_through_with_the_notifications() -> None:
    quiet = QuietHours(start=time(22), end=time(7), timezone="Europe/London")
    night = evaluate(rule(quiet_hours=quiet), value("0.5"), AlertState(), datetime(2026, 3, 2, 23, 30))
    day = evaluate(rule(quiet_hours=quiet), value("0.5"), AlertState(), datetime(2026, 3, 2, 12, 0))
    summer_evening = evaluate(rule(quiet_hours=quiet), value("0.5"), AlertState(), datetime(2026, 7, 1, 21, 30))
    assert (night.in_quiet_hours, day.in_quiet_hours) == (True, False)
    # 21:30 UTC is 22:30 in London in July (BST): quiet.
    assert summer_evening.in_quiet_hours
    # The alert still fires; delivery holds the non-critical notification.
    assert night.state.state == "firing" and events(night) == ["firing"]


def test_the_evaluation_is_pure() -> None:
    state = AlertState()
    first = evaluate(rule(), value("0.5"), state, T0)
    second = evaluate(rule(), value("0.5"), state, T0)
    assert first == second and state == AlertState()
