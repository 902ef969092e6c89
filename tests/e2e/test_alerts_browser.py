"""The alerts manager in a real browser (issue 5, "Browser"): a rule created in the UI, data that
breaks it ingested through ``/v1/batch``, one evaluation, then the overview's critical banner and
the bell's in-app notification; acknowledge and resolve from the page; a validation error next to
its field; axe-core on /alerts; screenshots at desktop and phone size.

The test has a store of its own (not the shared demo store): it moves the reporting day to today
and leaves a critical alert behind, which would change what other browser tests see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from northstar.alerts.service import alerts_for
from northstar.app import Northstar
from northstar.config import Settings
from northstar.ingest.keys import create_key
from tests.conftest import LiveServer
from tests.e2e.conftest import check_axe, screenshot_both

pytestmark = pytest.mark.browser


@pytest.fixture
def northstar(make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    instance = Northstar(make_settings())
    yield instance
    instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A desktop-sized tab that lets axe-core be injected (``bypass_csp``); the page's own
    compliance with the policy is checked by ``test_the_pages_run_under_the_content_security_policy``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def server(northstar: Northstar) -> Iterator[LiveServer]:
    from northstar.web.pages.vendor import vega_bundle

    vega_bundle()  # built once per process, before the first page waits for it
    live = LiveServer(northstar).start()
    yield live
    live.stop()


def send_events(server: LiveServer, key: str, users: list[str]) -> None:
    """One ``Form Created`` track event per user, now, through the Segment batch endpoint."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    batch = [{"type": "track", "messageId": f"m-{user}", "userId": user, "event": "Form Created", "timestamp": now}
             for user in users]
    answer = httpx.post(f"{server.url}/v1/batch", json={"batch": batch}, auth=(key, ""), timeout=30)
    assert answer.json() == {"success": True}


def test_a_rule_made_in_the_page_fires_on_ingested_data_and_is_handled_there(
    server: LiveServer, northstar: Northstar, page, artifacts: Path,
) -> None:
    page.goto(f"{server.url}/alerts")
    check_axe(page)

    # A value the API refuses: the message stands next to the field its 422 `loc` names.
    form = page.locator("#rule-form")
    form.get_by_label("Metric").select_option("dau")
    page.locator("#threshold-comparison").select_option(">")
    form.get_by_label("Severity", exact=True).select_option("critical")
    form.get_by_label("Name").fill("More than 2 active users today")
    form.get_by_role("button", name="Create rule").click()
    error = page.locator("#threshold-value-error")
    error.wait_for()
    assert error.inner_text() == "is required for a threshold rule"
    assert page.locator("#threshold-value").get_attribute("aria-invalid") == "true"
    assert page.locator("#threshold-value").evaluate("node => node === document.activeElement")
    assert "1 problem" in page.locator("#rule-form [data-form-summary]").inner_text()

    # DAU > 2, critical, in-app (the default channel): created through the form.
    page.locator("#threshold-value").fill("2")
    form.get_by_role("button", name="Create rule").click()
    page.wait_for_url("**notice=created**")
    assert page.locator("[data-page-status]").inner_text() == "The rule was created."
    row = page.locator("tr", has_text="More than 2 active users today")
    assert row.locator("[data-state]").inner_text() == "OK"
    assert "DAU > 2" in row.inner_text()
    rule = next(view for view in alerts_for(northstar).list(state="all") if view.rule.name.startswith("More than 2"))
    assert rule.rule.metric_name == "dau" and rule.rule.severity == "critical"
    assert rule.rule.notification_channels == ("in_app",)

    # Three users active today break it; one evaluation (what the scheduler does every minute).
    send_events(server, create_key(northstar.store, "write", "e2e"), ["u1", "u2", "u3"])
    page.goto(f"{server.url}/")
    assert page.locator("[data-alert-banner]").is_hidden()
    report = alerts_for(northstar).evaluate_all()
    assert rule.rule.id in report.firing

    # The open overview learns of it without a reload (at its next refresh; here: now).
    page.evaluate("document.dispatchEvent(new CustomEvent('northstar:refreshed'))")
    banner = page.get_by_role("alert").filter(has_text="critical alert")
    banner.wait_for()
    assert banner.locator("li").all_inner_texts() == ["DAU is 3 (DAU > 2)"]
    page.get_by_role("button", name="Notifications, 1 unread").wait_for()

    page.reload()
    assert banner.is_visible()
    assert "DAU is 3 (DAU > 2)" in banner.inner_text()
    assert banner.get_by_role("link", name="View critical alerts").get_attribute("href") == "/alerts?severity=critical"
    page.locator("[data-bell-count]").wait_for()
    assert page.locator("[data-bell-count]").inner_text() == "1"
    screenshot_both(page, "overview-critical-banner", artifacts)
    check_axe(page, "[data-alert-banner]")

    # The bell from the keyboard: open, read, mark as read, close with Escape.
    bell = page.get_by_role("button", name="Notifications, 1 unread")
    bell.focus()
    page.keyboard.press("Enter")
    popover = page.locator("#bell-popover")
    assert popover.is_visible() and bell.get_attribute("aria-expanded") == "true"
    check_axe(page, "[data-bell]")
    item = popover.locator(".bell-item")
    assert item.count() == 1 and "DAU" in item.inner_text()
    item.get_by_role("button", name="Mark as read").click()
    page.get_by_role("button", name="Notifications, none unread").wait_for()
    assert popover.locator(".bell-item").count() == 0
    page.keyboard.press("Escape")
    assert popover.is_hidden()
    assert page.evaluate("document.activeElement.id") == "bell-button"

    # Acknowledge, then resolve, with notes, on the alerts page.
    page.goto(f"{server.url}/alerts?severity=critical")
    active = page.locator("article.alert-item", has_text="More than 2 active users today")
    assert active.locator("[data-state]").inner_text() == "Firing"
    assert "DAU is 3" in active.inner_text()
    active.get_by_label("Note (optional)").fill("Looking into it")
    active.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url("**notice=acknowledged**")
    active = page.locator("article.alert-item", has_text="More than 2 active users today")
    assert "Acknowledged" in active.inner_text() and "Looking into it" in active.inner_text()
    screenshot_both(page, "alerts-firing", artifacts)
    check_axe(page)

    active.get_by_label("Note (optional)").fill("Expected: a launch day")
    active.get_by_role("button", name="Resolve").click()
    page.wait_for_url("**notice=resolved**")
    assert page.locator("article.alert-item", has_text="More than 2 active users today").count() == 0
    row = page.locator("tr", has_text="More than 2 active users today")
    assert row.locator("[data-state]").inner_text() == "Resolved"
    assert row.locator("td[data-label=Triggers]").inner_text() == "1"

    # The rule's history: its transitions with values, the acknowledgement and the resolution.
    row.get_by_role("button", name="History").click()
    history = row.locator("[data-history-list] li")
    history.first.wait_for()
    lines = history.all_inner_texts()
    assert any("ok → firing at 3" in line for line in lines), lines
    assert any("acknowledged" in line and "Looking into it" in line for line in lines), lines
    assert any("Expected: a launch day" in line for line in lines), lines

    # The overview no longer shows the banner.
    page.goto(f"{server.url}/")
    assert page.locator("[data-alert-banner]").is_hidden()


