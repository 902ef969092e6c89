"""Pure domain types: money, windows, timeframes, reporting days."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from northstar.domain.errors import InvalidInput
from northstar.domain.money import Money, to_minor_units
from northstar.domain.time import (
    Window,
    add_months,
    day_start_utc,
    last_complete_month,
    parse_timeframe,
    reporting_day,
)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.50", "GBP", 1250), (12.1, "GBP", 1210), (Decimal("0.005"), "GBP", 0), (Decimal("0.015"), "GBP", 2),
     (1999, "JPY", 1999), ("1.2345", "KWD", 1234), (-3.5, "USD", -350)],
)
def test_to_minor_units_is_exact_and_rounds_half_even(amount: object, currency: str, minor: int) -> None:
    assert to_minor_units(amount, currency) == minor


@pytest.mark.parametrize("bad", ["abc", None, True, "nan", float("inf")])
def test_to_minor_units_names_the_field(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        to_minor_units(bad, "GBP", field="properties.revenue")
    assert caught.value.field == "properties.revenue"


def test_money_rounds_once_and_displays() -> None:
    # An annual £490 plan is 49000/12 = 4083.333… pence a month: exact until presented.
    monthly = Money(Decimal(49000) / 12, "GBP")
    assert monthly.rounded() == 4083
    assert monthly.display() == "£40.83"
    assert Money(-123456, "USD").display() == "-$1,234.56"
    assert Money(5000, "CHF").as_json() == {"minor": 5000, "currency": "CHF", "display": "50.00 CHF"}


@pytest.mark.parametrize(("text", "days"), [("7d", 7), ("30d", 30), ("90d", 90), ("1y", 365), ("2w", 14)])
def test_parse_timeframe(text: str, days: int) -> None:
    assert parse_timeframe(text) == days


@pytest.mark.parametrize("text", ["", "0d", "7", "week", "-7d"])
def test_parse_timeframe_rejects(text: str) -> None:
    with pytest.raises(InvalidInput, match="timeframe"):
        parse_timeframe(text)


def test_window_ending_on_is_half_open_and_inclusive_of_the_day() -> None:
    window = Window.ending_on(date(2026, 3, 31), 7)
    assert (window.start, window.end, window.days) == (date(2026, 3, 25), date(2026, 4, 1), 7)
    assert window.previous() == Window(date(2026, 3, 18), date(2026, 3, 25))


def test_window_refuses_an_empty_range() -> None:
    with pytest.raises(InvalidInput, match="end"):
        Window(date(2026, 1, 2), date(2026, 1, 2))


def test_reporting_days_follow_the_zone_across_dst() -> None:
    london = ZoneInfo("Europe/London")
    # 29 March 2026: clocks go forward at 01:00 UTC; the day starts at 00:00 GMT = 00:00 UTC.
    assert day_start_utc(date(2026, 3, 29), london) == datetime(2026, 3, 29, 0, 0)
    assert day_start_utc(date(2026, 3, 30), london) == datetime(2026, 3, 29, 23, 0)
    assert reporting_day(datetime(2026, 7, 1, 23, 30), london) == date(2026, 7, 2)
    window = Window(date(2026, 3, 29), date(2026, 3, 30))
    assert window.utc_bounds(london) == (datetime(2026, 3, 29, 0, 0), datetime(2026, 3, 29, 23, 0))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
     (date(2026, 3, 15), -3, date(2025, 12, 15)), (date(2026, 12, 1), 1, date(2027, 1, 1))],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(-240, 240))
def test_add_months_round_trip_lands_in_the_right_month(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day


@pytest.mark.parametrize(("day", "month"), [
    (date(2026, 3, 31), date(2026, 3, 1)),    # the month's last day completes it
    (date(2026, 3, 30), date(2026, 2, 1)),
    (date(2026, 3, 1), date(2026, 2, 1)),
    (date(2026, 1, 15), date(2025, 12, 1)),   # across a year
    (date(2024, 2, 29), date(2024, 2, 1)),    # leap day
])
def test_last_complete_month(day: date, month: date) -> None:
    assert last_complete_month(day) == month
