"""The alerts manager page and the overview's critical banner through a real uvicorn server, on
both backends: what the server renders for rules made through the API."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest

from northstar.app import Northstar
from northstar.config import Settings
from tests.conftest import LiveServer

API = "/api/v1/metrics/alerts"
# One user active on 2026-03-15 (the newest event's day, so the day evaluations look at).
EVENTS = [{"message_id": "e1", "type": "track", "event": "Form Created", "user_id": "u1",
           "timestamp": datetime(2026, 3, 15, 10), "received_at": datetime(2026, 3, 15, 10)}]

# PostgresStore.close() leaves the uvicorn thread's reader connection to the garbage collector.
pytestmark = pytest.mark.filterwarnings("ignore:<psycopg.Connection object at:ResourceWarning")


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as session:
        yield session


def create(client: httpx.Client, **fields: object) -> dict:
    answer = client.post(API, json=fields)
    assert answer.status_code == 201, answer.text
    return answer.json()


def row(html: str, name: str) -> str:
    """The rules-table row of the rule called ``name``."""
    match = re.search(r'<tr data-rule="[^"]+">\s*<th scope="row">' + re.escape(name) + r".*?</tr>", html, re.S)
    assert match, name
    return match.group(0)


def test_the_page_lists_the_rules_and_offers_the_catalog(client: httpx.Client) -> None:
    create(client, name="Low MRR", metric_name="mrr", alert_type="threshold", comparison="<",
           threshold_value=500000, severity="warning")
    page = client.get("/alerts")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Alerts</h1>" in html
    assert '<a href="/alerts" aria-current="page">All severities</a>' in html
    # The shipped defaults and the new rule, each with its condition text and state.
    assert "MRR &lt; £5,000.00" in row(html, "Low MRR")
    assert '<span class="badge badge-ok" data-state>OK</span>' in row(html, "Low MRR")
    assert "Error rate &gt; 0.1%" in row(html, "Error rate above 0.1 %")
    # The metric picker: catalog metrics grouped by family, with the unit the value is typed in.
    revenue = re.search(r'<optgroup label="Revenue">(.*?)</optgroup>', html, re.S).group(1)
    assert re.search(r'value="mrr" data-unit="money" data-unit-hint="In GBP, e.g. 5000 for 5,000.00."', revenue)
    performance = re.search(r'<optgroup label="System health">(.*?)</optgroup>', html, re.S).group(1)
    assert 'value="error_rate" data-unit="rate" data-unit-hint="In %, e.g. 5 for 5 %."' in performance
    assert "No alert is pending or firing." in html
    assert '<script src="/static/js/alerts.js" defer></script>' in html


def test_the_severity_filter_and_the_edit_form(client: httpx.Client) -> None:
    rule = create(client, name="Low MRR", metric_name="mrr", alert_type="threshold", comparison="<",
                  threshold_value=500000, severity="warning")
    critical = client.get("/alerts", params={"severity": "critical"}).text
    assert '<a href="/alerts?severity=critical" aria-current="page">Critical</a>' in critical
    assert "Error rate above 0.1 %" in critical and "Low MRR" not in critical
    assert client.get("/alerts", params={"severity": "urgent"}).status_code == 422

    edit = client.get("/alerts", params={"edit": rule["id"]}).text
    assert f'data-rule-id="{rule["id"]}"' in edit
    assert "Edit rule “Low MRR”" in edit
    # 500000 pence is typed as 5000 pounds.
    assert re.search(r'id="threshold-value"[^>]*value="5000"', edit, re.S)
    assert re.search(r'<option value="mrr"[^>]*selected>MRR</option>', edit)
    assert re.search(r'<option value="&lt;" selected>below \(&lt;\)</option>', edit)

    missing = client.get("/alerts", params={"edit": "nope"}).text
    assert "That rule does not exist" in missing and "<h2 id=\"rule-form-heading\">New rule</h2>" in missing
    assert "The rule was created." in client.get("/alerts", params={"notice": "created"}).text


def test_a_firing_critical_alert_is_a_banner_on_the_overview(client: httpx.Client, northstar: Northstar) -> None:
    northstar.write({"events": EVENTS}, source="test")
    overview = client.get("/").text
    assert re.search(r'<div class="alert-banner" role="alert" data-alert-banner hidden>', overview)

    rule = create(client, name="Anyone active", metric_name="dau", alert_type="threshold", comparison=">",
                  threshold_value=0, severity="critical", notification_channels=["in_app"])
    assert client.post(f"{API}/evaluate").json()["firing"] == [rule["id"]]

    overview = client.get("/").text
    banner = re.search(r'<div class="alert-banner" role="alert" data-alert-banner>(.*?)</div>', overview, re.S).group(1)
    assert "1 critical alert firing:" in banner
    assert "<li>DAU is 1 (DAU &gt; 0)</li>" in banner
    assert '<a href="/alerts?severity=critical">View critical alerts</a>' in banner
    assert client.get("/alerts/critical-banner").json() == {"lines": ["DAU is 1 (DAU > 0)"]}

    alerts = client.get("/alerts").text
    active = re.search(r'<article class="alert-item severity-critical" data-alert="' + rule["id"] + '".*?</article>',
                       alerts, re.S).group(0)
    assert '<span class="badge badge-firing" data-state>Firing</span>' in active
    assert "<strong data-value>1</strong>" in active
    assert 'value="ack"' in active and 'value="resolve"' in active


def test_channels_are_listed_with_their_credentials_hidden(client: httpx.Client) -> None:
    answer = client.post("/api/v1/notification-channels", json={
        "name": "ops-hook", "type": "webhook", "target": "https://hooks.example.com/in?token=s3cret"})
    assert answer.status_code == 201, answer.text
    html = client.get("/alerts").text
    channel = re.search(r'<tr data-channel="' + answer.json()["id"] + '">(.*?)</tr>', html, re.S).group(1)
    assert "https://hooks.example.com/in?…" in channel and "s3cret" not in html
    assert "Send test" in channel
    # The rule form offers the channel by name next to the kinds.
    assert re.search(r'<label for="channel-' + answer.json()["id"] + r'">ops-hook \(Webhook \(signed JSON\)\)</label>',
                     html)


def test_a_viewer_sees_no_rule_on_a_financial_metric(make_settings: Callable[..., Settings]) -> None:
    """The revenue family needs the executive role (``auth.family_roles``): a viewer is offered no
    revenue metric and sees no rule on one (its value would show)."""
    northstar = Northstar(make_settings(auth={"anonymous_role": "viewer"}))
    server = LiveServer(northstar).start()
    try:
        html = httpx.get(f"{server.url}/alerts", timeout=30).text
    finally:
        server.stop()
        northstar.close()
    assert "MRR growth below 10 % month over month" not in html and "Monthly churn above 5 %" not in html
    assert "Error rate above 0.1 %" in html
    assert '<optgroup label="Revenue">' not in html and 'value="dau"' in html
