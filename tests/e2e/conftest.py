"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser).

Without ``/usr/bin/chromium`` these tests skip with the reason, unless
``NORTHSTAR_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from tests.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("NORTHSTAR_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are written (``test-artifacts/``, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


DEMO_END = date(2026, 6, 1)  # the demo data ends at midnight UTC starting this day
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Northstar]:
    """A small generated demo store (40 self-signed-up suppliers over 3 months ending
    :data:`DEMO_END`) in a DuckDB file, shared by the whole session; anonymous visitors are admins."""
    from northstar.demo.generator import DemoData

    database = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    northstar = Northstar(Settings(database=str(database), auth={"anonymous_role": "admin"}))
    data = DemoData(seed=7, suppliers=40, months=3, end=DEMO_END)
    for month in range(data.months):
        for batch in data.writes(month):
            northstar.write(batch, source="demo")
    yield northstar
    northstar.close()


@pytest.fixture(scope="session")
def demo_server(demo_store: Northstar) -> Iterator[LiveServer]:
    """A real uvicorn server over :func:`demo_store`, for the whole session (tests that write to
    it must assert on changes, not on absolute values other tests could move)."""
    from northstar.web.pages.vendor import vega_bundle

    vega_bundle()
    server = LiveServer(demo_store).start()
    yield server
    server.stop()


def check_axe(page: object, context: str | None = None) -> list[dict[str, object]]:
    """Run axe-core (tests/e2e/node_modules, ``npm ci``) on ``page`` (or the ``context`` selector;
    WCAG 2.0/2.1 A and AA rules) and fail listing every serious or critical violation; returns all violations found."""
    if not AXE.exists():
        reason = f"{AXE} is missing: run `npm ci` in tests/e2e"
        if os.environ.get("NORTHSTAR_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    # Evaluated through the DevTools protocol: a <script> tag would be refused by the pages' CSP.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async (context) => await axe.run(context || document,
               {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""",
        context,
    )
    violations = result["violations"]
    bad = [item for item in violations if item["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(
        f"{item['id']} ({item['impact']}): {item['help']} — "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                    for node in item["nodes"][:5])
        for item in bad
    )
    return violations


def screenshot_both(page: object, name: str, artifacts: Path) -> tuple[Path, Path]:
    """Full-page screenshots of ``page`` at desktop (1280 px) and phone (390 px) width into
    ``artifacts`` as ``<name>-desktop.png`` and ``<name>-phone.png``; asserts the phone view does
    not scroll sideways. Leaves the viewport at desktop size."""
    desktop, phone = artifacts / f"{name}-desktop.png", artifacts / f"{name}-phone.png"
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(desktop), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    page.screenshot(path=str(phone), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"], f"{name} scrolls sideways on a phone ({width} px wide)"
    return desktop, phone
