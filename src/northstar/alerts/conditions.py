"""Whether a rule's condition holds on a series of samples: one pure function per condition type
(see :mod:`northstar.alerts.model` for what each type means).

Every check answers a :class:`Check`: ``holds`` is ``None`` when the condition cannot be told —
the current value is missing, a baseline is missing or zero, or there is not enough history —
and the rule's no-data policy decides then.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from northstar.alerts.model import (
    AnomalyCondition,
    ChangeCondition,
    Condition,
    Sample,
    TargetCondition,
    ThresholdCondition,
    TrendCondition,
)
from northstar.metrics.results import exact

# Smallest residual scale, relative to the series' level: a perfectly regular history has no
# noise at all, and a value that repeats it must not look infinitely unusual.
SCALE_FLOOR = 1e-6


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome: ``holds`` (``None``: cannot tell), the current ``value`` and a ``detail`` text
    (e.g. ``"change -12.5 % from 0.8 on 2026-01-01"``)."""

    holds: bool | None
    value: Decimal | None
    detail: str


def check(condition: Condition, samples: Sequence[Sample], baseline_days: int | None) -> Check:
    """Evaluate ``condition`` on ``samples`` (oldest first; the last is the current value).

    ``baseline_days`` is, for a ``change`` condition without ``days_earlier``, how many days
    before the current sample its baseline lies (the rule's timeframe on a day grain; ``None``
    means the sample before).
    """
    if not samples:
        return Check(None, None, "no value")
    current = samples[-1]
    if current.value is None:
        return Check(None, None, current.reason or "no value")
    if isinstance(condition, ThresholdCondition):
        return _threshold(condition, current.value)
    if isinstance(condition, ChangeCondition):
        return _change(condition, samples, baseline_days)
    if isinstance(condition, TrendCondition):
        return _trend(condition, samples)
    if isinstance(condition, AnomalyCondition):
        return _anomaly(condition, samples)
    return _target(condition, samples)


def compare(value: Decimal, comparison: str, bound: Decimal) -> bool:
    """``value <comparison> bound`` for ``>``, ``>=``, ``<``, ``<=`` and ``=`` (exact)."""
    return {
        ">": value > bound, ">=": value >= bound, "<": value < bound, "<=": value <= bound, "=": value == bound,
    }[comparison]


def _threshold(condition: ThresholdCondition, value: Decimal) -> Check:
    holds = compare(value, condition.comparison, condition.value)
    return Check(holds, value, f"{_text(value)} {condition.comparison} {_text(condition.value)}: "
                 f"{'true' if holds else 'false'}")


def _change(condition: ChangeCondition, samples: Sequence[Sample], baseline_days: int | None) -> Check:
    current = samples[-1]
    assert current.value is not None
    offset = condition.days_earlier or baseline_days
    if offset is None:
        baseline = samples[-2] if len(samples) >= 2 else None
    else:
        wanted = current.day.toordinal() - offset
        baseline = next((sample for sample in samples if sample.day.toordinal() == wanted), None)
    if baseline is None or baseline.value is None:
        return Check(None, current.value, "no baseline value")
    if baseline.value == 0:
        return Check(None, current.value, f"baseline on {baseline.day} is 0: the change is undefined")
    percent = (current.value - baseline.value) / abs(baseline.value) * 100
    limit = condition.percent
    holds = {
        "increase": percent > limit, "decrease": percent < -limit, "change_%": abs(percent) > limit,
    }[condition.comparison]
    return Check(holds, current.value, f"change {_text(percent.quantize(Decimal('0.1')))} % from "
                 f"{_text(baseline.value)} on {baseline.day}")


def _trend(condition: TrendCondition, samples: Sequence[Sample]) -> Check:
    current = samples[-1]
    window = samples[-condition.periods:]
    values = [sample.value for sample in window]
    if len(window) < condition.periods or any(value is None for value in values):
        return Check(None, current.value, f"needs {condition.periods} consecutive values")
    known = [value for value in values if value is not None]
    falling = condition.comparison == "decreasing"
    if condition.method == "consecutive":
        moves = list(itertools.pairwise(known))
        holds = all(after < before if falling else after > before for before, after in moves)
        return Check(holds, current.value, f"{len(moves)} moves, {'all' if holds else 'not all'} "
                     f"{condition.comparison}")
    slope = exact(fit_line(list(range(len(known))), known)[0])
    bound = condition.slope or Decimal(0)
    holds = slope <= -bound if falling else slope >= bound
    return Check(holds, current.value, f"slope {_text(slope)} per period")


