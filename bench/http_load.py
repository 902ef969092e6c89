"""HTTP ingestion throughput: events/s through ``POST /v1/batch`` with durable answers.

Starts ``northstar serve`` (real uvicorn) in a subprocess over the given database, creates a write
key, and posts ``events`` Segment track messages in batches of ``batch`` from ``clients``
concurrent httpx clients (threads). Every 200 answer means the batch was committed, so the figure
is durable throughput. After the run the server is stopped and the stored events are counted.

Usage: ``python bench/http_load.py [DATABASE] [--events N] [--batch N] [--clients N]``
(default database: a DuckDB file in a temporary directory).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from northstar.app import Northstar
from northstar.config import Settings
from northstar.ingest.keys import create_key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bodies(events: int, batch: int, run: str) -> list[bytes]:
    """Request bodies shaped like the Segment SDK's: a track with properties and context each."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    context = {"library": {"name": "analytics-python", "version": "2.4.0"},
               "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}
    bodies = []
    for first in range(0, events, batch):
        messages = [
            {"type": "track", "messageId": f"{run}-{number}", "userId": f"user-{number % 5000}",
             "event": "Form Created", "timestamp": (start + timedelta(seconds=number)).isoformat(),
             "properties": {"form_id": f"form-{number}", "fields": 12, "template": "rsvp"}, "context": context}
            for number in range(first, min(first + batch, events))
        ]
        bodies.append(orjson.dumps({"batch": messages, "sentAt": datetime.now(UTC).isoformat()}))
    return bodies


def _start_server(database: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NORTHSTAR_DATABASE": database, "NORTHSTAR_CONFIG": os.devnull}
    server = subprocess.Popen(
        [sys.executable, "-m", "northstar.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("northstar serve exited at start") from None
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("northstar serve did not start")


def measure_http(northstar_settings_database: str, events: int = 200_000, batch: int = 100,
                 clients: int = 4) -> dict[str, float | int]:
    """Durable events/s of ``/v1/batch`` over ``northstar_settings_database`` (a DuckDB path or a
    PostgreSQL URL): ``events`` messages, ``batch`` per request, ``clients`` concurrent clients.

    Returns ``{"events", "batch", "clients", "seconds", "events_per_second", "stored"}``
    (``stored``: events in the store after the run). Raises ``RuntimeError`` when a request is not
    answered 200 or the server does not start.
    """
    setup = Northstar(Settings(database=northstar_settings_database))
    key = create_key(setup.store, "write", "bench")
    stored_before = setup.store.query("SELECT count(*) FROM events")[0][0]
    setup.close()
    bodies = _bodies(events, batch, run=f"bench-{time.time_ns()}")
    port = _free_port()
    server = _start_server(northstar_settings_database, port)
    failures: list[str] = []

    def client(share: list[bytes]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=(key, ""), timeout=60,
                          headers={"Content-Type": "application/json"}) as http:
            for body in share:
                answer = http.post("/v1/batch", content=body)
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
                    return

    threads = [threading.Thread(target=client, args=(bodies[number::clients],)) for number in range(clients)]
    try:
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, first: {failures[0]}")
    check = Northstar(Settings(database=northstar_settings_database))
    stored = check.store.query("SELECT count(*) FROM events")[0][0] - stored_before
    check.close()
    return {"events": events, "batch": batch, "clients": clients, "seconds": round(seconds, 3),
            "events_per_second": round(events / seconds), "stored": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", help="DuckDB path or postgresql:// URL (default: a temp file)")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        database = arguments.database or str(Path(directory) / "bench.duckdb")
        result = measure_http(database, arguments.events, arguments.batch, arguments.clients)
    print(" ".join(f"{name}={value}" for name, value in result.items()))


if __name__ == "__main__":
    main()
