"""Real data: the monthly cohort table of the CDNOW customers (tests/data/SOURCES.md; everyone first
bought in Q1 1997, the log runs to June 1998), imported through the generic importer, against a
plain pandas computation from the file. DuckDB only (69,659 purchases)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.ingest.importers import FileOptions, import_path
from northstar.metrics.cohorts import cohort_table_for
from northstar.metrics.service import MetricsService

CDNOW = Path(__file__).resolve().parents[1] / "data" / "CDNOW_master.txt"
D = date(1998, 6, 30)


def _purchases() -> pd.DataFrame:
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype=str)
    frame["month"] = frame["date"].str[:4].astype(int) * 12 + frame["date"].str[4:6].astype(int) - 1
    return frame


def _cohorts_with_pandas(frame: pd.DataFrame) -> dict[date, tuple[int, list[int]]]:
    """Per first-purchase month: customers, and distinct customers buying in month k = 0 .. June 1998."""
    frame = frame.assign(cohort=frame.groupby("customer_id")["month"].transform("min"))
    frame = frame.assign(k=frame["month"] - frame["cohort"])
    buyers = frame.groupby(["cohort", "k"])["customer_id"].nunique()
    sizes = frame.groupby("cohort")["customer_id"].nunique()
    last = 1998 * 12 + 5
    return {
        date(cohort // 12, cohort % 12 + 1, 1): (int(size), [int(buyers.get((cohort, k), 0))
                                                            for k in range(last - cohort + 1)])
        for cohort, size in sizes.items()
    }


@pytest.fixture
def cdnow(make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    northstar = Northstar(make_settings())
    import_path(northstar, "events", CDNOW, mapping=["userId=customer_id", "timestamp=date"],
                event="Order Completed", options=FileOptions(delimiter="whitespace"))
    first = _purchases().groupby("customer_id")["date"].min()
    northstar.write({"users": [
        {"user_id": customer, "user_type": "customer", "created_at": datetime.strptime(day, "%Y%m%d")}
        for customer, day in first.items()
    ]}, source="test")
    yield northstar
    northstar.close()


def test_monthly_cohorts_match_pandas(cdnow: Northstar) -> None:
    expected = _cohorts_with_pandas(_purchases())
    rows = cohort_table_for(MetricsService(cdnow.store, cdnow.settings), D)
    assert [row.cohort_start for row in rows] == [date(1997, 1, 1), date(1997, 2, 1), date(1997, 3, 1)]
    assert sum(row.cohort_size for row in rows) == 23_570
    for row in rows:
        size, retained = expected[row.cohort_start]
        assert (row.user_type, row.cohort_size, list(row.retained)) == ("customer", size, retained)
        assert row.retained[0] == row.cohort_size  # every customer bought in their first month
        assert len(row.retained) == 18 - (row.cohort_start.month - 1)  # months k = 0 .. June 1998
        assert row.revenue == (0,) * len(row.retained)  # no subscriptions
