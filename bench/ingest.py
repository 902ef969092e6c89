"""Ingestion benchmark: bulk import of Segment-shaped events, against DuckDB's raw insert.

Run: ``.venv/bin/python bench/ingest.py [--events 1000000] [--keep DIR]``

Generates N deterministic events (numpy, seed 42) and writes them as JSONL and Parquet to a temp
directory, then measures, each step in a fresh subprocess of a small parent (so each peak RSS,
``ru_maxrss``, is the step's own):

- ``import_path`` of the JSONL file into a fresh DuckDB store (events/s; goal 200,000/s);
- ``import_path`` of the Parquet file into a fresh DuckDB store (events/s; goal 1,000,000/s);
- the baseline: ``INSERT INTO events SELECT … FROM read_parquet(…)`` of the same rows into an
  empty ``events`` table with the same schema (primary key included), no validation;

- HTTP ingestion (``/v1/batch`` into a fresh DuckDB store) by ``bench/http_load.py``'s
  ``measure_http``, when that script is present;

and prints one table with events/s, the goal, the ratio to the raw insert, the step's CPU time (user +
system, all threads; on a shared machine it shows the work done when wall time is inflated by other
load) and its peak RSS.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
GOALS = {"jsonl": 200_000, "parquet": 1_000_000}
EVENT_NAMES = np.array(["Page Viewed", "Form Created", "Invitation Sent", "Order Completed", "Journey Created"])
DEVICES = np.array(["mobile", "desktop", "tablet", "ios", "android"])


def generate(count: int, seed: int = 42) -> pa.Table:
    """``count`` Segment-shaped track/identify/page messages as an Arrow table (JSON objects as text)."""
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1)
    offsets = np.sort(rng.integers(0, 365 * 86_400 * 1_000, count))
    stamps = (np.datetime64(start, "ms") + offsets.astype("timedelta64[ms]")).astype("datetime64[ms]")
    sent = stamps + rng.integers(0, 5_000, count).astype("timedelta64[ms]")
    kinds = rng.choice(np.array(["track", "identify", "page"]), count, p=[0.85, 0.05, 0.10])
    users = rng.integers(0, 50_000, count)
    names = EVENT_NAMES[rng.integers(0, len(EVENT_NAMES), count)]
    devices = DEVICES[rng.integers(0, len(DEVICES), count)]
    revenue = rng.integers(100, 50_000, count)
    sessions = users * 1_000 + offsets // (1_800 * 1_000)
    stamp_text = np.datetime_as_string(stamps, unit="ms")
    sent_text = np.datetime_as_string(sent, unit="ms")
    contexts, properties, events = [], [], []
    for index in range(count):
        contexts.append(orjson.dumps({
            "device": {"type": str(devices[index])}, "library": {"name": "analytics.js", "version": "5.2.0"},
            "ip": "203.0.113.7", "locale": "en-GB",
        }).decode())
        kind = kinds[index]
        if kind == "track":
            event = str(names[index])
            props: dict[str, object] = {"session_id": f"s{sessions[index]}"}
            if event == "Order Completed":
                props["revenue"] = f"{revenue[index] // 100}.{revenue[index] % 100:02d}"
                props["currency"] = "GBP"
            events.append(event)
        else:
            props = {"path": "/dashboard"} if kind == "page" else {}
            events.append(None)
        properties.append(orjson.dumps(props).decode())
    return pa.table({
        "messageId": [f"m{index:09d}" for index in range(count)],
        "type": kinds.tolist(),
        "event": events,
        "userId": [f"u{user}" for user in users],
        "anonymousId": [f"a{user}" for user in users],
        "timestamp": [f"{text}Z" for text in stamp_text],
        "sentAt": [f"{text}Z" for text in sent_text],
        "context": contexts,
        "properties": properties,
    })


def write_files(table: pa.Table, directory: Path) -> tuple[Path, Path]:
    """The events as ``events.jsonl`` (one Segment message per line) and ``events.parquet``."""
    jsonl, parquet = directory / "events.jsonl", directory / "events.parquet"
    pq.write_table(table, parquet, row_group_size=122_880)
    with jsonl.open("wb") as out:
        for row in table.to_pylist():
            message = {key: value for key, value in row.items() if value is not None}
            message["context"] = orjson.loads(message["context"])
            message["properties"] = orjson.loads(message["properties"])
            out.write(orjson.dumps(message) + b"\n")
    return jsonl, parquet


def measure_import(path: Path, database: Path) -> dict[str, object]:
    """``import_path`` of ``path`` as events into a fresh DuckDB store at ``database``."""
    from northstar.app import Northstar
    from northstar.config import Settings
    from northstar.ingest.importers import import_path

    northstar = Northstar(Settings(database=str(database)))
    started = time.perf_counter()
    report = import_path(northstar, "events", path)
    seconds = time.perf_counter() - started
    stored = northstar.store.query("SELECT count(*) FROM events")[0][0]
    northstar.close()
    return {"rows": stored, "rejected": report.rejected, "seconds": seconds}


def measure_raw(path: Path, database: Path) -> dict[str, object]:
    """The baseline: DuckDB's own ``INSERT … SELECT … FROM read_parquet`` into an empty events table."""
    import duckdb

    from northstar.store.ddl import create_table
    from northstar.store.schema import EVENTS

    con = duckdb.connect(str(database))
    for statement in create_table(EVENTS, "duckdb"):
        con.execute(statement)
    started = time.perf_counter()
    con.execute(
        "INSERT INTO events (message_id, type, event, user_id, anonymous_id, timestamp, sent_at, received_at, "
        "context, properties) SELECT messageId, type, event, userId, anonymousId, "
        "CAST(CAST(timestamp AS TIMESTAMPTZ) AS TIMESTAMP), CAST(CAST(sentAt AS TIMESTAMPTZ) AS TIMESTAMP), "
        f"now()::TIMESTAMP, context, properties FROM read_parquet('{path}')"
    )
    seconds = time.perf_counter() - started
    stored = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    return {"rows": stored, "rejected": 0, "seconds": seconds}


