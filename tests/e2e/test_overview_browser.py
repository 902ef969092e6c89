"""The overview page in a real browser: the cards show what the API returns, on DuckDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from northstar.app import Northstar
from northstar.config import Settings
from tests.conftest import LiveServer
from tests.integration.test_overview import EVENTS, INVITATIONS, SAMPLES, SUBSCRIPTIONS, USERS

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    northstar = Northstar(make_settings())
    northstar.write({"subscription_history": SUBSCRIPTIONS, "users": USERS, "events": EVENTS,
                     "invitations": INVITATIONS, "performance_samples": SAMPLES}, source="test")
    live = LiveServer(northstar).start()
    yield live
    live.stop()
    northstar.close()


def test_cards_show_the_api_values_and_the_timeframe_is_in_the_url(server: LiveServer, page, artifacts: Path) -> None:
    api = httpx.get(f"{server.url}/api/v1/metrics/overview", params={"timeframe": "7d", "date": "2026-03-15"}).json()
    page.goto(f"{server.url}/?timeframe=7d&date=2026-03-15")
    shown = {
        card.get_attribute("data-metric"): card.locator(".value").inner_text()
        for card in page.locator("article.card").all()
    }
    for field, detail in api["metrics"].items():
        name = detail["name"]
        expected = detail["display"] if detail["display"] is not None else (
            "No data" if detail["reason"].startswith("no_data") else "Not defined")
        assert shown[name] == expected, field
    assert shown["mrr"] == "£89.83"
    page.screenshot(path=str(artifacts / "overview-desktop.png"), full_page=True)

    page.get_by_role("link", name="90 days").click()
    page.wait_for_url("**timeframe=90d**")
    assert "date=2026-03-15" in page.url
    # The link reloads the page for the new timeframe, keeping the chosen day.
    assert page.locator("nav [aria-current=page]").inner_text() == "90 days"

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "overview-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
