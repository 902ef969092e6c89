"""Run the web app under uvicorn."""

from __future__ import annotations

import threading

import uvicorn

from northstar.alerts.scheduler import start_scheduler
from northstar.alerts.service import alerts_for
from northstar.app import Northstar
from northstar.metrics.refresher import start_refresher
from northstar.web.app import create_app
from northstar.web.pages.vendor import vega_bundle


def run(northstar: Northstar, host: str, port: int) -> None:
    """Serve ``northstar`` on ``host:port`` until interrupted, printing the URL first; commits
    schedule a background refresh of the daily snapshot, after which the alert rules are
    evaluated; they are also evaluated every ``alerts.evaluation_interval_seconds``."""
    # Northstar decides which proxies' X-Forwarded-* headers to believe (security.trusted_proxies).
    config = uvicorn.Config(create_app(northstar), host=host, port=port, log_level="warning", proxy_headers=False)
    server = uvicorn.Server(config)
    # New data refreshes the daily snapshot in the background, never on the request path.
    alerts = alerts_for(northstar)
    refresher = start_refresher(northstar, after_refresh=alerts.evaluate_all)
    scheduler = start_scheduler(northstar)
    # Building the chart bundle takes seconds: do it now rather than on the first page view.
    threading.Thread(target=vega_bundle, name="vega-bundle", daemon=True).start()
    print(f"Northstar is serving on http://{host}:{port}/", flush=True)
    try:
        server.run()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        refresher.close()
        northstar.close()
