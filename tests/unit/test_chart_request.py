"""The dashboard's view parameters (reports/charts.py): defaults, custom ranges, errors naming the
parameter, and the sparkline geometry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from northstar.domain.errors import InvalidInput
from northstar.reports.charts import chart_request_from_query, sparkline

DAY = date(2026, 3, 15)


def test_defaults_are_the_30_days_ending_on_the_default_day() -> None:
    request = chart_request_from_query({}, DAY)
    assert (request.day, request.start, request.end, request.grain, request.timeframe) == (
        DAY, date(2026, 2, 14), DAY, "day", "30d")
    assert (request.mark, request.compare, request.filters, request.metric) == ("line", False, {}, None)


def test_timeframes_choose_the_grain_and_a_custom_range_wins() -> None:
    year = chart_request_from_query({"timeframe": "1y", "date": "2026-03-15"}, date(2000, 1, 1))
    assert (year.start, year.grain) == (date(2025, 3, 16), "month")
    assert chart_request_from_query({"timeframe": "90d"}, DAY).grain == "week"
    custom = chart_request_from_query({"start": "2026-01-01", "end": "2026-01-10", "timeframe": "7d",
                                       "user_type": "couple", "plan": " ", "compare": "1", "other": "x"}, DAY)
    assert (custom.day, custom.timeframe, custom.days, custom.filters, custom.compare) == (
        date(2026, 1, 10), "10d", 10, {"user_type": "couple"}, True)
    assert custom.query(mark=None)["start"] == "2026-01-01" and "mark" not in custom.query(mark=None)


@pytest.mark.parametrize(("params", "field"), [
    ({"timeframe": "2d"}, "timeframe"), ({"date": "15/03/2026"}, "date"), ({"start": "2026-13-01"}, "start"),
    ({"start": "2026-03-10", "end": "2026-03-01"}, "end"), ({"grain": "year"}, "grain"), ({"mark": "pie"}, "mark"),
    ({"compare": "maybe"}, "compare"),
])
def test_bad_parameters_are_named(params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        chart_request_from_query(params, DAY)
    assert error.value.field == field


def test_sparkline_scales_the_defined_values_into_its_box() -> None:
    line = sparkline([Decimal(1), None, Decimal(3), 2], "x", width=10, height=6)
    # x: 2 + 6 × index / 3; y: 6 − 2 − 2 × (value − 1) / 2
    assert line is not None and line.points == "2.0,4.0 6.0,2.0 8.0,3.0" and line.last == (8.0, 3.0)
    assert sparkline([None, 5], "x") is None
