"""Run the web app under uvicorn."""

from __future__ import annotations

import uvicorn

from northstar.app import Northstar
from northstar.web.app import create_app


def run(northstar: Northstar, host: str, port: int) -> None:
    """Serve ``northstar`` on ``host:port`` until interrupted, printing the URL first."""
    config = uvicorn.Config(create_app(northstar), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    print(f"Northstar is serving on http://{host}:{port}/", flush=True)
    try:
        server.run()
    finally:
        northstar.close()
