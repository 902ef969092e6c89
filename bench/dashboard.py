"""Dashboard speed in a real browser: how long the overview and the drill-downs take to be usable.

Run: ``.venv/bin/python bench/dashboard.py --database /work/bench-data/demo26k.duckdb``

Uses a demo store built by ``bench/metrics.py`` (``--suppliers 26000``: 15.5M events, 103,897
users, 18 months). It brings the daily snapshot up to date (``northstar refresh``, or with
``--since D`` only the days from D on, timed), starts
a real ``northstar serve`` on a free port (anonymous visitors get the admin role, so no login is
measured), then drives Debian's Chromium through Playwright:

- the overview ``/``: time from navigation to every card showing a value (the cards are
  server-rendered, so this is ``DOMContentLoaded``) and to the ``load`` event (sparklines
  included); the first visit is against a server whose metric cache is empty (cold), the next
  ``--runs`` are warm; each visit uses a fresh browser context (no browser cache);
- each drill-down ``/metrics/NAME`` of ``--metrics``: time to its chart being drawn (an ``svg`` or
  ``canvas`` inside ``.ns-chart``), first visit (cold) and again (warm);
- how long the server takes to stop after SIGTERM.

The goals (issue 4): overview usable within 2 s, any drill-down within 1 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
NORTHSTAR = str(Path(sys.executable).with_name("northstar"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"northstar serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/static/northstar.css", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("northstar serve did not start")


def visit_overview(browser: object, url: str) -> tuple[float, float, int]:
    """``(seconds to DOMContentLoaded with every card valued, seconds to load, cards)``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(f"{url}/", wait_until="domcontentloaded", timeout=120_000)
    ready = time.perf_counter() - started
    page.wait_for_load_state("load", timeout=120_000)
    loaded = time.perf_counter() - started
    cards = page.locator("article.card").count()
    valued = page.locator("article.card .value").count()
    context.close()
    if cards == 0 or valued != cards:
        raise SystemExit(f"overview: {valued} of {cards} cards show a value")
    return ready, loaded, cards


def visit_drilldown(browser: object, url: str, name: str) -> float:
    """Seconds from navigation to the metric's chart being drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(f"{url}/metrics/{name}", wait_until="commit", timeout=120_000)
    page.wait_for_selector(".ns-chart svg, .ns-chart canvas", timeout=120_000)
    drawn = time.perf_counter() - started
    context.close()
    return drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="/work/bench-data/demo26k.duckdb")
    parser.add_argument("--runs", type=int, default=5, help="Warm overview visits.")
    parser.add_argument("--since", help="Refresh the snapshot from this day (YYYY-MM-DD) on only.")
    parser.add_argument("--metrics", default="dau,mrr,k_factor,stickiness,avg_session_duration_minutes",
                        help="Drill-downs to open, comma-separated.")
    args = parser.parse_args()
    if not Path(args.database).exists():
        raise SystemExit(f"{args.database} does not exist: build it with bench/metrics.py --suppliers 26000")
    env = {**os.environ, "NORTHSTAR_DATABASE": args.database, "NORTHSTAR_AUTH__ANONYMOUS_ROLE": "admin"}

    clock = time.perf_counter()
    refresh = [NORTHSTAR, "refresh", *(["--since", args.since] if args.since else [])]
    subprocess.run(refresh, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"snapshot brought up to date ({' '.join(refresh[1:])}): {time.perf_counter() - clock:.1f} s")

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([NORTHSTAR, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until_up(url, server)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ready, loaded, cards = visit_overview(browser, url)
            print(f"overview, cold server: {cards} cards valued in {ready:.2f} s, page loaded in {loaded:.2f} s")
            warm = [visit_overview(browser, url) for _ in range(args.runs)]
            print(f"overview, warm ({args.runs} visits): valued p50 {statistics.median(w[0] for w in warm):.2f} s, "
                  f"max {max(w[0] for w in warm):.2f} s; loaded p50 {statistics.median(w[1] for w in warm):.2f} s")
            for name in args.metrics.split(","):
                cold = visit_drilldown(browser, url, name)
                again = visit_drilldown(browser, url, name)
                print(f"drill-down {name}: chart drawn in {cold:.2f} s cold, {again:.2f} s warm")
            browser.close()
    finally:
        stopping = time.perf_counter()
        server.terminate()
        try:
            server.wait(timeout=30)
            print(f"server stopped in {time.perf_counter() - stopping:.2f} s")
        except subprocess.TimeoutExpired:
            print("server still running 30 s after SIGTERM: killed")
            server.kill()
            server.wait()
    print("goals: overview valued ≤ 2 s, drill-down ≤ 1 s")


if __name__ == "__main__":
    main()
