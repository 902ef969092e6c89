"""Conversion of exact minor units to the reporting currency (METRICS.md, "Money")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from northstar.config import Settings
from northstar.domain.money import currency_exponent


class MissingRate(LookupError):
    """``settings.fx_rates`` has no rate for ``currency``."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        super().__init__(f"no exchange rate for {currency} in settings.fx_rates")


def to_reporting_minor(minor: Fraction | Decimal | int, currency: str, settings: Settings) -> Fraction:
    """``minor`` units of ``currency`` as exact (unrounded, rational) minor units of the reporting
    currency.

    ``settings.fx_rates[currency]`` is units of the reporting currency per unit of ``currency``;
    the minor-unit exponents of both currencies are honoured (JPY has none, GBP two). Raises
    :class:`MissingRate` when there is no rate.
    """
    source, target = currency.upper(), settings.reporting_currency
    if source == target:
        return Fraction(minor)
    rate = settings.fx_rates.get(source)
    if rate is None:
        raise MissingRate(source)
    shift = currency_exponent(target) - currency_exponent(source)
    return Fraction(minor) * Fraction(rate) * Fraction(10) ** shift