def measure_generate(directory: Path, count: int) -> dict[str, object]:
    """Generate ``count`` events and write them as JSONL and Parquet into ``directory``."""
    started = time.perf_counter()
    jsonl, parquet = write_files(generate(count), directory)
    return {"rows": count, "seconds": time.perf_counter() - started,
            "jsonl_mb": jsonl.stat().st_size / 2**20, "parquet_mb": parquet.stat().st_size / 2**20}


def measure_http_ingestion(database: Path, count: int) -> dict[str, object]:
    """``measure_http`` of ``bench/http_load.py`` (another module) into a fresh DuckDB store."""
    spec = importlib.util.spec_from_file_location("http_load", HERE / "http_load.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("bench/http_load.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.measure_http(str(database), events=count)
    return {"rows": figures["stored"], "seconds": figures["seconds"]}


def run_measurement(name: str, path: Path, database: Path, count: int) -> dict[str, object]:
    """Run one step in a fresh interpreter; returns its figures with its own peak RSS (MB)."""
    database.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--file", str(path), "--database", str(database),
         "--events", str(count)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(name: str, path: Path, database: Path, count: int) -> None:
    if name == "generate":
        figures = measure_generate(path, count)
    elif name == "raw":
        figures = measure_raw(path, database)
    elif name == "http":
        figures = measure_http_ingestion(database, count)
    else:
        figures = measure_import(path, database)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures["peak_rss_mb"] = usage.ru_maxrss / 1024
    figures["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    sys.stdout.write(json.dumps(figures) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Keep the generated files and stores in this directory.")
    parser.add_argument("--http-events", type=int, default=200_000, help="Events sent over HTTP.")
    parser.add_argument("--measure", choices=["generate", "jsonl", "parquet", "raw", "http"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _child(args.measure, args.file, args.database, args.events)
        return
    with tempfile.TemporaryDirectory(prefix="northstar-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        made = run_measurement("generate", workdir, workdir / "unused.duckdb", args.events)
        print(f"generated {made['rows']:,} events in {made['seconds']:.1f} s "
              f"(JSONL {made['jsonl_mb']:.0f} MB, Parquet {made['parquet_mb']:.0f} MB)")
        steps = {
            "import JSONL": ("jsonl", workdir / "events.jsonl", args.events),
            "import Parquet": ("parquet", workdir / "events.parquet", args.events),
            "raw DuckDB INSERT (Parquet)": ("raw", workdir / "events.parquet", args.events),
        }
        if (HERE / "http_load.py").exists():
            steps["HTTP /v1/batch (DuckDB)"] = ("http", workdir, args.http_events)
        results = {
            name: run_measurement(step, path, workdir / f"{step}.duckdb", count)
            for name, (step, path, count) in steps.items()
        }
    raw = results["raw DuckDB INSERT (Parquet)"]
    raw_rate = raw["rows"] / raw["seconds"]
    print(f"\n{'measurement':<30}{'rows':>12}{'seconds':>10}{'events/s':>14}{'goal':>12}{'vs raw':>9}"
          f"{'CPU s':>8}{'peak MB':>10}")
    for name, figures in results.items():
        rate = figures["rows"] / figures["seconds"]
        goal = {"import JSONL": f"{GOALS['jsonl']:,}", "import Parquet": f"{GOALS['parquet']:,}"}.get(name, "-")
        print(f"{name:<30}{figures['rows']:>12,}{figures['seconds']:>10.2f}{rate:>14,.0f}{goal:>12}"
              f"{rate / raw_rate:>9.2f}{figures['cpu_seconds']:>8.1f}{figures['peak_rss_mb']:>10.0f}")
    print(f"\nload average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if "HTTP /v1/batch (DuckDB)" not in results:
        print("\nbench/http_load.py is not there: HTTP ingestion not measured")

if __name__ == "__main__":
    main()
