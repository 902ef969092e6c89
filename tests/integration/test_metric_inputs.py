"""Every metric reads only the tables its spec declares (``requires``, ``reads``, and users and
aliases): the incremental snapshot refresh and the snapshot's validity skip a metric when none of
those changed, so an undeclared read would leave stale values in place (DESIGN.md, "Computing
metrics"). Checked by recording the tables each computation asks for, on generated demo data that
fills every table."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from northstar.app import Northstar
from northstar.config import Settings
from northstar.demo.generator import DemoData
from northstar.domain.time import Window
from northstar.metrics.ranges import _rows
from northstar.metrics.service import MetricsService
from northstar.metrics.snapshot_reads import metric_inputs

END = date(2026, 6, 1)


class RecordingTables(dict[str, object]):
    """A context's table-expression cache that remembers every table name looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def __contains__(self, name: object) -> bool:
        self.seen.add(str(name))
        return super().__contains__(name)


def test_every_metric_reads_only_its_declared_tables(tmp_path: Path) -> None:
    northstar = Northstar(Settings(database=str(tmp_path / "demo.duckdb")))
    data = DemoData(seed=7, suppliers=25, months=2, end=END)
    for month in range(data.months):
        for batch in data.writes(month):
            northstar.write(batch, source="demo")
    registry = MetricsService(northstar.store, northstar.settings).registry
    reader = northstar.store.reader()
    filled = {name for name in ("events", "subscription_history", "invitations", "collaborations", "support_tickets",
                                "survey_responses", "performance_samples", "marketing_spend")
              if _rows(reader.table(name).count().as_table())[0][0]}
    assert len(filled) == 8                      # the demo fills every dated table
    undeclared = {}
    for entry in registry:
        service = MetricsService(northstar.store, northstar.settings, registry=registry)
        recording = RecordingTables()
        service._local.backend, service._local.tables = reader, recording
        for day in (END - timedelta(days=1), END - timedelta(days=20)):
            service.measure(entry.spec, day, Window.ending_on(day, 30), {}, snapshot=False)
            if entry.compute_days is not None:
                service.measure_days(entry.spec, [day - timedelta(days=2), day], 30, {}, snapshot=False)
        extra = recording.seen - metric_inputs(entry.spec)
        if extra:
            undeclared[entry.spec.name] = sorted(extra)
    northstar.close()
    assert undeclared == {}
