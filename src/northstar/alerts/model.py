"""Alert rules, their conditions and the state of a rule, as data (issue 5; DESIGN.md, practice 7).

A :class:`Rule` names a catalog metric, optional filters, the timeframe and grain its values are
read with, and one :data:`Condition` — a discriminated union on ``type``:

- ``threshold``: the current value ``>``, ``>=``, ``<``, ``<=`` or ``=`` ``value``;
- ``change``: the current value against the previous period (``days_earlier`` unset: the value on
  the day one timeframe earlier, as the metrics API's ``previous``) or ``days_earlier`` days
  earlier, moving up (``increase``), down (``decrease``) or either way (``change_%``) by more than
  ``percent`` %;
- ``trend``: over the last ``periods`` points, each point moving the ``comparison`` way
  (``method="consecutive"``), or the least-squares slope per period beyond ``slope`` (``method="slope"``);
- ``anomaly``: the current value outside the band its own seasonal history predicts (STL
  decomposition, :mod:`northstar.alerts.anomaly`) by more than ``sensitivity`` robust standard
  deviations;
- ``target``: the linear projection of the last ``periods`` points misses ``target`` by
  ``target_date`` on the ``comparison`` side (``below`` for a metric where higher is better).

Values are in the metric's own unit (rates as fractions, money in minor units, durations in the
metric's ``duration_unit``). Instants are naive UTC, like the rest of the store.

:class:`AlertState` is a rule's position in the lifecycle ``ok → pending → firing → resolved``
(plus ``no_data``); :class:`Notification` is what the evaluation hands to delivery
(``northstar.alerts.notify``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from northstar.domain.time import known_zone

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")
StateName = Literal["ok", "pending", "firing", "resolved", "no_data"]
NoDataPolicy = Literal["ok", "keep", "alerting", "no_data"]
AlertType = Literal["threshold", "change", "trend", "anomaly", "target"]
ALERT_TYPES: tuple[str, ...] = ("threshold", "change", "trend", "anomaly", "target")
Grain = Literal["day", "week", "month"]
Timeframe = Literal["7d", "30d", "90d", "1y"]
EventKind = Literal["firing", "resolved", "escalated", "test"]

ThresholdComparison = Literal[">", ">=", "<", "<=", "="]
ChangeComparison = Literal["increase", "decrease", "change_%"]
TrendComparison = Literal["increasing", "decreasing"]
AnomalyComparison = Literal["outside", "above", "below"]
TargetComparison = Literal["below", "above"]

# Which ``comparison`` values each condition type accepts (the API validates against this).
COMPARISONS: dict[str, tuple[str, ...]] = {
    "threshold": (">", ">=", "<", "<=", "="),
    "change": ("increase", "decrease", "change_%"),
    "trend": ("increasing", "decreasing"),
    "anomaly": ("outside", "above", "below"),
    "target": ("below", "above"),
}

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ThresholdCondition(BaseModel):
    """Holds when ``current <comparison> value``."""

    model_config = _FROZEN
    type: Literal["threshold"] = "threshold"
    comparison: ThresholdComparison
    value: Decimal


class ChangeCondition(BaseModel):
    """Holds when the current value moved from the baseline by more than ``percent`` % in the
    ``comparison`` direction. The baseline is the value one timeframe earlier (``days_earlier``
    unset) or ``days_earlier`` days earlier; a zero baseline makes the change undefined."""

    model_config = _FROZEN
    type: Literal["change"] = "change"
    comparison: ChangeComparison
    percent: Decimal = Field(gt=0)
    days_earlier: int | None = Field(default=None, ge=1, le=3660)


class TrendCondition(BaseModel):
    """Over the last ``periods`` points of the rule's grain: ``consecutive`` holds when each point
    moved the ``comparison`` way from the one before (``periods - 1`` moves); ``slope`` holds when
    the least-squares slope (metric units per period) is ``<= -slope`` (``decreasing``) or
    ``>= slope`` (``increasing``)."""

    model_config = _FROZEN
    type: Literal["trend"] = "trend"
    comparison: TrendComparison
    method: Literal["consecutive", "slope"] = "consecutive"
    periods: int = Field(default=3, ge=2, le=365)
    slope: Decimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _slope_given(self) -> TrendCondition:
        if self.method == "slope" and self.slope is None:
            raise ValueError("slope: required when method is 'slope'")
        return self


class AnomalyCondition(BaseModel):
    """Holds when the current value lies more than ``sensitivity`` robust standard deviations
    from what the last ``history`` points predict (their STL trend plus the seasonal component of
    ``season_length`` points; ``season_length`` 1 means no seasonality). ``above``/``below`` only
    count deviations on that side."""

    model_config = _FROZEN
    type: Literal["anomaly"] = "anomaly"
    comparison: AnomalyComparison = "outside"
    sensitivity: Decimal = Field(default=Decimal(3), gt=0, le=20)
    season_length: int = Field(default=7, ge=1, le=100)
    history: int = Field(default=28, ge=4, le=400)

    @model_validator(mode="after")
    def _enough_history(self) -> AnomalyCondition:
        if self.season_length > 1 and self.history < 3 * self.season_length:
            raise ValueError("history: needs at least three seasons (3 × season_length): two to decompose, "
                             "the rest to learn how far the values stray")
        return self


class TargetCondition(BaseModel):
    """Holds when the straight line fitted to the last ``periods`` points, projected to
    ``target_date``, ends on the ``comparison`` side of ``target`` (``below`` for metrics where
    higher is better): the metric is not on track for its target."""

    model_config = _FROZEN
    type: Literal["target"] = "target"
    comparison: TargetComparison
    target: Decimal
    target_date: date
    periods: int = Field(default=6, ge=2, le=365)


Condition = Annotated[
    ThresholdCondition | ChangeCondition | TrendCondition | AnomalyCondition | TargetCondition,
    Field(discriminator="type"),
]


class QuietHours(BaseModel):
    """Hours ``[start, end)`` in ``timezone`` when non-critical notifications are held (a window
    that wraps midnight, e.g. 22:00–07:00, is allowed). Delivery applies them."""

    model_config = _FROZEN
    start: time
    end: time
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    def contains(self, instant_utc: datetime) -> bool:
        """Whether naive-UTC ``instant_utc`` falls inside the quiet hours."""
        from datetime import UTC

        local = instant_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(self.timezone)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class EscalationStep(BaseModel):
    """When a firing alert is still unacknowledged ``after_minutes`` after it started firing, notify
    these ``channels`` and ``recipients`` too (an ``escalated`` notification)."""

    model_config = _FROZEN
    after_minutes: int = Field(ge=1, le=60 * 24 * 30)
    channels: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()


class Rule(BaseModel):
    """An alert rule (the specification's ``metric_alerts`` row, extended).

    ``pending_evaluations`` is how many consecutive evaluations the condition holds in ``pending``
    before the alert fires (0: it fires at the first). ``repeat_interval_minutes`` re-sends the
    ``firing`` notification that often while the alert fires unacknowledged (``None``: never).
    ``escalation`` steps are ordered by ``after_minutes``. ``default_key`` marks a shipped default.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    metric_name: str
    filters: dict[str, str] = Field(default_factory=dict)
    timeframe: Timeframe = "30d"
    grain: Grain = "day"
    condition: Condition
    severity: Severity = "warning"
    is_active: bool = True
    pending_evaluations: int = Field(default=0, ge=0, le=1000)
    no_data: NoDataPolicy = "keep"
    repeat_interval_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    quiet_hours: QuietHours | None = None
    escalation: tuple[EscalationStep, ...] = ()
    notification_channels: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    default_key: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def alert_type(self) -> AlertType:
        return self.condition.type


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of the rule's metric: reporting ``day`` and exact ``value`` (``None`` when
    undefined or without data, ``reason`` saying why)."""

    day: date
    value: Decimal | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AlertState:
    """Where a rule stands after its last evaluation.

    ``since`` is when it entered ``state``; ``holds`` counts consecutive evaluations the
    condition held; ``alert_id`` names the current episode (set from ``pending``/``firing`` until
    resolution); ``fired_at`` when it started firing; ``notified_at`` the last ``firing``
    notification (for the repeat interval); ``escalation_level`` how many escalation steps ran;
    ``acknowledged_at``/``ack_note`` an acknowledgement of the current episode.
    """

    state: StateName = "ok"
    since: datetime | None = None
    holds: int = 0
    value: Decimal | None = None
    alert_id: str | None = None
    fired_at: datetime | None = None
    notified_at: datetime | None = None
    escalation_level: int = 0
    acknowledged_at: datetime | None = None
    ack_note: str | None = None
    evaluated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of state, with the value that caused it (``None`` without data) and why."""

    from_state: StateName
    to_state: StateName
    value: Decimal | None
    detail: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A notification an evaluation asks for: the ``event`` and, for ``escalated``, the extra
    ``channels``/``recipients`` of the escalation step (else the rule's own)."""

    event: EventKind
    channels: tuple[str, ...]
    recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one evaluation decided: the new ``state``, whether the condition ``holds`` (``None``:
    it could not be evaluated), the current ``value``, a ``detail`` text, the ``transition`` (if
    the state changed) and the ``notifications`` to send. ``in_quiet_hours`` says whether ``now``
    is in the rule's quiet hours (delivery holds non-critical notifications then)."""

    state: AlertState
    holds: bool | None
    value: Decimal | None
    detail: str
    transition: Transition | None = None
    notifications: tuple[Outgoing, ...] = ()
    in_quiet_hours: bool = False
    new_trigger: bool = False


@dataclass(frozen=True)
class Notification:
    """One message to deliver, handed to ``northstar.alerts.notify.enqueue``.

    ``alert_id`` names the alert episode (one ``pending``/``firing`` run of a rule; for ``test``
    any id), ``rule_id`` the rule; ``value_display`` is the formatted value (``None`` without
    data); ``condition_text`` reads like "K-factor < 1.0"; ``link`` is the path of the metric's
    drill-down page (``/metrics/<name>``); ``created_at`` is naive UTC. ``quiet_hours`` are the
    rule's (``None``: none), applied at delivery to non-critical notifications;
    ``escalation_level`` is 0 except for ``escalated`` events (the step number, from 1).
    """

    alert_id: str
    rule_id: str
    event: EventKind
    severity: Severity
    metric_name: str
    metric_label: str
    value_display: str | None
    condition_text: str
    link: str
    channels: tuple[str, ...]
    recipients: tuple[str, ...]
    created_at: datetime
    quiet_hours: QuietHours | None = None
    escalation_level: int = 0
