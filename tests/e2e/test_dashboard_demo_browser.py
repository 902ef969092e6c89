"""The overview and a drill-down on generated demo data (the shared ``demo_server``): every card
shows what the API returns for the same view, charts draw, and axe-core passes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.conftest import check_axe, screenshot_both

pytestmark = pytest.mark.browser


def test_demo_overview_cards_equal_the_api_and_drill_downs_draw(demo_server: LiveServer, page,
                                                                 artifacts: Path) -> None:
    page.set_default_timeout(120_000)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{demo_server.url}/?timeframe=30d", wait_until="domcontentloaded")
    day = page.locator("input[name=date]").input_value()
    cards = {card.get_attribute("data-card"): card.locator(".value").inner_text()
             for card in page.locator("#overview-cards article.card").all()}
    numbers = 0
    for key, shown in cards.items():
        name, _, timeframe = key.rpartition("-")
        if timeframe != "30d":
            continue
        detail = httpx.get(f"{demo_server.url}/api/v1/metrics/{name}", params={"timeframe": "30d", "date": day},
                           timeout=120).json()
        wanted = detail["display"] or ("No data" if detail["reason"].startswith("no_data") else "Not defined")
        assert shown == wanted, key
        numbers += detail["display"] is not None
    assert numbers >= 20, "the demo fills most cards"
    expect(page.locator("#chart-overview-revenue-by-month .ns-chart-view svg")).to_have_count(1)
    check_axe(page)
    screenshot_both(page, "overview-demo", artifacts)

    page.locator('[data-card="mrr-30d"] a.card-link').click()
    page.wait_for_url("**/metrics/mrr?**", wait_until="domcontentloaded")
    expect(page.locator("#chart-drilldown .ns-chart-view svg")).to_have_count(1)
    figure = page.locator("#chart-drilldown")
    figure.get_by_role("button", name="Area").click()
    expect(figure.locator(".ns-mark[data-mark=area]")).to_have_attribute("aria-pressed", "true")
    expect(figure.locator("a.ns-download[data-format=png]")).to_have_attribute("href", "/charts/metric.series.png?"
                                                                              + figure.get_attribute("data-query"))
    check_axe(page)
    screenshot_both(page, "drilldown-mrr-demo", artifacts)
    assert refused == [], "charts must run under the pages' CSP (no eval, no inline style)"
