"""The alerts service on the façade: rule CRUD, acknowledgement, resolution, history, previews
and the evaluation of every rule (issue 5). Adapters (API, CLI, scheduler) call this; it reads
metrics only through the metrics service and the store only through ``alerts/repository.py``.

An evaluation (:meth:`AlertsService.evaluate_all`) runs on the reporting day views open on
(``MetricsService.as_of``): for each active rule it reads the samples its condition needs
(:mod:`northstar.alerts.samples`), runs the pure :func:`northstar.alerts.evaluate.evaluate`,
enqueues the notifications it asks for (``northstar.alerts.notify``), stores the new state with
the transition in one transaction, counts triggers, and finally delivers what is due.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from northstar.alerts import repository
from northstar.alerts.conditions import check
from northstar.alerts.defaults import DEFAULT_RULES
from northstar.alerts.evaluate import OPEN_STATES, evaluate, resolution
from northstar.alerts.fields import build_rule, rule_fields
from northstar.alerts.model import AlertState, Evaluation, Notification, Rule, Sample
from northstar.alerts.repository import HistoryEvent
from northstar.alerts.samples import baseline_days, preview_samples, rule_samples
from northstar.alerts.text import condition_text
from northstar.domain.errors import NorthstarError, UnknownMetric
from northstar.metrics.results import format_value
from northstar.metrics.service import MetricsService, service_for

if TYPE_CHECKING:
    from northstar.app import Northstar

log = logging.getLogger("northstar.alerts")

# Fields whose change makes the rule a different question: its state starts over.
_RESTARTING = ("metric_name", "alert_type", "comparison", "threshold_value", "filters", "timeframe", "grain",
               "days_earlier", "trend_method", "periods", "season_length", "history", "target_date")
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
_STATE_ORDER = {"firing": 0, "pending": 1, "no_data": 2, "resolved": 3, "ok": 4}


class AlertNotFound(NorthstarError):
    """No live alert rule has this id."""

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(f"no alert {rule_id!r}")


class NotActive(NorthstarError):
    """The alert is not in a state the action applies to (e.g. acknowledging an alert that is ok)."""


@dataclass(frozen=True, slots=True)
class AlertView:
    """A rule with its state: ``fields`` are the flat rule fields plus ``trigger_count`` and
    ``last_triggered_at``; ``value_display`` formats the last value in the metric's unit."""

    rule: Rule
    fields: dict[str, Any]
    state: AlertState
    metric_label: str
    condition_text: str
    link: str
    value_display: str | None


@dataclass(frozen=True, slots=True)
class PreviewPoint:
    """One recent value and whether the condition holds on it (``None``: cannot tell)."""

    day: date
    value: Decimal | None
    display: str | None
    reason: str | None
    holds: bool | None


