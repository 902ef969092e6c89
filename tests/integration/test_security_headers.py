"""Security headers on every kind of response of a real server, HSTS only over HTTPS, CORS closed
by default, and errors that leak neither stack traces nor SQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.web.security.headers import CONTENT_SECURITY_POLICY
from tests.conftest import LiveServer

EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.fixture
def serve(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., LiveServer]]:
    """Start a real server over a DuckDB file with the given settings overrides."""
    started: list[tuple[LiveServer, Northstar]] = []

    def start(**overrides: object) -> LiveServer:
        northstar = Northstar(make_settings(**overrides))
        server = LiveServer(northstar).start()
        started.append((server, northstar))
        return server

    yield start
    for server, northstar in started:
        server.stop()
        northstar.close()


def _assert_hardened(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "camera=()" in response.headers["permissions-policy"]
    assert len(response.headers["x-request-id"]) == 16
    assert "strict-transport-security" not in response.headers


def test_every_kind_of_response_carries_the_headers(serve: Callable[..., LiveServer]) -> None:
    server = serve()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        page = client.get("/", headers={"Accept": "text/html"})
        api = client.get("/api/v1/metrics")
        missing = client.get("/no/such/page")
        static = client.get("/static/northstar.css")
        invalid = client.get("/api/v1/metrics/dau", params={"timeframe": "2w"})
        redirect = client.get("/login?next=/")
        not_allowed = client.delete("/api/v1/metrics")
    assert (page.status_code, api.status_code, missing.status_code, static.status_code) == (200, 200, 404, 200)
    assert (invalid.status_code, not_allowed.status_code) == (422, 405)
    assert page.headers["content-type"].startswith("text/html")
    assert static.headers["content-type"].startswith("text/css")
    for response in (page, api, missing, static, invalid, redirect, not_allowed):
        _assert_hardened(response)


def test_store_failures_answer_generically_without_sql(serve: Callable[..., LiveServer]) -> None:
    server = serve()
    server.northstar.store.execute_write("DROP TABLE performance_samples")
    with httpx.Client(base_url=server.url, timeout=60) as client:
        api = client.get("/api/v1/metrics/error_rate")
        page = client.get("/", headers={"Accept": "text/html"})
    assert api.status_code in (500, 503)
    body = api.json()
    assert set(body) == {"detail", "request_id"}
    assert body["request_id"] == api.headers["x-request-id"]
    assert page.status_code in (500, 503) and page.headers["content-type"].startswith("text/html")
    for response in (api, page):
        _assert_hardened(response)
        text = response.text.lower()
        for leak in ("performance_samples", "select", "traceback", "duckdb", 'file "'):
            assert leak not in text, leak
    assert f"<code>{page.headers['x-request-id']}</code>" in page.text


def test_hsts_only_over_https_from_a_trusted_proxy(serve: Callable[..., LiveServer]) -> None:
    direct = serve()
    proxied = serve(security={"trusted_proxies": ["127.0.0.1/32"], "hsts_max_age_seconds": 600})
    https = {"X-Forwarded-Proto": "https"}
    assert "strict-transport-security" not in httpx.get(f"{direct.url}/api/v1/metrics", headers=https).headers
    assert "strict-transport-security" not in httpx.get(f"{proxied.url}/api/v1/metrics").headers
    over_https = httpx.get(f"{proxied.url}/no/such/page", headers=https)
    assert over_https.status_code == 404
    assert over_https.headers["strict-transport-security"] == "max-age=600; includeSubDomains"


def test_https_scheme_gets_hsts(make_settings: Callable[..., Settings]) -> None:
    """A request whose own scheme is https (TLS ended by the ASGI server) gets HSTS."""
    from northstar.web.app import create_app

    async def fetch(northstar: Northstar) -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(northstar))
        async with httpx.AsyncClient(transport=transport, base_url="https://northstar.example") as client:
            return await client.get("/static/northstar.css")

    northstar = Northstar(make_settings())
    try:
        # A thread of its own: this worker's main thread may already run an event loop (Playwright's).
        with ThreadPoolExecutor(max_workers=1) as thread:
            response = thread.submit(asyncio.run, fetch(northstar)).result()
    finally:
        northstar.close()
    assert response.status_code == 200
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_cors_is_closed_unless_origins_are_listed(serve: Callable[..., LiveServer]) -> None:
    closed = serve()
    opened = serve(security={"cors_origins": ["https://board.example"]})
    preflight = {"Origin": "https://board.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    refused = httpx.options(f"{closed.url}/api/v1/metrics", headers=preflight)
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in httpx.get(
        f"{closed.url}/api/v1/metrics", headers={"Origin": "https://board.example"}).headers

    allowed = httpx.options(f"{opened.url}/api/v1/metrics", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://board.example"
    _assert_hardened(allowed)
    other = httpx.options(f"{opened.url}/api/v1/metrics", headers={**preflight, "Origin": "https://evil.example"})
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
