"""Retention projection with the shifted-beta-geometric (sBG) model (METRICS.md, "Retention and
cohorts"; Fader & Hardie 2007, "How to Project Customer Retention", Journal of Interactive
Marketing 21(1)).

Each customer churns at the end of any period with their own probability θ, and θ varies across a
cohort as Beta(α, β). Then, for periods t = 1, 2, …::

    P(T = 1) = α / (α + β)
    P(T = t) = (β + t − 2) / (α + β + t − 1) × P(T = t − 1)
    S(t) = S(t − 1) − P(T = t),  S(0) = 1

(``T`` is the period at whose end a customer churns, ``S(t)`` the share still a customer after
``t`` periods.) α and β are fitted by maximum likelihood to a cohort's survivors; the fitted model
projects survival beyond the observed periods and the expected lifetime value that follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from scipy.optimize import minimize
from scipy.special import hyp2f1

from northstar.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class ShiftedBetaGeometric:
    """A fitted sBG model: ``alpha`` and ``beta`` (> 0) of the Beta distribution of churn
    probabilities, the ``log_likelihood`` of the fit and the number of ``observed`` periods."""

    alpha: float
    beta: float
    log_likelihood: float
    observed: int

    def churn_probabilities(self, periods: int) -> list[float]:
        """``P(T = t)`` for t = 1 .. ``periods``: the share of the cohort lost at the end of period t."""
        return _churn_probabilities(self.alpha, self.beta, periods).tolist()

    def survival(self, periods: int) -> list[float]:
        """``S(t)`` for t = 0 .. ``periods``: the share of the cohort still customers after t periods."""
        return _survival(self.alpha, self.beta, periods).tolist()

    def retention_rate(self, period: int) -> float:
        """``r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)`` for ``period`` t ≥ 1: the share of
        the customers of period t − 1 still customers in period t (it rises with t: the cohort's
        most loyal customers are the ones left)."""
        return (self.beta + period - 1) / (self.alpha + self.beta + period - 1)

    def projected_survivors(self, cohort_size: int, periods: int) -> list[float]:
        """Expected survivors of a cohort of ``cohort_size`` after t = 0 .. ``periods`` periods."""
        return [cohort_size * share for share in self.survival(periods)]


def _churn_probabilities(alpha: float, beta: float, periods: int) -> np.ndarray:
    t = np.arange(1, periods + 1, dtype=float)
    factors = np.ones(periods)
    factors[1:] = (beta + t[1:] - 2) / (alpha + beta + t[1:] - 1)
    return alpha / (alpha + beta) * np.cumprod(factors)


def _survival(alpha: float, beta: float, periods: int) -> np.ndarray:
    return np.concatenate(([1.0], 1.0 - np.cumsum(_churn_probabilities(alpha, beta, periods))))


def _negative_log_likelihood(log_params: np.ndarray, lost: np.ndarray, remaining: int) -> float:
    alpha, beta = np.exp(log_params)
    churn = _churn_probabilities(alpha, beta, len(lost))
    survival = 1.0 - churn.sum()
    if np.any(churn <= 0) or survival <= 0:
        return float("inf")
    return -float(lost @ np.log(churn) + remaining * np.log(survival))


def fit_sbg(survivors: Sequence[int], cohort_size: int) -> ShiftedBetaGeometric:
    """Fit α and β by maximum likelihood to a cohort's survivors.

    ``cohort_size`` customers started at t = 0; ``survivors[t − 1]`` of them were still customers
    after period t, for t = 1 .. n (n ≥ 2; a contractual count that never rises, such as a cohort's
    paying customers). The likelihood is ``Π P(T = t)^(lost in t) × S(n)^(survivors after n)``;
    it is maximised over log α and log β with L-BFGS-B from α = β = 1.

    Raises :class:`InvalidInput` naming ``survivors`` when there are fewer than 2 periods, a count
    is negative, above ``cohort_size`` or above the one before it, or nobody churned (the model is
    then not identified), and naming ``cohort_size`` when it is not positive.
    """
    if cohort_size <= 0:
        raise InvalidInput("cohort_size", "must be positive")
    counts = [int(count) for count in survivors]
    if len(counts) < 2:
        raise InvalidInput("survivors", "at least 2 observed periods are needed to fit 2 parameters")
    previous = [cohort_size, *counts[:-1]]
    if any(count < 0 or count > before for count, before in zip(counts, previous, strict=True)):
        raise InvalidInput("survivors", "survivors must be between 0 and the previous period's count")
    if counts[-1] == cohort_size:
        raise InvalidInput("survivors", "nobody churned: the model cannot be fitted")
    lost = np.array([before - count for count, before in zip(counts, previous, strict=True)], dtype=float)
    result = minimize(
        _negative_log_likelihood, x0=np.zeros(2), args=(lost, counts[-1]), method="L-BFGS-B",
        bounds=[(-10.0, 10.0), (-10.0, 10.0)], options={"ftol": 1e-14, "gtol": 1e-10},
    )
    alpha, beta = np.exp(result.x)
    return ShiftedBetaGeometric(float(alpha), float(beta), -float(result.fun), len(counts))


def expected_lifetime_value(
    model: ShiftedBetaGeometric, value_per_period: int | Decimal | Fraction, periods: int | None = None,
    discount_rate: Decimal | int = 0,
) -> Decimal:
    """The expected value of a new customer: ``value_per_period × Σ S(t) / (1 + d)^t`` over
    t = 0 .. ``periods`` − 1 (a customer pays at the start of each period they are still a customer
    in, the first one included), in the unit of ``value_per_period`` (minor units of a currency:
    the result is exact arithmetic on the model's survival shares, unrounded).

    With ``periods=None`` the sum runs forever, which converges only when discounting: it is then
    the closed form ``2F1(1, β; α + β; 1 / (1 + d))`` of Fader & Hardie (2010, "Customer-Base
    Valuation in a Contractual Setting"). Raises :class:`InvalidInput` naming ``periods`` when it
    is below 1, or ``discount_rate`` when it is negative or 0 with no horizon.
    """
    rate = Decimal(discount_rate)
    if rate < 0:
        raise InvalidInput("discount_rate", "must not be negative")
    value = Decimal(value_per_period.numerator) / Decimal(value_per_period.denominator) if isinstance(
        value_per_period, Fraction) else Decimal(value_per_period)
    if periods is None:
        if rate == 0:
            raise InvalidInput("discount_rate", "an unbounded horizon needs a positive discount rate")
        factor = hyp2f1(1.0, model.beta, model.alpha + model.beta, float(1 / (1 + rate)))
        return value * Decimal(repr(float(factor)))
    if periods < 1:
        raise InvalidInput("periods", "must be at least 1")
    shares = model.survival(periods - 1)
    return value * sum(
        (Decimal(repr(share)) / (1 + rate) ** period for period, share in enumerate(shares)), Decimal(0)
    )
