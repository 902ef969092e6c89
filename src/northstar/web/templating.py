"""The one Jinja2 environment of the pages, so that every page shares its globals (navigation,
security tokens) and its templates directory."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

WEB = Path(__file__).resolve().parent
STATIC = WEB / "static"

templates = Jinja2Templates(directory=WEB / "templates")

# The pages of the navigation bar, in order: (path, label).
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/revenue", "Revenue"),
    ("/viral", "Viral"),
    ("/cohorts", "Cohorts"),
    ("/engagement", "Engagement"),
    ("/alerts", "Alerts"),
)
templates.env.globals["navigation"] = NAVIGATION
