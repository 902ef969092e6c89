"""Money: integer minor units with an ISO 4217 currency, never a float (METRICS.md, "Money")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from northstar.domain.errors import InvalidInput

# ISO 4217 exponents that differ from 2; every other currency has two decimal places.
_EXPONENTS: dict[str, int] = {
    "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XAF": 0, "XOF": 0, "HUF": 2,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}
_SYMBOLS: dict[str, str] = {"GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥"}


def currency_exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit (GBP 2, JPY 0, KWD 3)."""
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor_units(amount: object, currency: str, field: str = "amount") -> int:
    """A major-unit amount (``"12.50"``, ``12.5``, ``Decimal``) as integer minor units (1250).

    Floats are read through their shortest repr, so ``12.1`` is 1210, not 1209. Rounds half-even
    to the currency's exponent. Raises :class:`InvalidInput` naming ``field`` when it is not a number.
    """
    if isinstance(amount, bool) or amount is None:
        raise InvalidInput(field, "must be a number")
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise InvalidInput(field, f"{amount!r} is not a number") from exc
    if not value.is_finite():
        raise InvalidInput(field, "must be a finite number")
    scaled = value.scaleb(currency_exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return int(scaled)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` may be a Decimal while a computation is in flight (MRR of a
    yearly plan is amount/12); :meth:`rounded` gives integer minor units for presentation."""

    minor: Decimal | int
    currency: str

    def rounded(self) -> int:
        """Integer minor units, rounded half-even once, at the end."""
        return int(Decimal(self.minor).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

    def display(self) -> str:
        """``£1,234.50``: the presentation layer's only formatting of money."""
        exponent = currency_exponent(self.currency)
        major = Decimal(self.rounded()).scaleb(-exponent)
        symbol = _SYMBOLS.get(self.currency.upper())
        text = f"{abs(major):,.{exponent}f}"
        sign = "-" if major < 0 else ""
        return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {self.currency.upper()}"

    def as_json(self) -> dict[str, object]:
        """``{"minor": int, "currency": str, "display": str}``: exact money for the API."""
        return {"minor": self.rounded(), "currency": self.currency.upper(), "display": self.display()}
