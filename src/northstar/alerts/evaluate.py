"""One evaluation of one rule: a pure function of the rule, its series, its state and the clock
(DESIGN.md, practice 7). Nothing here reads the store or the time.

The lifecycle (issue 5): ``ok → pending → firing → resolved``.

- The condition holds: from ``ok``/``resolved``/``no_data`` the rule goes to ``pending`` (a new
  alert episode, ``alert_id``), or straight to ``firing`` when ``pending_evaluations`` is 0; from
  ``pending`` it fires once the condition has held ``pending_evaluations + 1`` times in a row.
  Firing sends a ``firing`` notification and counts a trigger. While it keeps firing
  unacknowledged, ``firing`` is re-sent every ``repeat_interval_minutes`` and each escalation
  step whose ``after_minutes`` (counted from when it fired) have passed sends ``escalated`` to
  the step's channels and recipients, once.
- The condition does not hold: ``firing`` → ``resolved`` (a ``resolved`` notification to the
  rule's channels and those of the escalation steps that ran); ``pending``/``no_data`` → ``ok``.
- The condition cannot be told (no value, no baseline, too little history): the rule's
  ``no_data`` policy — ``ok`` (as if it did not hold), ``keep`` (nothing changes), ``alerting``
  (as if it held) or ``no_data`` (the ``no_data`` state; a firing episode ends there without a
  notification).

Every state change is a :class:`Transition` with the value that caused it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from northstar.alerts.conditions import Check, check
from northstar.alerts.model import AlertState, Evaluation, Outgoing, Rule, Sample, StateName, Transition

OPEN_STATES: frozenset[str] = frozenset({"pending", "firing"})


def evaluate(rule: Rule, series: Sequence[Sample], state: AlertState, now: datetime,
             baseline_days: int | None = None) -> Evaluation:
    """Evaluate ``rule`` on ``series`` (oldest first, the last sample is the current value) given
    its previous ``state``, at ``now`` (naive UTC). ``baseline_days`` is passed to the ``change``
    check (see :func:`northstar.alerts.conditions.check`). Returns the :class:`Evaluation`."""
    outcome = check(rule.condition, series, baseline_days)
    quiet = rule.quiet_hours is not None and rule.quiet_hours.contains(now)
    holds = outcome.holds
    if holds is None:
        if rule.no_data == "keep":
            kept = replace(state, evaluated_at=now, value=outcome.value)
            return Evaluation(kept, None, outcome.value, outcome.detail, in_quiet_hours=quiet)
        if rule.no_data == "no_data":
            return _to_no_data(state, outcome, now, quiet)
        holds = rule.no_data == "alerting"
    if holds:
        return _holding(rule, state, outcome, now, quiet)
    return _clear(rule, state, outcome, now, quiet)


def episode_id(rule_id: str, started: datetime) -> str:
    """The id of the alert episode of ``rule_id`` that started at ``started``: unique per rule and
    start, and the same however often the evaluation is replayed."""
    return f"{rule_id}-{started:%Y%m%dT%H%M%S%f}"


def _holding(rule: Rule, state: AlertState, outcome: Check, now: datetime, quiet: bool) -> Evaluation:
    value = outcome.value
    if state.state == "firing":
        return _still_firing(rule, state, outcome, now, quiet)
    holds = state.holds + 1 if state.state == "pending" else 1
    alert_id = state.alert_id if state.state == "pending" and state.alert_id else episode_id(rule.id, now)
    if holds > rule.pending_evaluations:
        fired = AlertState(state="firing", since=now, holds=holds, value=value, alert_id=alert_id, fired_at=now,
                           notified_at=now, evaluated_at=now)
        return Evaluation(fired, True, value, outcome.detail,
                          transition=Transition(state.state, "firing", value, outcome.detail),
                          notifications=(Outgoing("firing", rule.notification_channels, rule.recipients),),
                          in_quiet_hours=quiet, new_trigger=True)
    pending = AlertState(state="pending", since=state.since if state.state == "pending" else now, holds=holds,
                         value=value, alert_id=alert_id, evaluated_at=now)
    transition = None if state.state == "pending" else Transition(state.state, "pending", value, outcome.detail)
    return Evaluation(pending, True, value, outcome.detail, transition=transition, in_quiet_hours=quiet)


def _still_firing(rule: Rule, state: AlertState, outcome: Check, now: datetime, quiet: bool) -> Evaluation:
    outgoing: list[Outgoing] = []
    notified_at, level = state.notified_at, state.escalation_level
    if state.acknowledged_at is None:
        interval = rule.repeat_interval_minutes
        if interval is not None and (notified_at is None or now - notified_at >= timedelta(minutes=interval)):
            outgoing.append(Outgoing("firing", rule.notification_channels, rule.recipients))
            notified_at = now
        fired_at = state.fired_at or now
        for number, step in enumerate(rule.escalation, start=1):
            if number > level and now - fired_at >= timedelta(minutes=step.after_minutes):
                outgoing.append(Outgoing("escalated", step.channels, step.recipients))
                level = number
    kept = replace(state, holds=state.holds + 1, value=outcome.value, notified_at=notified_at,
                   escalation_level=level, evaluated_at=now)
    return Evaluation(kept, True, outcome.value, outcome.detail, notifications=tuple(outgoing), in_quiet_hours=quiet)


def _clear(rule: Rule, state: AlertState, outcome: Check, now: datetime, quiet: bool) -> Evaluation:
    value = outcome.value
    if state.state == "firing":
        return resolution(rule, state, value, outcome.detail, now, quiet)
    if state.state in ("pending", "no_data"):
        return _moved(state, "ok", outcome, now, quiet, holds=False)
    return Evaluation(replace(state, holds=0, value=value, evaluated_at=now), False, value, outcome.detail,
                      in_quiet_hours=quiet)


def resolution(rule: Rule, state: AlertState, value: Decimal | None, detail: str, now: datetime,
               quiet: bool = False) -> Evaluation:
    """``state`` (firing or pending) resolved at ``now``: the ``resolved`` state, its transition
    and, when it was firing, a ``resolved`` notification to the rule's channels and those of the
    escalation steps that ran. Used by evaluation and by a manual resolve."""
    resolved = AlertState(state="resolved", since=now, value=value, evaluated_at=state.evaluated_at or now)
    if state.state != "firing":
        return Evaluation(resolved, None, value, detail, transition=Transition(state.state, "resolved", value, detail),
                          in_quiet_hours=quiet)
    channels, recipients = list(rule.notification_channels), list(rule.recipients)
    for step in rule.escalation[:state.escalation_level]:
        channels += [channel for channel in step.channels if channel not in channels]
        recipients += [recipient for recipient in step.recipients if recipient not in recipients]
    return Evaluation(resolved, False, value, detail, transition=Transition("firing", "resolved", value, detail),
                      notifications=(Outgoing("resolved", tuple(channels), tuple(recipients)),), in_quiet_hours=quiet)


def _to_no_data(state: AlertState, outcome: Check, now: datetime, quiet: bool) -> Evaluation:
    if state.state == "no_data":
        return Evaluation(replace(state, evaluated_at=now), None, None, outcome.detail, in_quiet_hours=quiet)
    return _moved(state, "no_data", outcome, now, quiet, holds=None)


def _moved(state: AlertState, to: StateName, outcome: Check, now: datetime, quiet: bool,
           holds: bool | None) -> Evaluation:
    moved = AlertState(state=to, since=now, value=outcome.value, evaluated_at=now)
    return Evaluation(moved, holds, outcome.value, outcome.detail,
                      transition=Transition(state.state, to, outcome.value, outcome.detail), in_quiet_hours=quiet)
