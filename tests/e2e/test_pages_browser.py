"""The Revenue, Viral, Cohorts and Engagement pages in a real browser: every chart is drawn on the
demo data, the heatmap's user-type switch changes the URL and the chart, a chart's CSV equals the
API's numbers, axe-core finds nothing serious, screenshots at desktop and phone size; on the
CDNOW log (purchase events only) the pages show what to import instead of errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from northstar.app import Northstar
from northstar.config import Settings
from tests.conftest import LiveServer
from tests.e2e.conftest import DEMO_END, check_axe, screenshot_both
from tests.integration.test_cdnow import _import as import_cdnow

pytestmark = pytest.mark.browser

PAGES = {
    "/revenue": ("revenue.movements", "revenue.mrr_by_plan", "revenue.by_source", "revenue.churn",
                 "revenue.retention"),
    "/viral": ("viral.k_factor", "viral.loop", "viral.funnel", "viral.network_growth", "viral.network_degrees",
               "viral.network_density"),
    "/cohorts": ("cohorts.retention", "cohorts.revenue", "cohorts.curves"),
    "/engagement": ("engagement.active_users", "engagement.features", "engagement.milestones", "engagement.funnel"),
}
# Revenue retention compares with 12 months earlier: the 3-month demo has no value to draw.
EMPTY_ON_DEMO = {"revenue.retention": "No paying customers 12 months earlier"}
@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A desktop-size tab that lets axe-core's injected script run under the pages' CSP."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    yield tab
    context.close()


DAY = (DEMO_END - timedelta(days=1)).isoformat()  # the last day of the demo data
SETTLED = """() => Array.from(document.querySelectorAll('.ns-chart')).every(
    figure => !figure.hasAttribute('aria-busy') && (figure.querySelector('.ns-chart-view svg, .ns-chart-view canvas')
              || figure.querySelector('.ns-chart-status').textContent.trim() !== 'Loading the chart…'))"""


def _wait_for_charts(page: object) -> None:
    page.wait_for_function(SETTLED, timeout=120_000)


def _drawn(page: object) -> dict[str, bool]:
    drawn = ".ns-chart-view svg, .ns-chart-view canvas"
    return {figure.get_attribute("data-chart-id"): figure.locator(drawn).count() > 0
            for figure in page.locator("figure.ns-chart").all()}


@pytest.mark.parametrize("path", list(PAGES))
def test_every_chart_is_drawn_on_demo_data(demo_server: LiveServer, page, artifacts: Path, path: str) -> None:
    page.goto(f"{demo_server.url}{path}?date={DAY}&timeframe=90d", wait_until="domcontentloaded", timeout=120_000)
    _wait_for_charts(page)
    assert _drawn(page) == {chart_id: chart_id not in EMPTY_ON_DEMO for chart_id in PAGES[path]}
    for chart_id, reason in EMPTY_ON_DEMO.items():
        if chart_id in PAGES[path]:
            status = page.locator(f'figure[data-chart-id="{chart_id}"] .ns-chart-status').inner_text()
            assert status == f"No data to chart: {reason}"
    assert page.locator("article.card").count() >= 4
    check_axe(page)
    screenshot_both(page, f"page{path.replace('/', '-')}", artifacts)


def test_the_heatmap_user_type_switch_changes_the_url_and_the_chart(demo_server: LiveServer, page) -> None:
    page.goto(f"{demo_server.url}/cohorts?date={DAY}")
    _wait_for_charts(page)
    heatmap = page.locator("#chart-cohorts-retention")
    assert "all users" in heatmap.locator("svg").first.get_attribute("aria-label")
    page.get_by_role("navigation", name="User type of retention by signup month").get_by_role(
        "link", name="Suppliers").click()
    page.wait_for_url("**user_type=supplier**")
    _wait_for_charts(page)
    heatmap = page.locator("#chart-cohorts-retention")
    assert "user_type=supplier" in heatmap.get_attribute("data-chart-src")
    assert "(suppliers)" in heatmap.locator("svg").first.get_attribute("aria-label")
    every = httpx.get(f"{demo_server.url}/charts/cohorts.retention.json", params={"date": DAY}, timeout=120).json()
    suppliers = httpx.get(f"{demo_server.url}/charts/cohorts.retention.json",
                          params={"date": DAY, "user_type": "supplier"}, timeout=120).json()
    sizes = {row[0]: row[2] for row in every["rows"]}
    assert all(row[2] <= sizes[row[0]] for row in suppliers["rows"])
    assert sum({row[0]: row[2] for row in suppliers["rows"]}.values()) < sum(sizes.values())
    assert page.get_by_role("link", name="Suppliers").first.get_attribute("aria-current") == "page"


def test_the_movements_csv_equals_the_api(demo_server: LiveServer, page) -> None:
    page.goto(f"{demo_server.url}/revenue?date={DAY}&timeframe=30d")
    _wait_for_charts(page)
    figure = page.locator("#chart-revenue-movements")
    with page.expect_download() as download:
        figure.get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the CSV has rows"
    start, end = rows[0]["start"], rows[-1]["end"]
    for metric in ("new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr", "net_new_mrr"):
        api = httpx.get(f"{demo_server.url}/api/v1/metrics/{metric}/series",
                        params={"start": start, "end": end, "grain": "month"}, timeout=120).json()
        expected = {point["start"]: point["value"] for point in api["lines"][0]["points"]}
        shown = {row["start"]: int(Decimal(row["value"]) * 100) for row in rows if row["metric"] == metric}
        assert shown == expected, metric
    assert {row["currency"] for row in rows} == {"GBP"}


@pytest.fixture(scope="module")
def cdnow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("cdnow") / "cdnow.duckdb"
    northstar = Northstar(Settings(database=str(database), reporting_currency="USD",
                                   auth={"anonymous_role": "admin"}))
    import_cdnow(northstar)
    server = LiveServer(northstar).start()
    yield server
    server.stop()
    northstar.close()


EMPTY_ON_CDNOW: dict[str, Callable[[str], bool]] = {
    "/revenue": lambda text: "Import subscriptions" in text,
    "/viral": lambda text: "Import invitations" in text or "Import users" in text,
    "/cohorts": lambda text: "Import users" in text,
    "/engagement": lambda text: "Import users" in text,
}


@pytest.mark.parametrize("path", list(PAGES))
def test_cdnow_pages_show_empty_states_not_errors(cdnow_server: LiveServer, page, path: str) -> None:
    page.goto(f"{cdnow_server.url}{path}?date=1998-06-30&timeframe=30d")
    _wait_for_charts(page)
    statuses = [figure.locator(".ns-chart-status").inner_text() for figure in page.locator("figure.ns-chart").all()]
    assert not [status for status in statuses if "could not be loaded" in status], statuses
    empty = [status for status in statuses if status.startswith("No data to chart: ")]
    assert empty and all(EMPTY_ON_CDNOW[path](status) or "chosen" in status for status in empty), statuses
    check_axe(page)

