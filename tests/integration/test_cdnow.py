"""Real data: the CDNOW transaction log imported through the generic importer as purchase events
(tests/data/SOURCES.md), checked against a plain pandas computation from the same file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from northstar.app import Northstar
from northstar.ingest.importers import FileOptions, ImportReport, import_path

CDNOW = Path(__file__).resolve().parents[1] / "data" / "CDNOW_master.txt"
MAPPING = [
    "userId=customer_id", "timestamp=date", "properties.revenue=dollar_value", "properties.quantity=number_of_cds",
]


def _import(northstar: Northstar) -> ImportReport:
    return import_path(
        northstar, "events", CDNOW, mapping=MAPPING, event="Order Completed",
        options=FileOptions(delimiter="whitespace"), currency="USD",
    )


def _monthly_revenue_from_the_file() -> dict[str, int]:
    """Cents per ``YYYY-MM``, computed with pandas from the text of the file (exact: Decimal, not float)."""
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype=str)
    frame["cents"] = frame["dollar_value"].map(lambda text: int(Decimal(text) * 100))
    frame["month"] = frame["date"].str[:4] + "-" + frame["date"].str[4:6]
    return {month: int(cents) for month, cents in frame.groupby("month")["cents"].sum().items()}


def test_cdnow_imports_as_purchase_events(northstar: Northstar) -> None:
    report = _import(northstar)
    assert (report.rows_read, report.new, report.rejected) == (69_659, 69_659, 0)
    assert northstar.store.query(
        "SELECT count(*), count(DISTINCT user_id), min(timestamp), max(timestamp) FROM events "
        "WHERE event = 'Order Completed' AND currency = 'USD'"
    )[0][:2] == (69_659, 23_570)
    stored = {
        f"{int(year):04d}-{int(month):02d}": int(cents)
        for year, month, cents in northstar.store.query(
            "SELECT EXTRACT(YEAR FROM timestamp), EXTRACT(MONTH FROM timestamp), sum(revenue_minor) "
            "FROM events GROUP BY 1, 2"
        )
    }
    expected = _monthly_revenue_from_the_file()
    assert len(expected) == 18
    assert stored == expected
    again = _import(northstar)
    assert (again.new, again.already_present) == (0, 69_659)
    assert northstar.store.query("SELECT count(*) FROM events") == [(69_659,)]
