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


def test_cdnow_numbers_appear_in_the_overview(make_settings) -> None:
    """Active customers and revenue by month of the CDNOW log, through the real server, equal pandas."""
    from tests.conftest import LiveServer

    northstar = Northstar(make_settings(reporting_currency="USD"))
    _import(northstar)
    server = LiveServer(northstar).start()
    try:
        import httpx

        body = httpx.get(f"{server.url}/api/v1/metrics/overview",
                         params={"date": "1998-06-30", "timeframe": "30d"}, timeout=60).json()
        page = httpx.get(f"{server.url}/", params={"date": "1998-06-30", "timeframe": "30d"}, timeout=60).text
    finally:
        server.stop()
        northstar.close()
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype=str)
    june = frame[frame["date"].str.startswith("199806")]
    # 30 days ending 1998-06-30 is exactly June 1998.
    assert body["active_customers"] == june["customer_id"].nunique()
    assert body["revenue"]["minor"] == sum(int(Decimal(text) * 100) for text in june["dollar_value"])
    monthly = _monthly_revenue_from_the_file()
    shown = {entry["month"][:7]: entry["revenue"]["minor"] for entry in body["revenue_by_month"]}
    # The last 12 calendar months ending with June 1998: July 1997 … June 1998.
    assert list(shown) == [f"1997-{m:02d}" for m in range(7, 13)] + [f"1998-{m:02d}" for m in range(1, 7)]
    assert shown == {month: monthly[month] for month in shown}
    assert body["current_mrr"] is None
    assert body["metrics"]["current_mrr"]["reason"].startswith("no_data: import subscriptions")
    assert "Revenue by month" in page
    assert f"${monthly['1998-06'] / 100:,.2f}" in page
