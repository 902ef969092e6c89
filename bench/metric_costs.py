"""Cost of each snapshot metric's computation: where a refresh spends its time.

Run: ``.venv/bin/python bench/metric_costs.py --database /work/bench-data/demo26k.duckdb --days 184``

Opens an existing store (build one with ``bench/metrics.py``), then computes every snapshot metric
on the last ``--days`` days of data over 30-day windows, as a refresh chunk does
(``MetricsService.measure_days`` without the snapshot, metrics in snapshot order, so a query
shared by several metrics is paid by the first), and prints the seconds of each, the total, and
the costliest metrics. ``--days 1`` is the incremental refresh's case.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from northstar.app import Northstar
from northstar.config import Settings
from northstar.metrics import snapshot
from northstar.metrics.service import service_for
from northstar.metrics.snapshot_reads import SNAPSHOT_DAYS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="/work/bench-data/demo26k.duckdb")
    parser.add_argument("--days", type=int, default=184, help="days computed at once (a refresh chunk)")
    parser.add_argument("--top", type=int, default=12, help="costliest metrics listed")
    args = parser.parse_args()
    northstar = Northstar(Settings(database=args.database))
    service = service_for(northstar)
    last = northstar.store.query("SELECT max(timestamp) FROM events")[0][0].date()
    days = [last - timedelta(days=offset) for offset in range(args.days - 1, -1, -1)]
    costs: list[tuple[float, str]] = []
    for name in snapshot.snapshot_metrics(service):
        started = time.perf_counter()
        service.measure_days(service.registry.spec(name), days, SNAPSHOT_DAYS, {}, snapshot=False)
        costs.append((time.perf_counter() - started, name))
    print(f"{len(costs)} snapshot metrics on {args.days} days ending {last}: {sum(c for c, _ in costs):.1f} s")
    for seconds, name in sorted(costs, reverse=True)[:args.top]:
        print(f"  {seconds:7.2f} s  {name}")
    northstar.close()


if __name__ == "__main__":
    main()