@dataclass(frozen=True, slots=True)
class Preview:
    """A draft rule's condition against the metric's recent values, oldest first."""

    metric_name: str
    metric_label: str
    unit: str
    condition_text: str
    points: tuple[PreviewPoint, ...]


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """One evaluation: rules ``evaluated``, ids ``firing`` afterwards, state ``transitions`` made,
    notifications ``enqueued`` and the delivery report (``None`` when delivery failed)."""

    evaluated: int
    firing: tuple[str, ...]
    transitions: int
    enqueued: int
    delivery: object | None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AlertsService:
    """Alerts over the façade's store, settings and metrics service. Thread-safe: evaluations and
    state-changing actions are serialised by one lock per service."""

    def __init__(self, northstar: Northstar) -> None:
        self.store = northstar.store
        self.settings = northstar.settings
        self.metrics: MetricsService = service_for(northstar)
        self._lock = threading.RLock()

    # -- rules -------------------------------------------------------------------------------

    def install_defaults(self, now: datetime | None = None) -> list[str]:
        """Install each shipped default rule (``alerts/defaults.py``) never installed on this store
        before; returns the ids installed now. A default whose metric is not in the catalog is skipped."""
        at = now or _now()
        with self._lock:
            done = repository.default_keys(self.store)
            installed = []
            for key, fields in DEFAULT_RULES.items():
                if key in done or fields["metric_name"] not in self.metrics.registry:
                    continue
                rule = self._build(fields, f"default-{key}", at, at, default_key=key)
                if repository.insert_rule(self.store, rule):
                    repository.save(self.store, rule.id, None, [repository.history_row(
                        rule.id, at, "created", detail="installed as a default rule")], at)
                    installed.append(rule.id)
            return installed

    def list(self, state: str = "active", severity: str | None = None,
             metric_name: str | None = None) -> list[AlertView]:
        """Alerts in ``state`` (``active``: pending or firing; ``all``; or one state name), of
        ``severity`` and on ``metric_name`` when given: firing first, then by severity and name."""
        states = repository.load_states(self.store)
        views = [self._view(stored, states.get(stored.rule.id, AlertState()))
                 for stored in repository.load_rules(self.store)]
        chosen = [
            view for view in views
            if (state == "all" or (view.state.state in OPEN_STATES if state == "active" else view.state.state == state))
            and (severity is None or view.rule.severity == severity)
            and (metric_name is None or view.rule.metric_name == metric_name)
        ]
        return sorted(chosen, key=lambda view: (_STATE_ORDER[view.state.state], _SEVERITY_ORDER[view.rule.severity],
                                                view.rule.name, view.rule.id))

    def get(self, rule_id: str) -> AlertView:
        """The alert ``rule_id``; raises :class:`AlertNotFound`."""
        stored = self._stored(rule_id)
        return self._view(stored, repository.load_states(self.store).get(rule_id, AlertState()))

    def create(self, fields: Mapping[str, Any], now: datetime | None = None) -> AlertView:
        """A new rule from flat ``fields`` (see :mod:`northstar.alerts.fields`); raises
        :class:`InvalidInput` naming the bad field (destinations checked by ``notify.validate_destinations``)."""
        at = now or _now()
        rule = self._build(fields, uuid.uuid4().hex[:16], at, at)
        self._check_destinations(rule)
        with self._lock:
            repository.insert_rule(self.store, rule)
            repository.save(self.store, rule.id, None, [repository.history_row(rule.id, at, "created")], at)
        return self.get(rule.id)

    def update(self, rule_id: str, changes: Mapping[str, Any], now: datetime | None = None) -> AlertView:
        """Apply ``changes`` (flat fields; ``None`` resets an option) to rule ``rule_id``. A change of
        what the rule asks (metric, condition, filters, timeframe, grain), or deactivating a pending
        or firing rule, starts its state over at ``ok``. Raises :class:`AlertNotFound` or
        :class:`InvalidInput`."""
        at = now or _now()
        with self._lock:
            stored = self._stored(rule_id)
            current = rule_fields(stored.rule)
            merged = {**current, **changes}
            if "alert_type" in changes and changes["alert_type"] != current["alert_type"]:
                for option in ("comparison", "threshold_value", "days_earlier", "trend_method", "periods",
                               "season_length", "history", "target_date"):
                    merged[option] = changes.get(option)
            rule = self._build(merged, rule_id, stored.rule.created_at, at, default_key=stored.rule.default_key)
            self._check_destinations(rule)
            restart = any(rule_fields(rule)[name] != current[name] for name in _RESTARTING)
            repository.update_rule(self.store, rule)
            changed = sorted(name for name in changes if name in current)
            detail = "changed: " + ", ".join(changed) if changed else "changed"
            state = repository.load_states(self.store).get(rule_id)
            paused = not rule.is_active and state is not None and state.state in OPEN_STATES
            reset = AlertState(state="ok", since=at) if (restart or paused) and state is not None else None
            if reset is not None:
                detail += "; state starts over"
            repository.save(self.store, rule_id, reset, [repository.history_row(
                rule_id, at, "updated", alert_id=state.alert_id if state else None,
                from_state=state.state if reset and state else None, to_state="ok" if reset else None,
                detail=detail)], at)
        return self.get(rule_id)

    def delete(self, rule_id: str, now: datetime | None = None) -> None:
        """Delete rule ``rule_id`` (kept as deleted, so a default is not reinstalled); raises
        :class:`AlertNotFound`."""
        with self._lock:
            if not repository.delete_rule(self.store, rule_id, now or _now()):
                raise AlertNotFound(rule_id)

    # -- lifecycle actions ----------------------------------------------------------------------

    def acknowledge(self, rule_id: str, note: str | None = None, now: datetime | None = None) -> AlertView:
        """Acknowledge the firing alert ``rule_id`` with an optional ``note``: its repeats and
        escalation stop. Raises :class:`AlertNotFound`, or :class:`NotActive` when it is not firing."""
        at = now or _now()
        with self._lock:
            self._stored(rule_id)
            state = repository.load_states(self.store).get(rule_id, AlertState())
            if state.state != "firing":
                raise NotActive(f"alert {rule_id!r} is {state.state}, not firing: nothing to acknowledge")
            acknowledged = replace(state, acknowledged_at=at, ack_note=note)
            repository.save(self.store, rule_id, acknowledged, [repository.history_row(
                rule_id, at, "ack", alert_id=state.alert_id, from_state="firing", to_state="firing", note=note)], at)
        return self.get(rule_id)

    def resolve(self, rule_id: str, note: str | None = None, now: datetime | None = None) -> AlertView:
        """Resolve the firing or pending alert ``rule_id`` by hand with an optional ``note``; a
        firing one sends a ``resolved`` notification. Raises :class:`AlertNotFound`, or
        :class:`NotActive` when it is neither firing nor pending."""
        at = now or _now()
        with self._lock:
            stored = self._stored(rule_id)
            state = repository.load_states(self.store).get(rule_id, AlertState())
            if state.state not in OPEN_STATES:
                raise NotActive(f"alert {rule_id!r} is {state.state}: only a firing or pending alert can be resolved")
            outcome = resolution(stored.rule, state, state.value, "resolved by hand", at)
            self._notify(stored.rule, state, outcome, at)
            repository.save(self.store, rule_id, outcome.state, [repository.history_row(
                rule_id, at, "resolve", alert_id=state.alert_id, from_state=state.state, to_state="resolved",
                value=state.value, value_display=self._display(stored.rule, state.value), note=note,
                detail="resolved by hand")], at)
        return self.get(rule_id)

    def history(self, rule_id: str, limit: int = 100) -> list[HistoryEvent]:
        """The newest ``limit`` events of alert ``rule_id``, newest first; raises :class:`AlertNotFound`."""
        self._stored(rule_id)
        return repository.load_history(self.store, rule_id, limit)

    # -- evaluation -------------------------------------------------------------------------------

    def preview(self, fields: Mapping[str, Any], points: int = 30) -> Preview:
        """A draft rule (flat ``fields``) against the metric's last ``points`` values on its grain:
        each value with whether the condition holds on it. Stores nothing; raises :class:`InvalidInput`."""
        at = _now()
        rule = self._build(fields, "preview", at, at)
        spec = self.metrics.registry.spec(rule.metric_name)
        samples = preview_samples(self.metrics, rule, self.metrics.as_of(), points)
        offset = baseline_days(rule)
        shown = []
        for index, sample in enumerate(samples):
            if index < len(samples) - points:
                continue
            outcome = check(rule.condition, samples[:index + 1], offset)
            shown.append(PreviewPoint(sample.day, sample.value, self._display(rule, sample.value), sample.reason,
                                      outcome.holds))
        return Preview(spec.name, spec.label, spec.unit, self._condition_text(rule), tuple(shown))

    def evaluate_all(self, now: datetime | None = None, deliver: bool = True) -> EvaluationReport:
        """Evaluate every active rule at ``now`` (default: the current UTC time) on the reporting day
        views open on, then (``deliver``) deliver due notifications. A rule that fails is logged
        and skipped; the others go on."""
        at = now or _now()
        with self._lock:
            day = self.metrics.as_of()
            states = repository.load_states(self.store)
            evaluated = transitions = enqueued = 0
            rules = [stored.rule for stored in repository.load_rules(self.store)]
            for rule in rules:
                if not rule.is_active:
                    continue
                try:
                    outcome = self.evaluate_rule(rule, states.get(rule.id, AlertState()), day, at)
                except Exception:  # one broken rule must not stop the others
                    log.exception("alert rule %s could not be evaluated", rule.id)
                    continue
                evaluated += 1
                transitions += outcome.transition is not None
                enqueued += len(outcome.notifications)
                states[rule.id] = outcome.state
            firing = tuple(rule.id for rule in rules
                           if rule.is_active and states.get(rule.id, AlertState()).state == "firing")
        delivery = self.deliver(at) if deliver else None
        return EvaluationReport(evaluated, firing, transitions, enqueued, delivery)

    def evaluate_rule(self, rule: Rule, state: AlertState, day: date, now: datetime) -> Evaluation:
        """Evaluate one ``rule`` from ``state`` on reporting ``day`` at ``now``, then enqueue its
        notifications, store its state and transition, and count a trigger."""
        try:
            samples = rule_samples(self.metrics, rule, day)
        except UnknownMetric:
            samples = [Sample(day, None, f"no_data: {rule.metric_name} is no longer in the catalog")]
        outcome = evaluate(rule, samples, state, now, baseline_days(rule))
        self._notify(rule, state, outcome, now)
        history = []
        if outcome.transition is not None:
            move = outcome.transition
            history.append(repository.history_row(
                rule.id, now, "transition", alert_id=outcome.state.alert_id or state.alert_id,
                from_state=move.from_state, to_state=move.to_state, value=move.value,
                value_display=self._display(rule, move.value), detail=move.detail))
        repository.save(self.store, rule.id, outcome.state, history, now)
        if outcome.new_trigger:
            repository.count_trigger(self.store, rule.id, now)
        return outcome

    def deliver(self, now: datetime | None = None) -> object | None:
        """Deliver the notifications that are due (``notify.deliver_due``); ``None`` when delivery
        failed (logged: the deliveries stay queued for the next run)."""
        from northstar.alerts import notify

        try:
            return notify.deliver_due(self.store, self.settings, now or _now())
        except Exception:
            log.exception("notification delivery failed")
            return None

    # -- helpers ---------------------------------------------------------------------------------------

    def _notify(self, rule: Rule, before: AlertState, outcome: Evaluation, now: datetime) -> None:
        if not outcome.notifications:
            return
        from northstar.alerts import notify

        spec = self.metrics.registry.spec(rule.metric_name) if rule.metric_name in self.metrics.registry else None
        alert_id = outcome.state.alert_id or before.alert_id or rule.id
        level = before.escalation_level
        for outgoing in outcome.notifications:
            level += outgoing.event == "escalated"
            notify.enqueue(self.store, self.settings, Notification(
                alert_id=alert_id, rule_id=rule.id, event=outgoing.event, severity=rule.severity,
                metric_name=rule.metric_name, metric_label=spec.label if spec else rule.metric_name,
                value_display=self._display(rule, outcome.value), condition_text=self._condition_text(rule),
                link=f"/metrics/{rule.metric_name}", channels=outgoing.channels, recipients=outgoing.recipients,
                created_at=now, quiet_hours=rule.quiet_hours,
                escalation_level=level if outgoing.event == "escalated" else 0,
            ))

    def _build(self, fields: Mapping[str, Any], rule_id: str, created_at: datetime, updated_at: datetime,
               default_key: str | None = None) -> Rule:
        return build_rule(fields, rule_id=rule_id, created_at=created_at, updated_at=updated_at,
                          registry=self.metrics.registry, settings=self.settings,
                          check_filters=self.metrics.check_filters, default_key=default_key)

    def _check_destinations(self, rule: Rule) -> None:
        from northstar.alerts import notify

        channels = [*rule.notification_channels, *(c for step in rule.escalation for c in step.channels)]
        recipients = [*rule.recipients, *(r for step in rule.escalation for r in step.recipients)]
        notify.validate_destinations(self.settings, channels, recipients, store=self.store)

    def _stored(self, rule_id: str) -> repository.StoredRule:
        stored = None if "\x00" in rule_id else repository.load_rule(self.store, rule_id)
        if stored is None:
            raise AlertNotFound(rule_id)
        return stored

    def _view(self, stored: repository.StoredRule, state: AlertState) -> AlertView:
        rule = stored.rule
        fields = {**rule_fields(rule), "trigger_count": stored.trigger_count,
                  "last_triggered_at": stored.last_triggered_at}
        known = rule.metric_name in self.metrics.registry
        label = self.metrics.registry.spec(rule.metric_name).label if known else rule.metric_name
        return AlertView(rule, fields, state, label, self._condition_text(rule), f"/metrics/{rule.metric_name}",
                         self._display(rule, state.value))

    def _condition_text(self, rule: Rule) -> str:
        if rule.metric_name not in self.metrics.registry:
            return f"{rule.metric_name} ({rule.alert_type})"
        return condition_text(self.metrics.registry.spec(rule.metric_name), rule.condition,
                              self.settings.reporting_currency)

    def _display(self, rule: Rule, value: Decimal | None) -> str | None:
        if value is None or rule.metric_name not in self.metrics.registry:
            return None if value is None else str(value)
        return format_value(self.metrics.registry.spec(rule.metric_name), value, self.settings.reporting_currency)


_SERVICES: weakref.WeakKeyDictionary[Northstar, AlertsService] = weakref.WeakKeyDictionary()
_SERVICES_LOCK = threading.Lock()


def alerts_for(northstar: Northstar) -> AlertsService:
    """The one :class:`AlertsService` of a façade, made on first use — which installs the default
    rules when ``settings.alerts.install_defaults`` is on."""
    with _SERVICES_LOCK:
        service = _SERVICES.get(northstar)
        if service is None:
            service = _SERVICES[northstar] = AlertsService(northstar)
            if northstar.settings.alerts.install_defaults:
                service.install_defaults()
        return service