def test_the_alerts_page_is_accessible_and_fits_a_phone(server: LiveServer, page, artifacts: Path) -> None:
    page.goto(f"{server.url}/alerts")
    check_axe(page)
    # The condition builder shows the fields of the chosen type only, with the metric's unit.
    page.get_by_label("Metric").select_option("mrr")
    assert page.locator("#threshold-value-hint").inner_text().startswith("In GBP")
    page.get_by_label("Condition type").select_option("change")
    assert page.locator("#change-value").is_visible() and page.locator("#threshold-value").is_hidden()
    page.get_by_label("Condition type").select_option("anomaly")
    assert page.get_by_label("Season length").is_visible()
    check_axe(page)
    screenshot_both(page, "alerts", artifacts)


def test_editing_a_rule_and_testing_a_channel(server: LiveServer, northstar: Northstar, page) -> None:
    page.goto(f"{server.url}/alerts")
    row = page.locator("tr", has_text="Page load above 2 s")
    row.get_by_role("link", name="Edit").click()
    page.wait_for_url("**edit=default-page_load_above_2s**")
    form = page.locator("#rule-form")
    assert page.locator("#threshold-value").input_value() == "2000"
    assert "In ms." in page.locator("#threshold-value-hint").inner_text()
    page.locator("#threshold-value").fill("2500")
    form.get_by_label("Severity", exact=True).select_option("critical")
    form.get_by_role("button", name="Save rule").click()
    page.wait_for_url("**notice=saved**")
    rule = alerts_for(northstar).get("default-page_load_above_2s").rule
    assert (rule.condition.value, rule.severity) == (2500, "critical")
    assert "Avg page load > 2,500 ms" in page.locator("tr", has_text="Page load above 2 s").inner_text()

    # An in-app channel, added in the page, answers its test at once.
    channels = page.locator("#channel-form")
    channels.get_by_label("Name").fill("Team bell")
    channels.get_by_label("Kind").select_option("in_app")
    channels.get_by_role("button", name="Add channel").click()
    page.wait_for_url("**notice=channel**")
    page.get_by_role("button", name="Send test to Team bell").click()
    outcome = page.locator("tr", has_text="Team bell").locator("[data-test-outcome]")
    outcome.filter(has_text="Delivered.").wait_for()


def test_the_pages_run_under_the_content_security_policy(server: LiveServer, northstar: Northstar, browser) -> None:
    """No inline script, style or handler: the browser reports no violation of the policy while
    the alerts page, its preview chart, the bell and the overview banner work."""
    send_events(server, create_key(northstar.store, "write", "e2e"), ["u1", "u2", "u3"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    violations: list[str] = []
    tab.on("console", lambda message: violations.append(message.text)
           if "Content Security Policy" in message.text else None)
    tab.goto(f"{server.url}/alerts")
    tab.get_by_label("Metric").select_option("dau")
    tab.locator("#threshold-value").fill("2")
    tab.get_by_role("button", name="Update preview").click()
    tab.locator("[data-preview-table] table").wait_for(state="attached")
    tab.locator("[data-preview-chart] svg[role=img]").wait_for()
    tab.get_by_text("The values as a table").click()
    # Today's value, 3 active users, breaks "> 2"; the table lists the newest day first.
    first = tab.locator("[data-preview-table] tbody tr").first
    assert first.locator("td").all_inner_texts() == ["3", "Breaks the condition"]
    # The typing above also schedules a preview of its own: wait for the last one to settle.
    expect(tab.locator("[data-preview-status]")).to_contain_text("DAU > 2: breaks on 1 of the last 30 points.")
    tab.get_by_role("button", name="Notifications, none unread").click()
    tab.goto(f"{server.url}/")
    tab.locator("[data-bell-count]").wait_for(state="attached")
    context.close()
    assert violations == []
