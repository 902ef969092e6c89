"""Backend parity (DESIGN.md, practice 3): the demo dataset loaded into DuckDB and into PostgreSQL
gives identical values — value and reason — for every catalog metric, on a few days and
timeframes, and identical series and snapshot rows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.demo.generator import DemoData
from northstar.domain.time import Window, parse_timeframe
from northstar.metrics import snapshot
from northstar.metrics.results import Measurement
from northstar.metrics.service import MetricsService, service_for

END = date(2026, 3, 1)           # the demo's data ends at midnight starting this day
DAYS = (date(2026, 1, 20), date(2026, 2, 28))
TIMEFRAMES = ("7d", "30d")

pytestmark = pytest.mark.postgres

@pytest.fixture(scope="module")
def demo() -> DemoData:
    return DemoData(seed=11, suppliers=25, months=3, end=END)


def _loaded(database: str, demo: DemoData) -> Northstar:
    northstar = Northstar(Settings(database=database))
    for index in range(demo.months):
        for batch in demo.writes(index):
            northstar.write(batch, source="demo")
    return northstar


def _measurements(service: MetricsService) -> dict[tuple[str, date, str], Measurement]:
    found = {}
    for entry in service.registry:
        spec = entry.spec
        for day in DAYS:
            for timeframe in TIMEFRAMES if spec.grain == "timeframe" else TIMEFRAMES[-1:]:
                window = Window.ending_on(day, parse_timeframe(timeframe))
                found[(spec.name, day, timeframe)] = service.measure(spec, day, window, {})
    return found


def test_every_metric_is_identical_on_duckdb_and_postgres(demo: DemoData, tmp_path: Path, postgres_url: str) -> None:
    duck = _loaded(str(tmp_path / "parity.duckdb"), demo)
    pg = _loaded(postgres_url, demo)
    try:
        on_duck, on_pg = service_for(duck), service_for(pg)
        left, right = _measurements(on_duck), _measurements(on_pg)
        assert left.keys() == right.keys()
        different = {key: (left[key], right[key]) for key in left if left[key] != right[key]}
        assert not different
        # The demo exercises the metrics: most have values, not reasons.
        defined = sum(1 for measured in left.values() if measured.value is not None)
        assert defined > len(left) * 0.6
        assert left[("mrr", DAYS[1], "30d")].value > 0
        series = [(line.key, [(point.value, point.reason) for point in line.points])
                  for service in (on_duck, on_pg)
                  for line in service.series("dau", DAYS[0], DAYS[1], grain="week", breakdown="user_type").lines]
        assert series[: len(series) // 2] == series[len(series) // 2:]
        days = [DAYS[1] - timedelta(days=1), DAYS[1]]
        rows = []
        for service in (on_duck, on_pg):
            snapshot.refresh(service, days=days)
            rows.append(service.store.query("SELECT day, metric, value_text, reason FROM metric_snapshots "
                                            "ORDER BY day, metric"))
        assert len(rows[0]) == len(rows[1]) == 2 * len(snapshot.snapshot_metrics(on_duck))
        assert rows[0] == rows[1]
    finally:
        duck.close()
        pg.close()
