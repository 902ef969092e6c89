"""Alert rules, states and history in the store (migration 0003): the only module that knows
their tables.

A rule is stored as its spec columns (``metric_alerts``) plus the whole :class:`Rule` as JSON;
deleting one sets ``deleted_at`` (so a deleted default rule is never installed again). A state
change and its history rows are written in one transaction (``store.write``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from northstar.alerts.model import AlertState, Rule
from northstar.store.base import Store


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A rule with the counters the specification keeps on it."""

    rule: Rule
    trigger_count: int
    last_triggered_at: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One event of a rule's history: a state ``transition`` (``from_state`` → ``to_state`` with
    the ``value`` that caused it), an ``ack``, a manual ``resolve``, or the rule ``created`` /
    ``updated``; ``alert_id`` is the episode it belongs to."""

    at: datetime
    kind: str
    alert_id: str | None
    from_state: str | None
    to_state: str | None
    value: Decimal | None
    value_display: str | None
    detail: str | None
    note: str | None


_RULE_COLUMNS = "definition, trigger_count, last_triggered_at"


def insert_rule(store: Store, rule: Rule) -> bool:
    """Store the new ``rule``; ``False`` when a rule with its id exists already (even deleted)."""
    columns = _spec_columns(rule)
    names = ["rule_id", *columns, "trigger_count", "created_at"]
    values = [rule.id, *columns.values(), 0, rule.created_at]
    sql = (f"INSERT INTO alert_rules ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
           "ON CONFLICT (rule_id) DO NOTHING")
    return store.execute_write(sql, values) > 0


def update_rule(store: Store, rule: Rule) -> None:
    """Replace the stored definition of ``rule`` (same id)."""
    columns = _spec_columns(rule)
    assignments = ", ".join(f"{name} = ?" for name in columns)
    store.execute_write(f"UPDATE alert_rules SET {assignments} WHERE rule_id = ?", [*columns.values(), rule.id])


def delete_rule(store: Store, rule_id: str, now: datetime) -> bool:
    """Mark rule ``rule_id`` deleted; ``False`` when there is no such live rule."""
    return store.execute_write("UPDATE alert_rules SET deleted_at = ? WHERE rule_id = ? AND deleted_at IS NULL",
                               [now, rule_id]) > 0


def count_trigger(store: Store, rule_id: str, at: datetime) -> None:
    """Add one to the rule's ``trigger_count`` and set ``last_triggered_at``."""
    store.execute_write("UPDATE alert_rules SET trigger_count = trigger_count + 1, last_triggered_at = ? "
                        "WHERE rule_id = ?", [at, rule_id])


def load_rules(store: Store) -> list[StoredRule]:
    """Every live rule, oldest first."""
    rows = store.query(f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE deleted_at IS NULL ORDER BY created_at, rule_id")
    return [_stored(row) for row in rows]


def load_rule(store: Store, rule_id: str) -> StoredRule | None:
    """The live rule ``rule_id``, or ``None``."""
    rows = store.query(f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE rule_id = ? AND deleted_at IS NULL", [rule_id])
    return _stored(rows[0]) if rows else None


def default_keys(store: Store) -> set[str]:
    """The ``default_key`` of every rule ever installed, deleted ones included."""
    return {row[0] for row in store.query("SELECT default_key FROM alert_rules WHERE default_key IS NOT NULL")}


def firing_count(store: Store) -> int:
    """How many live, active rules are firing (one query)."""
    rows = store.query("SELECT count(*) FROM alert_states s JOIN alert_rules r ON r.rule_id = s.rule_id "
                       "WHERE s.state = 'firing' AND r.deleted_at IS NULL AND r.is_active")
    return int(rows[0][0])


def load_states(store: Store) -> dict[str, AlertState]:
    """Rule id → its stored state (rules never evaluated are absent)."""
    return {row[0]: state_from_json(row[1]) for row in store.query("SELECT rule_id, document FROM alert_states")}


def save(store: Store, rule_id: str, state: AlertState | None, history: list[dict[str, Any]], now: datetime) -> None:
    """Write ``state`` of ``rule_id`` (unless ``None``) and ``history`` rows (see :func:`history_row`)
    in one transaction."""
    batch: dict[str, list[dict[str, Any]]] = {}
    if state is not None:
        batch["alert_states"] = [{"rule_id": rule_id, "state": state.state, "document": state_to_json(state),
                                  "updated_at": now}]
    if history:
        batch["alert_history"] = history
    if batch:
        store.write(batch)


def history_row(rule_id: str, at: datetime, kind: str, *, alert_id: str | None = None, from_state: str | None = None,
                to_state: str | None = None, value: Decimal | None = None, value_display: str | None = None,
                detail: str | None = None, note: str | None = None) -> dict[str, Any]:
    """An ``alert_history`` row with a fresh id."""
    return {"event_id": uuid.uuid4().hex, "rule_id": rule_id, "alert_id": alert_id, "occurred_at": at, "kind": kind,
            "from_state": from_state, "to_state": to_state, "value_text": None if value is None else str(value),
            "value_display": value_display, "detail": detail, "note": note}


def load_history(store: Store, rule_id: str, limit: int) -> list[HistoryEvent]:
    """The newest ``limit`` history rows of ``rule_id``, newest first."""
    rows = store.query(
        "SELECT occurred_at, kind, alert_id, from_state, to_state, value_text, value_display, detail, note "
        "FROM alert_history WHERE rule_id = ? ORDER BY occurred_at DESC, event_id DESC LIMIT ?", [rule_id, limit])
    return [HistoryEvent(row[0], row[1], row[2], row[3], row[4], None if row[5] is None else Decimal(row[5]),
                       row[6], row[7], row[8]) for row in rows]


def state_to_json(state: AlertState) -> str:
    """``state`` as a JSON text (instants ISO 8601, the value as exact text)."""
    return json.dumps({key: _plain(value) for key, value in asdict(state).items()})


def state_from_json(document: Any) -> AlertState:
    """The :class:`AlertState` of a stored JSON document (text or already decoded)."""
    data = json.loads(document) if isinstance(document, str) else dict(document)
    for key in ("since", "fired_at", "notified_at", "acknowledged_at", "evaluated_at"):
        if data.get(key):
            data[key] = datetime.fromisoformat(data[key])
    if data.get("value") is not None:
        data["value"] = Decimal(data["value"])
    return AlertState(**data)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _spec_columns(rule: Rule) -> dict[str, Any]:
    from northstar.alerts.fields import rule_fields

    fields = rule_fields(rule)
    number = fields["threshold_value"]
    return {
        "name": rule.name, "metric_name": rule.metric_name, "alert_type": rule.alert_type,
        "threshold_value": None if number is None else float(number), "comparison": rule.condition.comparison,
        "severity": rule.severity, "is_active": rule.is_active,
        "notification_channels": json.dumps(list(rule.notification_channels)),
        "recipients": json.dumps(list(rule.recipients)), "definition": rule.model_dump_json(),
        "default_key": rule.default_key, "updated_at": rule.updated_at,
    }


def _stored(row: tuple[Any, ...]) -> StoredRule:
    definition = row[0] if isinstance(row[0], str) else json.dumps(row[0])
    return StoredRule(Rule.model_validate_json(definition), int(row[1]), row[2])
