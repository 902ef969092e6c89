"""Measurements, exact ratios, presentation formats, zones and FX (METRICS.md, "Money", "Rates")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from northstar.config import Settings, TargetSetting
from northstar.metrics.fx import MissingRate, to_reporting_minor
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import Measurement, format_value, ratio, zone_of


def _spec(unit: str, duration_unit: str | None = None) -> MetricSpec:
    return MetricSpec(name="m", label="M", description="M.", unit=unit, duration_unit=duration_unit,
                      direction="higher", family="users", kind="simple", grain="day", definition="M.",
                      source="METRICS.md § Users")


def test_a_measurement_has_a_value_or_a_reason() -> None:
    with pytest.raises(ValueError):
        Measurement(None)
    with pytest.raises(ValueError):
        Measurement(1, "both")


def test_ratio_is_exact_and_undefined_on_an_empty_denominator() -> None:
    assert ratio(1, 3, "none").value == Decimal(1) / Decimal(3)
    assert ratio(Fraction(49000, 12), 1, "none").value == Decimal(49000) / Decimal(12)
    assert ratio(0, 5, "none").value == 0
    empty = ratio(0, 0, "no active users")
    assert (empty.value, empty.reason) == (None, "undefined: no active users")


def test_formats() -> None:
    assert format_value(_spec("money"), Decimal(260200) / Decimal(12), "GBP") == "£216.83"   # 21683.33 p
    assert format_value(_spec("money"), Decimal("0.5"), "GBP") == "£0.00"                    # half-even
    assert format_value(_spec("money"), Decimal("1.5"), "GBP") == "£0.02"
    assert format_value(_spec("rate"), Decimal("0.1234"), "GBP") == "12.3%"
    assert format_value(_spec("count"), 12345, "GBP") == "12,345"
    assert format_value(_spec("duration", "minutes"), Decimal(110) / 6, "GBP") == "18.3 min"
    assert format_value(_spec("duration", "ms"), Decimal("1900.4"), "GBP") == "1,900 ms"
    assert format_value(_spec("ratio"), Decimal("1.25"), "GBP") == "1.25"
    assert format_value(_spec("rate"), None, "GBP") is None


def test_zones_for_higher_and_lower_is_better() -> None:
    k_factor = TargetSetting(value=Decimal("1.5"), green=Decimal("1.5"), yellow=Decimal("1.0"))
    assert [zone_of(Decimal(v), k_factor, "higher") for v in ("1.6", "1.5", "1.2", "0.9")] == [
        "green", "green", "yellow", "red"]
    load = TargetSetting(value=Decimal(2000), yellow=Decimal(3000))   # green defaults to the target value
    assert [zone_of(v, load, "lower") for v in (1500, 2000, 2500, 3500)] == ["green", "green", "yellow", "red"]
    assert zone_of(None, load, "lower") is None
    assert zone_of(1, None, "higher") is None


def test_fx_to_the_reporting_currency_is_exact() -> None:
    settings = Settings(database=":memory:", fx_rates={"USD": Decimal("0.79"), "JPY": Decimal("0.0052")})
    assert to_reporting_minor(10000, "USD", settings) == 7900           # $100.00 × 0.79 = £79.00
    assert to_reporting_minor(Fraction(1, 3), "usd", settings) == Fraction(79, 300)
    assert to_reporting_minor(5000, "JPY", settings) == 2600            # ¥5,000 × 0.0052 = £26.00
    assert to_reporting_minor(123, "GBP", settings) == 123
    with pytest.raises(MissingRate, match="EUR"):
        to_reporting_minor(1, "EUR", settings)
