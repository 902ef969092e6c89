"""Metrics benchmark: snapshot refresh, overview latency and series over a demo store, against
hand-written DuckDB SQL.

Run: ``.venv/bin/python bench/metrics.py [--database PATH] [--suppliers 26000] [--months 18]``

Builds the demo (``northstar demo``'s generator: ``--suppliers 26000`` with 18 months is the size
with more than 10M events and 100,000 users, see docs/demo.md) into ``--database`` — or reuses it
when it already holds data — then prints:

- the full snapshot rebuild time (every day from the first data to today; with
  ``--rebuild-days N`` only the last N days, to keep a run short), and an incremental refresh after
  one new event today (it recomputes the metrics that read events, on that day);
- ``GET /api/v1/metrics/overview``'s computation (``build_overview``) p50/p95, cold (cache emptied
  before each run; the snapshot is current, as the refresher keeps it in ``northstar serve``) and warm;
- the dashboard's cards: every snapshot metric's value and 30-day daily sparkline, cold;
- daily ``dau`` series of 30 and 90 days (a drill-down), cold: read from the snapshot, and computed
  (``measure_days`` without the snapshot: one range computation);
- DAU, WAU, MAU and MRR on the last ``--days`` days computed by the service (cold cache, snapshot
  not read) and by hand-written DuckDB SQL (the baseline), the two checked equal, with the ratio;
  and the same values answered by the service from the snapshot;
- the process's peak RSS (``ru_maxrss``: building the demo included when it was built here).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

from northstar.app import Northstar
from northstar.config import Settings
from northstar.demo.generator import DemoData
from northstar.domain.time import Window, day_start_utc
from northstar.metrics import snapshot, snapshot_reads
from northstar.metrics.fx import to_reporting_minor
from northstar.metrics.overview import build_overview
from northstar.metrics.results import exact
from northstar.metrics.service import MetricsService, service_for

T = TypeVar("T")
ACTIVE_SQL = """
SELECT count(DISTINCT coalesce(a.user_id, coalesce(e.user_id, e.anonymous_id)))
FROM events e LEFT JOIN user_aliases a ON a.alias_id = coalesce(e.user_id, e.anonymous_id)
WHERE e.timestamp >= ? AND e.timestamp < ? AND e.type IN ('track', 'page', 'screen')
  AND (e.event IS NULL OR e.event NOT IN (SELECT unnest(?::VARCHAR[])))
"""
MRR_SQL = """
WITH latest AS (
  SELECT *, row_number() OVER (PARTITION BY subscription_id
                               ORDER BY effective_at DESC, recorded_at DESC, change_id DESC) AS position
  FROM subscription_history WHERE effective_at < ?)
SELECT currency, interval_months, sum(amount_minor)
FROM latest
WHERE position = 1 AND amount_minor > 0
  AND (status IN ('active', 'past_due') OR (status = 'canceled' AND period_end IS NOT NULL AND period_end >= ?))
GROUP BY currency, interval_months
"""


def build(database: str, suppliers: int, months: int, seed: int, end: date) -> tuple[Northstar, float]:
    """The store at ``database``, filled with the demo unless it holds events; seconds spent loading."""
    northstar = Northstar(Settings(database=database))
    if northstar.store.query("SELECT count(*) FROM events")[0][0]:
        return northstar, 0.0
    started = time.perf_counter()
    data = DemoData(seed, suppliers, months, end)
    for index in range(data.months):
        for batch in data.writes(index):
            northstar.write(batch, source="demo")
        print(f"  loaded month {index + 1}/{data.months}", file=sys.stderr, flush=True)
    return northstar, time.perf_counter() - started


def last_data_day(northstar: Northstar) -> date:
    newest = northstar.store.query("SELECT max(timestamp) FROM events")[0][0]
    return newest.date()


def timed(function: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def baseline(northstar: Northstar, service: MetricsService, days: list[date]) -> dict[tuple[str, date], object]:
    """DAU, WAU, MAU and MRR per day with hand-written SQL on the store's own DuckDB connection."""
    connection = northstar.store.raw_connection()
    zone = service.settings.timezone
    excluded = list(service.settings.non_qualifying_events)
    found: dict[tuple[str, date], object] = {}
    for day in days:
        end = day_start_utc(day + timedelta(days=1), zone)
        for name, length in (("dau", 1), ("wau", 7), ("mau", 30)):
            start = day_start_utc(day - timedelta(days=length - 1), zone)
            found[(name, day)] = connection.execute(ACTIVE_SQL, [start, end, excluded]).fetchone()[0]
        total = Fraction(0)
        for currency, interval, amount in connection.execute(MRR_SQL, [end, end]).fetchall():
            total += to_reporting_minor(Fraction(int(amount), int(interval)), currency, service.settings)
        found[("mrr", day)] = exact(total)
    return found


def through_service(service: MetricsService, days: list[date], stored: bool) -> dict[tuple[str, date], object]:
    """DAU, WAU, MAU and MRR per day through the service: computed for all days at once
    (``measure_days``), or answered per day with snapshot reads when ``stored``."""
    found: dict[tuple[str, date], object] = {}
    for name in ("dau", "wau", "mau", "mrr"):
        spec = service.registry.spec(name)
        if stored:
            for day in days:
                found[(name, day)] = service.measure(spec, day, Window.ending_on(day, 30), {}).value
        else:
            for day, measured in service.measure_days(spec, days, 30, {}, snapshot=False).items():
                found[(name, day)] = measured.value
    return found


