"""Signing in and out in a real browser, and a viewer who never sees revenue: the login page
(screenshots at desktop and phone size, axe-core), a wrong password, an executive who sees MRR
(£89.83 from two subscriptions: 4900 + 49000 / 12 p), a viewer who sees no revenue card, and an
admin adding a user and a read key on the admin page (static/js/admin.js, with the CSRF header)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from northstar.app import Northstar
from northstar.auth.users import create_user
from northstar.config import Settings
from tests.conftest import LiveServer
from tests.e2e.conftest import check_axe, screenshot_both
from tests.integration.test_auth_web import DAY, PASSWORD, SUBSCRIPTIONS

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    """A server that requires signing in, over two subscriptions, with a viewer and an executive."""
    northstar = Northstar(make_settings(auth={"anonymous_role": None}))
    northstar.write({"subscription_history": SUBSCRIPTIONS}, source="test")
    create_user(northstar.store, "viewer@example.com", "viewer", PASSWORD)
    create_user(northstar.store, "cfo@example.com", "executive", PASSWORD)
    create_user(northstar.store, "admin@example.com", "admin", PASSWORD)
    live = LiveServer(northstar).start()
    yield live
    live.stop()
    northstar.close()


def _sign_in(page: object, email: str, password: str = PASSWORD) -> None:
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def test_sign_in_see_revenue_and_sign_out(server: LiveServer, page: object, artifacts: Path) -> None:
    page.goto(f"{server.url}/?date={DAY}")
    assert page.url == f"{server.url}/login?next=%2F%3Fdate%3D{DAY}"
    assert page.locator("h1").inner_text() == "Sign in"
    screenshot_both(page, "auth-login", artifacts)
    check_axe(page)

    _sign_in(page, "cfo@example.com", "not the password")
    assert page.locator(".form-error").inner_text() == "Wrong email or password."
    assert page.input_value("#email") == "cfo@example.com"

    _sign_in(page, "cfo@example.com")
    assert page.url == f"{server.url}/?date={DAY}"
    assert "£89.83" in page.locator("main").inner_text()
    assert page.locator(".user-menu").inner_text().startswith("cfo@example.com (executive)")

    page.click(".logout-form button")
    page.wait_for_load_state("load")
    assert page.url == f"{server.url}/login"
    page.goto(f"{server.url}/?date={DAY}")
    assert page.url.startswith(f"{server.url}/login?next="), "the session ended with the sign-out"


def test_a_viewer_sees_no_revenue_cards(server: LiveServer, page: object, artifacts: Path) -> None:
    page.goto(f"{server.url}/login?next=/%3Fdate%3D{DAY}")
    _sign_in(page, "viewer@example.com")
    assert page.url == f"{server.url}/?date={DAY}"
    main = page.locator("main").inner_text()
    assert "89.83" not in main
    assert "MRR" not in main and "Revenue" not in page.locator("main h2").all_inner_texts()
    assert "89.83" not in page.content()
    assert page.locator(".user-menu").inner_text().startswith("viewer@example.com (viewer)")
    screenshot_both(page, "auth-viewer-overview", artifacts)
    page.goto(f"{server.url}/revenue")
    assert "89.83" not in page.content()


def test_an_admin_adds_a_user_and_a_key(server: LiveServer, page: object, artifacts: Path) -> None:
    page.goto(f"{server.url}/login?next=/admin")
    _sign_in(page, "admin@example.com")
    assert page.url == f"{server.url}/admin"
    page.fill("#new-email", "ops@example.com")
    page.select_option("#new-role", "analyst")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#admin-result:not([hidden])")
    shown = page.locator("#admin-result").inner_text()
    assert shown.startswith("Created ops@example.com. Their password (shown only now): ")
    password = shown.rsplit(" ", 1)[-1]
    page.fill("#key-name", "BI tool")
    page.select_option("#key-role", "viewer")
    page.click("#key-form button[type=submit]")
    page.locator("#admin-result", has_text="Key BI tool").wait_for()
    assert "nsr_" in page.locator("#admin-result").inner_text()
    screenshot_both(page, "auth-admin", artifacts)
    check_axe(page)
    page.reload()
    assert "ops@example.com" in page.locator("#users-table").inner_text()
    assert "BI tool" in page.locator("#keys-table").inner_text()
    page.click(".logout-form button")
    page.wait_for_load_state("load")
    _sign_in(page, "ops@example.com", password)
    assert page.locator(".user-menu").inner_text().startswith("ops@example.com (analyst)")
