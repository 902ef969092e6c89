"""What metric functions return (:class:`Measurement`) and what the service hands out
(:class:`MetricResult`, a measurement dressed with its catalog metadata, target and zone).

Values are exact: counts are ``int``, everything else a ``Decimal`` (money in minor units of the
reporting currency, rates as fractions in ``[0, 1]``). An undefined value is ``None`` with a
``reason`` that starts with ``undefined:`` (empty denominator), ``no_data:`` (nothing of the
family imported yet) or ``not_computed:`` (a definition the catalog does not implement yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict

from northstar.config import TargetSetting
from northstar.domain.money import Money
from northstar.metrics.registry import DurationUnit, MetricSpec

Value = Decimal | int
Zone = Literal["green", "yellow", "red"]


@dataclass(frozen=True, slots=True)
class Measurement:
    """A metric's value on one reporting day, or ``None`` with the ``reason``."""

    value: Value | None
    reason: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("a measurement has either a value or a reason, not both")


def measured(value: Value) -> Measurement:
    """A defined value."""
    return Measurement(value)


def undefined(why: str) -> Measurement:
    """A value that does not exist, e.g. a rate whose denominator is empty (METRICS.md, "Rates")."""
    return Measurement(None, f"undefined: {why}")


def exact(value: Fraction) -> Decimal:
    """A rational as a Decimal: one correctly rounded division (28 significant digits), so sums
    of many rational parts never accumulate rounding."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def ratio(numerator: Value | Fraction, denominator: Value | Fraction, empty: str) -> Measurement:
    """``numerator / denominator`` as an exact Decimal, or undefined with ``empty`` as the reason
    when the denominator is 0."""
    if denominator == 0:
        return undefined(empty)
    return Measurement(exact(Fraction(numerator) / Fraction(denominator)))


class MoneyValue(BaseModel):
    """Exact money for the outside world: integer minor units (rounded half-even once, here)."""

    model_config = ConfigDict(frozen=True)

    minor: int
    currency: str
    display: str


class MetricResult(BaseModel):
    """A metric on reporting day ``day`` over the window ``[window_start, window_end)`` of
    reporting days, with the previous period's value, the change, the target and the zone.

    ``value`` is exact (``money`` carries the rounded minor units and display when the unit is
    money); ``display`` is the formatted value (``None`` when undefined, then ``reason`` says why).
    ``change`` is ``value − previous``; ``change_rate`` is ``change / previous`` (``None`` when
    either value is undefined or ``previous`` is 0).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    description: str
    unit: str
    duration_unit: DurationUnit | None
    direction: str
    day: date
    timeframe: str
    window_start: date
    window_end: date
    filters: dict[str, str]
    value: Value | None
    reason: str | None
    currency: str | None
    money: MoneyValue | None
    display: str | None
    previous: Value | None
    previous_display: str | None
    change: Value | None
    change_rate: Decimal | None
    target: Decimal | None
    target_display: str | None
    zone: Zone | None
    definition: str
    source: str


def money_value(minor: Value, currency: str) -> MoneyValue:
    """``minor`` (exact) as :class:`MoneyValue`, rounded half-even once."""
    money = Money(minor, currency)
    return MoneyValue(minor=money.rounded(), currency=currency, display=money.display())


def format_value(spec: MetricSpec, value: Value | None, currency: str) -> str | None:
    """The presentation text of ``value`` in ``spec``'s unit: ``£1,234.50``, ``12.5%``, ``1,234``,
    ``4.5 min``, ``1.25``, a whole score as ``-12``; ``None`` when undefined."""
    if value is None:
        return None
    if spec.unit == "money":
        return Money(value, currency).display()
    if spec.unit == "rate":
        return f"{Decimal(value) * 100:,.1f}%"
    if spec.unit == "count":
        return f"{int(value):,}" if Decimal(value) == int(value) else f"{Decimal(value):,.1f}"
    if spec.unit == "duration":
        suffix = {"ms": "ms", "seconds": "s", "minutes": "min", "hours": "h", "days": "d",
                  "months": "mo"}[spec.duration_unit or "ms"]
        places = 0 if spec.duration_unit == "ms" else 1
        return f"{Decimal(value):,.{places}f} {suffix}"
    if spec.unit == "score" and Decimal(value) == int(value):
        return f"{int(value):,}"
    return f"{Decimal(value):,.2f}"


def json_number(value: Value | None) -> float | int | None:
    """An exact metric value as a JSON number: whole values as ints, others as floats
    (presentation only; money goes out as exact minor units instead)."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(Decimal(value))


def zone_of(value: Value | None, target: TargetSetting | None, direction: str) -> Zone | None:
    """green / yellow / red of ``value`` against ``target``'s thresholds (``config.TargetSetting``):
    higher-is-better is green at or above ``green`` (default: the target value), yellow at or above
    ``yellow``, else red; lower-is-better mirrors it. ``None`` without a value or a target."""
    if value is None or target is None:
        return None
    green = target.green if target.green is not None else target.value
    number = Decimal(value)
    if direction == "higher":
        if number >= green:
            return "green"
        return "yellow" if target.yellow is not None and number >= target.yellow else "red"
    if number <= green:
        return "green"
    return "yellow" if target.yellow is not None and number <= target.yellow else "red"
