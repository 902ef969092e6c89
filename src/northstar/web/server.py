"""Run the web app under uvicorn."""

from __future__ import annotations

import uvicorn

from northstar.app import Northstar
from northstar.metrics.refresher import start_refresher
from northstar.web.app import create_app


def run(northstar: Northstar, host: str, port: int) -> None:
    """Serve ``northstar`` on ``host:port`` until interrupted, printing the URL first; commits
    schedule a background refresh of the daily snapshot."""
    config = uvicorn.Config(create_app(northstar), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    # New data refreshes the daily snapshot in the background, never on the request path.
    refresher = start_refresher(northstar)
    print(f"Northstar is serving on http://{host}:{port}/", flush=True)
    try:
        server.run()
    finally:
        refresher.close()
        northstar.close()