def anomaly_score(history: Sequence[float], current: float, season_length: int) -> tuple[float, float]:
    """``(expected, z)``: the value ``history`` predicts next and how many robust standard
    deviations ``current`` lies from it.

    The prediction (:func:`predict_next`) is STL's trend plus seasonal component. The scale is
    learnt from the history itself: each of its later points is predicted from the points before
    it, and the scale is the larger of 1.4826 × the median absolute deviation and the root mean
    square of those one-step errors (at least :data:`SCALE_FLOOR` × the series' mean level), so a
    noisy metric needs a larger deviation to count as an anomaly than a steady one.
    """
    values = np.asarray(history, dtype=float)
    first = min(len(values) - 1, max(3, 2 * season_length + 1))
    errors = np.array([values[i] - predict_next(values[:i], season_length) for i in range(first, len(values))])
    spread = 0.0
    if errors.size:
        robust = 1.4826 * float(np.median(np.abs(errors - np.median(errors))))
        spread = max(robust, float(np.sqrt(np.mean(errors ** 2))))
    scale = max(spread, SCALE_FLOOR * max(1.0, float(np.mean(np.abs(values)))))
    expected = predict_next(values, season_length)
    return expected, (current - expected) / scale


def predict_next(values: np.ndarray, season_length: int) -> float:
    """The next value of ``values``: with ``season_length`` > 1, the robust STL decomposition's
    (statsmodels) last trend value plus the seasonal component of the same phase one season
    earlier; without seasonality, the median."""
    if season_length <= 1:
        return float(np.median(values))
    from statsmodels.tsa.seasonal import STL

    fitted = STL(values, period=season_length, robust=True).fit()
    trend = np.asarray(fitted.trend)
    return float(trend[-1] + np.asarray(fitted.seasonal)[-season_length])


def _anomaly(condition: AnomalyCondition, samples: Sequence[Sample]) -> Check:
    current = samples[-1]
    assert current.value is not None
    past = samples[-condition.history - 1:-1]
    if len(past) < condition.history or any(sample.value is None for sample in past):
        return Check(None, current.value, f"needs {condition.history} past values")
    expected, z = anomaly_score([float(sample.value) for sample in past if sample.value is not None],
                                float(current.value), condition.season_length)
    bound = float(condition.sensitivity)
    holds = {"outside": abs(z) > bound, "above": z > bound, "below": z < -bound}[condition.comparison]
    return Check(holds, current.value, f"expected {_float_text(expected)}, {z:+.1f} σ")


def _target(condition: TargetCondition, samples: Sequence[Sample]) -> Check:
    current = samples[-1]
    window = samples[-condition.periods:]
    if len(window) < condition.periods or any(sample.value is None for sample in window):
        return Check(None, current.value, f"needs {condition.periods} values")
    days = [sample.day.toordinal() for sample in window]
    slope, intercept = fit_line(days, [sample.value for sample in window if sample.value is not None])
    projected = exact(slope * condition.target_date.toordinal() + intercept)
    target = condition.target
    holds = projected < target if condition.comparison == "below" else projected > target
    return Check(holds, current.value, f"projected {_text(projected.quantize(Decimal('0.01')))} on "
                 f"{condition.target_date}, target {_text(target)}")


def fit_line(xs: Sequence[int], ys: Sequence[Decimal]) -> tuple[Fraction, Fraction]:
    """Exact least-squares ``(slope, intercept)`` of ``ys`` on ``xs`` (at least two distinct xs)."""
    n = len(xs)
    mean_x = Fraction(sum(xs), n)
    mean_y = sum((Fraction(y) for y in ys), Fraction(0)) / n
    spread = sum(((x - mean_x) ** 2 for x in xs), Fraction(0))
    slope = sum(((x - mean_x) * (Fraction(y) - mean_y) for x, y in zip(xs, ys, strict=True)), Fraction(0)) / spread
    return slope, mean_y - slope * mean_x


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _float_text(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)