def cards(service: MetricsService, last: date) -> None:
    """Every snapshot metric's value on ``last`` and its 30-day daily sparkline (the dashboard)."""
    for name in snapshot.snapshot_metrics(service):
        service.compute(name, last)
        service.series(name, last - timedelta(days=29), last, grain="day", timeframe="30d")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="bench-metrics.duckdb", help="DuckDB file (reused when it has data)")
    parser.add_argument("--suppliers", type=int, default=26_000)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=30, help="days of the DAU/WAU/MAU/MRR comparison")
    parser.add_argument("--rebuild-days", type=int, default=None, help="rebuild only the last N days of the snapshot")
    parser.add_argument("--runs", type=int, default=5, help="overview runs, cold and warm")
    args = parser.parse_args()
    # One process, no concurrent writer: commits are processed as soon as a refresh has run.
    snapshot.COMMIT_MARGIN = timedelta(0)
    snapshot_reads.COMMIT_MARGIN = timedelta(0)

    northstar, load_seconds = build(args.database, args.suppliers, args.months, args.seed, datetime.now(UTC).date())
    service = service_for(northstar)
    last = last_data_day(northstar)
    events = northstar.store.query("SELECT count(*) FROM events")[0][0]
    users = northstar.store.query("SELECT count(*) FROM users")[0][0]
    print(f"store {Path(args.database).resolve()}: {events:,} events, {users:,} users, last day {last}"
          + (f", built in {load_seconds:.0f} s" if load_seconds else " (reused)"))

    if args.rebuild_days:
        days = [last - timedelta(days=offset) for offset in range(args.rebuild_days - 1, -1, -1)]
        rebuild_seconds, report = timed(lambda: snapshot.refresh(service, days=days))
    else:
        rebuild_seconds, report = timed(lambda: snapshot.refresh(service, rebuild=True))
    print(f"snapshot rebuild: {len(report.days)} days x {len(report.metrics)} metrics in {rebuild_seconds:.1f} s "
          f"({rebuild_seconds / max(1, len(report.days)):.2f} s/day)")
    today = service.today()
    northstar.write({"events": [{"message_id": f"bench-incremental-{uuid.uuid4().hex}", "type": "page",
                                 "user_id": "bench",
                                 "timestamp": datetime.combine(today, datetime.min.time()) + timedelta(hours=1),
                                 "received_at": datetime.now(UTC).replace(tzinfo=None)}]}, source="bench")
    if args.rebuild_days:
        # A partial rebuild does not mark earlier data as processed, so an incremental refresh would
        # recompute all history: measure the one day the new event touches instead.
        incremental_seconds, report = timed(lambda: snapshot.refresh(service, days=[today]))
    else:
        incremental_seconds, report = timed(lambda: snapshot.refresh(service))
    print(f"incremental refresh after one event today: {len(report.days)} day(s) x {len(report.metrics)} metrics "
          f"reading events ({report.values} values) in {incremental_seconds:.2f} s")

    cold, warm = [], []
    for _ in range(args.runs):
        service.invalidate()
        cold.append(timed(lambda: build_overview(service, last, "30d"))[0])
        warm.append(timed(lambda: build_overview(service, last, "30d"))[0])
    print("overview 30d p50/p95: cold {:.2f}/{:.2f} s, warm {:.4f}/{:.4f} s".format(*percentiles(cold),
                                                                                   *percentiles(warm)))

    service.invalidate()
    cards_seconds, _ = timed(lambda: cards(service, last))
    print(f"dashboard cards ({len(snapshot.snapshot_metrics(service))} values and 30-day sparklines), cold: "
          f"{cards_seconds:.2f} s")

    dau = service.registry.spec("dau")
    for length in (30, 90):
        service.invalidate()
        stored_seconds, _ = timed(lambda length=length: service.series("dau", last - timedelta(days=length - 1), last))
        service.invalidate()
        computed_seconds, _ = timed(lambda length=length: service.measure_days(
            dau, [last - timedelta(days=offset) for offset in range(length)], 1, {}, snapshot=False))
        print(f"{length}-day daily dau series, cold: {stored_seconds:.2f} s from the snapshot, "
              f"{computed_seconds:.2f} s computed")

    days = [last - timedelta(days=offset) for offset in range(args.days - 1, -1, -1)]
    service.invalidate()
    ours_seconds, ours = timed(lambda: through_service(service, days, stored=False))
    sql_seconds, theirs = timed(lambda: baseline(northstar, service, days))
    service.invalidate()
    stored_seconds, stored = timed(lambda: through_service(service, days, stored=True))
    mismatches = [key for key in ours if not ours[key] == theirs[key] == stored[key]]
    print(f"DAU/WAU/MAU/MRR on {len(days)} days: service computing {ours_seconds:.2f} s, hand-written SQL "
          f"{sql_seconds:.2f} s, ratio {ours_seconds / sql_seconds:.2f}x; service reading the snapshot "
          f"{stored_seconds:.2f} s, ratio {stored_seconds / sql_seconds:.2f}x; values equal: {not mismatches}"
          + (f" (differ: {mismatches[:5]})" if mismatches else ""))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    northstar.close()


if __name__ == "__main__":
    main()
