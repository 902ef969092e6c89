"""Each condition type on hand-made series (alerts/conditions.py), and the anomaly model on a
weekly-seasonal series."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from northstar.alerts.conditions import check
from northstar.alerts.model import (
    AnomalyCondition,
    ChangeCondition,
    Sample,
    TargetCondition,
    ThresholdCondition,
    TrendCondition,
)

START = date(2026, 1, 5)  # a Monday


def series(*values: float | str | None, start: date = START) -> list[Sample]:
    return [Sample(start + timedelta(days=index), None if v is None else Decimal(str(v)),
                   "no_data: x" if v is None else None)
            for index, v in enumerate(values)]


@pytest.mark.parametrize(("comparison", "bound", "expected"), [
    (">", "5", True), (">=", "5.5", True), ("<", "5.5", False), ("<=", "5.5", True), ("=", "5.5", True),
    ("=", "5.50001", False),
])
def test_threshold(comparison: str, bound: str, expected: bool) -> None:
    outcome = check(ThresholdCondition(comparison=comparison, value=Decimal(bound)), series(5.5), None)
    assert outcome.holds is expected and outcome.value == Decimal("5.5")


def test_change_against_one_timeframe_earlier() -> None:
    # 8 daily values; baseline 7 days before the last: 100 → 85 is −15 %.
    values = series(100, 1, 1, 1, 1, 1, 1, 85)
    assert check(ChangeCondition(comparison="decrease", percent=Decimal(10)), values, 7).holds is True
    assert check(ChangeCondition(comparison="decrease", percent=Decimal(15)), values, 7).holds is False
    assert check(ChangeCondition(comparison="increase", percent=Decimal(10)), values, 7).holds is False
    assert check(ChangeCondition(comparison="change_%", percent=Decimal(10)), values, 7).holds is True
    assert check(ChangeCondition(comparison="change_%", percent=Decimal(10)), values, 7).detail == (
        "change -15 % from 100 on 2026-01-05")


def test_change_n_days_earlier_and_previous_period() -> None:
    values = series(50, 80, 100)
    assert check(ChangeCondition(comparison="increase", percent=Decimal(50), days_earlier=2), values, 30).holds is True
    # Without an offset the baseline is the sample before: 80 → 100 is +25 %.
    assert check(ChangeCondition(comparison="increase", percent=Decimal(30)), values, None).holds is False
    assert check(ChangeCondition(comparison="increase", percent=Decimal(20)), values, None).holds is True


def test_change_without_baseline_or_from_zero_cannot_tell() -> None:
    assert check(ChangeCondition(comparison="change_%", percent=Decimal(5)), series(100), 7).holds is None
    assert check(ChangeCondition(comparison="change_%", percent=Decimal(5)), series(0, 3), None).holds is None


def test_trend_consecutive() -> None:
    falling = TrendCondition(comparison="decreasing", periods=4)
    assert check(falling, series(9, 5, 4, 3, 2), None).holds is True
    assert check(falling, series(5, 4, 4, 3), None).holds is False  # a flat step is not a fall
    assert check(falling, series(4, 3), None).holds is None
    assert check(TrendCondition(comparison="increasing", periods=3), series(1, 2, 3), None).holds is True


def test_trend_slope() -> None:
    # Least-squares slope of 10, 8, 7, 4 over x = 0..3 is -1.9 per period.
    condition = TrendCondition(comparison="decreasing", method="slope", slope=Decimal("1.5"), periods=4)
    assert check(condition, series(10, 8, 7, 4), None).holds is True
    steeper = TrendCondition(comparison="decreasing", method="slope", slope=Decimal(2), periods=4)
    assert check(steeper, series(10, 8, 7, 4), None).holds is False


def test_target_projection() -> None:
    # +1,000 a day from 10,000 on 2026-01-05 reaches 10,000 + 1,000 × 30 = 40,000 on 2026-02-04.
    values = series(10_000, 11_000, 12_000, 13_000)
    on_track = TargetCondition(comparison="below", target=Decimal(40_000), target_date=date(2026, 2, 4), periods=4)
    off_track = TargetCondition(comparison="below", target=Decimal(40_001), target_date=date(2026, 2, 4), periods=4)
    assert check(on_track, values, None).holds is False
    assert check(off_track, values, None).holds is True
    assert check(on_track, values, None).detail == "projected 40000 on 2026-02-04, target 40000"


def test_no_current_value_cannot_tell() -> None:
    outcome = check(ThresholdCondition(comparison=">", value=Decimal(1)), series(5, None), None)
    assert (outcome.holds, outcome.value, outcome.detail) == (None, None, "no_data: x")


WEEK = [100.0, 120.0, 130.0, 125.0, 110.0, 60.0, 50.0]  # Monday … Sunday


def seasonal(days: int, noise: float, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return [WEEK[index % 7] + float(rng.normal(0, noise)) for index in range(days)]


def test_anomaly_fires_on_a_spike_not_on_the_weekly_pattern() -> None:
    condition = AnomalyCondition(sensitivity=Decimal(3), season_length=7, history=28)
    values = seasonal(36, noise=2.0, seed=11)
    # The plain pattern, weekend dip included, is expected on each of the last 8 days.
    for end in range(29, 37):
        plain = check(condition, series(*values[end - 29:end]), None)
        assert plain.holds is False, (end, plain.detail)
    # Index 34 is a Sunday: about 50 is normal there, a weekday level of 110 is not.
    spiked = [*values[6:34], values[34] + 60]
    outcome = check(condition, series(*spiked), None)
    assert outcome.holds is True, outcome.detail
    below = AnomalyCondition(comparison="below", season_length=7, history=28)
    assert check(below, series(*spiked), None).holds is False


def test_anomaly_on_an_exact_pattern_and_without_enough_history() -> None:
    condition = AnomalyCondition(season_length=7, history=21)
    exact = [WEEK[index % 7] for index in range(22)]
    assert check(condition, series(*exact), None).holds is False
    assert check(condition, series(*exact[:-1], exact[-1] * 1.5), None).holds is True
    assert check(condition, series(*exact[-10:]), None).holds is None
