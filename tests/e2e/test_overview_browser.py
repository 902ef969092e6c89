"""The overview and drill-down pages in a real browser (Playwright + Debian's Chromium) against a
real server on the overview test's hand-made fixture: cards show what the API returns, the view is
in the URL, cards open drill-downs with a drawn chart, exports equal the API's numbers, new events
update a card without a reload, and axe-core finds no serious or critical violation."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from northstar.app import Northstar
from northstar.config import Settings
from northstar.ingest.keys import create_key
from tests.conftest import LiveServer
from tests.e2e.conftest import check_axe, screenshot_both
from tests.integration.test_overview import EVENTS, INVITATIONS, SAMPLES, SUBSCRIPTIONS, USERS

pytestmark = pytest.mark.browser
VIEW = "timeframe=7d&date=2026-03-15"


def serve(database: Path) -> tuple[Northstar, LiveServer]:
    northstar = Northstar(Settings(database=str(database), auth={"anonymous_role": "admin"},
                                   dashboard={"refresh_seconds": 300}))
    northstar.write({"subscription_history": SUBSCRIPTIONS, "users": USERS, "events": EVENTS,
                     "invitations": INVITATIONS, "performance_samples": SAMPLES}, source="test")
    return northstar, LiveServer(northstar).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    northstar, live = serve(tmp_path_factory.mktemp("overview") / "overview.duckdb")
    yield live
    live.stop()
    northstar.close()


def open_page(page, url: str) -> object:
    """Navigate without waiting for every sparkline image (they load in parallel after the cards)."""
    page.set_default_timeout(120_000)
    return page.goto(url, wait_until="domcontentloaded")


def shown_cards(page) -> dict[str, str]:
    return {card.get_attribute("data-card"): card.locator(".value").inner_text()
            for card in page.locator("#overview-cards article.card").all()}


def expected(server: LiveServer, name: str, query: str) -> str:
    detail = httpx.get(f"{server.url}/api/v1/metrics/{name}?{query}", timeout=120).json()
    if detail["display"] is not None:
        return detail["display"]
    return "No data" if detail["reason"].startswith("no_data") else "Not defined"


def test_cards_show_the_api_values_and_the_view_is_in_the_url(server: LiveServer, page, artifacts: Path) -> None:
    open_page(page, f"{server.url}/?{VIEW}")
    shown = shown_cards(page)
    checked = 0
    for key, value in shown.items():
        name, _, timeframe = key.rpartition("-")
        if timeframe == "7d":
            assert value == expected(server, name, VIEW), key
            checked += 1
    assert checked >= 25
    assert shown["mrr-7d"] == "£89.83" and shown["k_factor-7d"] == "1.00"
    assert "No data" in shown["csat_score-7d"]
    assert "Import NPS/CSAT answers" in page.locator('[data-card="csat_score-7d"] .note').inner_text()
    check_axe(page)
    screenshot_both(page, "overview", artifacts)

    before = shown["new_signups-1d"], shown["paid_users-7d"], shown["k_factor-7d"]
    page.get_by_role("link", name="90 days").click()
    page.wait_for_url("**timeframe=90d**", wait_until="domcontentloaded")
    assert "date=2026-03-15" in page.url
    after = shown_cards(page)
    assert after["k_factor-90d"] == expected(server, "k_factor", "timeframe=90d&date=2026-03-15")
    assert set(after) != set(shown) and before[1] == after["paid_users-90d"]

    page.get_by_label("User type").select_option("supplier")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**user_type=supplier**", wait_until="domcontentloaded")
    assert shown_cards(page)["total_suppliers-90d"] == "1"
    assert shown_cards(page)["total_couples-90d"] == "0"


def test_a_card_opens_its_drill_down_with_a_chart_and_exports(server: LiveServer, page, artifacts: Path) -> None:
    open_page(page, f"{server.url}/?{VIEW}")
    page.locator('[data-card="dau-7d"] a.card-link').click()
    page.wait_for_url("**/metrics/dau?**", wait_until="domcontentloaded")
    figure = page.locator("figure.ns-chart")
    figure.locator(".ns-chart-view svg").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "DAU"
    assert "A user is active" in page.locator(".definition").inner_text() or page.locator(".definition p").count() >= 2
    figure.get_by_role("button", name="Bar").click()
    expect(figure.locator(".ns-mark[data-mark=bar]")).to_have_attribute("aria-pressed", "true")
    figure.locator(".ns-chart-view svg").wait_for()
    check_axe(page)
    screenshot_both(page, "drilldown-dau", artifacts)

    with page.expect_download() as download_info:
        figure.get_by_role("link", name="CSV").click()
    content = Path(download_info.value.path()).read_text()
    rows = list(csv.reader(io.StringIO(content)))
    api = httpx.get(f"{server.url}/api/v1/metrics/dau/series",
                    params={"start": "2026-03-09", "end": "2026-03-15", "grain": "day"}, timeout=120).json()
    assert rows[0] == ["start", "end", "dau"]
    assert [int(row[2]) for row in rows[1:]] == [point["value"] for point in api["lines"][0]["points"]]
    assert [int(row[2]) for row in rows[1:]] == [0, 0, 0, 1, 0, 0, 1]

    open_page(page, f"{server.url}/metrics/dau?{VIEW}&breakdown=user_type")
    page.locator("figure.ns-chart .ns-chart-view svg").wait_for()
    assert page.locator("section[aria-labelledby=values-heading] tbody tr").count() == 14


def test_unknown_metric_page_is_a_404(server: LiveServer, page) -> None:
    response = open_page(page, f"{server.url}/metrics/no_such_metric")
    assert response.status == 404
    assert "no_such_metric" in page.get_by_role("heading", level=1).inner_text()


def test_new_events_update_a_card_without_a_reload(tmp_path: Path, page) -> None:
    northstar, live = serve(tmp_path / "live.duckdb")
    try:
        key = create_key(northstar.store, kind="write", name="browser test")
        open_page(page, f"{live.url}/?{VIEW}")
        expect(page.locator("html[data-live=open]")).to_have_count(1, timeout=60_000)
        card = page.locator('[data-card="dau-7d"] .value')
        assert card.inner_text() == "1"
        page.evaluate("window.__sameDocument = true")
        batch = {"batch": [{"type": "track", "event": "Form Created", "userId": "c1", "messageId": "live-1",
                            "timestamp": "2026-03-15T12:00:00Z"}]}
        auth = base64.b64encode(f"{key}:".encode()).decode()
        response = httpx.post(f"{live.url}/v1/batch", json=batch, headers={"Authorization": f"Basic {auth}"})
        assert response.status_code == 200, response.text
        expect(page.locator('[data-card="dau-7d"] .value')).to_have_text("2", timeout=60_000)
        assert page.evaluate("window.__sameDocument") is True
    finally:
        live.stop()
        northstar.close()
