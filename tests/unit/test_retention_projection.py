"""The shifted-beta-geometric retention model against Fader & Hardie (2007), "How to Project
Customer Retention": the survivors of 1,000 customers of the "regular" and "high end" cohorts over
12 years, fitted on years 1–7 (the paper's Table 1 and its estimates)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from northstar.analytics.retention_projection import ShiftedBetaGeometric, expected_lifetime_value, fit_sbg
from northstar.domain.errors import InvalidInput

REGULAR = [631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(("survivors", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_fit_matches_the_papers_estimates(survivors: list[int], alpha: float, beta: float) -> None:
    model = fit_sbg(survivors[:7], 1000)
    assert model.alpha == pytest.approx(alpha, rel=0.01)
    assert model.beta == pytest.approx(beta, rel=0.01)
    assert model.observed == 7


@pytest.mark.parametrize("survivors", [REGULAR, HIGH_END])
def test_projection_of_years_8_to_12_is_close_to_what_happened(survivors: list[int]) -> None:
    projected = fit_sbg(survivors[:7], 1000).projected_survivors(1000, 12)
    assert projected[0] == 1000
    for year in range(8, 13):
        assert projected[year] == pytest.approx(survivors[year - 1], rel=0.05)


def test_model_identities() -> None:
    model = ShiftedBetaGeometric(alpha=1.0, beta=1.0, log_likelihood=0.0, observed=2)
    # α = β = 1: P(T = t) = 1 / (t (t + 1)), so S(t) = 1 / (t + 1).
    assert model.churn_probabilities(3) == pytest.approx([1 / 2, 1 / 6, 1 / 12])
    assert model.survival(3) == pytest.approx([1, 1 / 2, 1 / 3, 1 / 4])
    # r(t) = (β + t − 1) / (α + β + t − 1) = t / (t + 1), and r(t) = S(t) / S(t − 1).
    assert model.retention_rate(3) == pytest.approx(3 / 4)
    assert model.retention_rate(3) == pytest.approx(model.survival(3)[3] / model.survival(3)[2])


def test_expected_lifetime_value() -> None:
    model = ShiftedBetaGeometric(alpha=1.0, beta=1.0, log_likelihood=0.0, observed=2)
    # 3 periods at 1,200 p: 1200 × (1 + 1/2 + 1/3) = 2200; discounted at 20 %: 1200 × (1 + 1/2/1.2 + 1/3/1.44).
    assert expected_lifetime_value(model, 1200, 3) == pytest.approx(Decimal(2200))
    assert expected_lifetime_value(model, Fraction(1200), 3, Decimal("0.2")) == pytest.approx(
        Decimal(1200) + Decimal(500) + Decimal(1200) / 3 / Decimal("1.44"))
    # Unbounded with discounting: the closed form equals the sum carried far enough.
    fitted = fit_sbg(REGULAR[:7], 1000)
    closed = expected_lifetime_value(fitted, 100, None, Decimal("0.1"))
    assert closed == pytest.approx(expected_lifetime_value(fitted, 100, 2000, Decimal("0.1")), rel=Decimal("1e-9"))
    assert isinstance(closed, Decimal)


@pytest.mark.parametrize(("survivors", "size", "field"), [
    ([600], 1000, "survivors"),              # one period: two parameters are not identified
    ([600, 700], 1000, "survivors"),         # survivors rise
    ([1000, 1000], 1000, "survivors"),       # nobody churned
    ([1200, 900], 1000, "survivors"),        # above the cohort
    ([600, 500], 0, "cohort_size"),
])
def test_fit_rejects_data_it_cannot_fit(survivors: list[int], size: int, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        fit_sbg(survivors, size)
    assert error.value.field == field


def test_lifetime_value_rejects_a_diverging_sum() -> None:
    model = ShiftedBetaGeometric(alpha=1.0, beta=1.0, log_likelihood=0.0, observed=2)
    for periods, rate, field in [(None, 0, "discount_rate"), (0, 0, "periods"), (3, -1, "discount_rate")]:
        with pytest.raises(InvalidInput) as error:
            expected_lifetime_value(model, 100, periods, rate)
        assert error.value.field == field
