"""The web application factory: ingestion, the JSON API and the pages over one Northstar."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from northstar.app import Northstar
from northstar.web.templating import STATIC


def create_app(northstar: Northstar) -> FastAPI:
    """A FastAPI app serving ``northstar``; the façade is at ``app.state.northstar``."""
    from northstar.web.api.v1 import ingest, metrics, users
    from northstar.web.pages import overview

    app = FastAPI(
        title="Northstar",
        version="0.1.0",
        description="Success metrics: Segment-compatible ingestion, metrics API and dashboard.",
    )
    app.state.northstar = northstar
    app.include_router(ingest.router)
    app.include_router(metrics.router)
    app.include_router(users.router)
    app.include_router(overview.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
