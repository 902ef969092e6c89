"""The web application factory: ingestion, the JSON API and the pages over one Northstar."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from northstar.app import Northstar
from northstar.web.templating import STATIC


def create_app(northstar: Northstar) -> FastAPI:
    """A FastAPI app serving ``northstar``; the façade is at ``app.state.northstar``."""
    from northstar.web.api.v1 import admin as admin_api
    from northstar.web.api.v1 import alerts as alerts_api
    from northstar.web.api.v1 import audit, ingest, metrics, users
    from northstar.web.api.v1 import export as export_api
    from northstar.web.api.v1 import notifications as notifications_api
    from northstar.web.auth import check_routes
    from northstar.web.auth import install as install_auth
    from northstar.web.pages import admin as admin_page
    from northstar.web.pages import alerts as alerts_page
    from northstar.web.pages import audit as audit_page
    from northstar.web.pages import charts, drilldown, live, login, overview, vendor
    from northstar.web.pages import cohorts as cohorts_page
    from northstar.web.pages import engagement as engagement_page
    from northstar.web.pages import revenue as revenue_page
    from northstar.web.pages import viral as viral_page
    from northstar.web.security.install import install as install_security

    app = FastAPI(
        title="Northstar",
        version="0.1.0",
        description="Success metrics: Segment-compatible ingestion, metrics API and dashboard.",
    )
    app.state.northstar = northstar
    install_security(app, northstar.settings)
    install_auth(app)
    app.include_router(login.router)
    app.include_router(admin_api.router)
    app.include_router(admin_page.router)
    app.include_router(ingest.router)
    app.include_router(export_api.router)
    # Before metrics: /api/v1/metrics/alerts would otherwise match /api/v1/metrics/{name}.
    app.include_router(alerts_api.router)
    app.include_router(metrics.router)
    app.include_router(users.router)
    app.include_router(notifications_api.router)
    app.include_router(overview.router)
    app.include_router(charts.router)
    app.include_router(drilldown.router)
    app.include_router(alerts_page.router)
    for family_page in (revenue_page, viral_page, cohorts_page, engagement_page):
        app.include_router(family_page.router)
    app.include_router(live.router)
    app.include_router(vendor.router)
    app.include_router(audit.router)
    app.include_router(audit_page.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    check_routes(app)  # every route carries require(...) or public(), or the app does not start
    return app
