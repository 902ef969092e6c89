"""Rate limits on a real server: per IP, per key, the financial and ingestion classes, login brute
force, and counters shared through Redis by two servers."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from northstar.app import Northstar
from northstar.auth.users import create_user
from northstar.config import Settings
from northstar.ingest.keys import create_key
from northstar.web.security.ratelimit import KEY_PREFIX
from tests.conftest import LiveServer

PASSWORD = "correct horse battery staple"
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def serve(make_settings: Callable[..., Settings], tmp_path) -> Iterator[Callable[..., LiveServer]]:
    """Start real servers, each over its own DuckDB file, with the given settings overrides."""
    started: list[tuple[LiveServer, Northstar]] = []

    def start(**overrides: object) -> LiveServer:
        overrides.setdefault("database", str(tmp_path / f"server{len(started)}.duckdb"))
        northstar = Northstar(make_settings(**overrides))
        server = LiveServer(northstar).start()
        started.append((server, northstar))
        return server

    yield start
    for server, northstar in started:
        server.stop()
        northstar.close()


def _refused(response: httpx.Response, limit: str, longest_wait: int = 60) -> None:
    assert response.status_code == 429, response.text
    assert longest_wait - 100 < int(response.headers["retry-after"]) <= longest_wait
    assert response.json()["detail"].startswith(f"too many requests: the limit is {limit}; retry in ")
    assert response.headers["x-frame-options"] == "DENY"


def test_anonymous_requests_are_counted_per_ip(serve: Callable[..., LiveServer]) -> None:
    server = serve(security={"rate_limit_default": "3/minute"})
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert [client.get("/api/v1/metrics").status_code for _ in range(3)] == [200, 200, 200]
        _refused(client.get("/api/v1/metrics"), "3 per 1 minute")
        assert [client.get("/static/northstar.css").status_code for _ in range(5)] == [200] * 5


def test_keys_are_counted_apart(serve: Callable[..., LiveServer]) -> None:
    server = serve(security={"rate_limit_default": "2/minute"}, auth={"anonymous_role": None})
    first = {"Authorization": f"Bearer {create_key(server.northstar.store, 'read', 'one', role='viewer')}"}
    second = {"Authorization": f"Bearer {create_key(server.northstar.store, 'read', 'two', role='viewer')}"}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert [client.get("/api/v1/metrics", headers=first).status_code for _ in range(2)] == [200, 200]
        _refused(client.get("/api/v1/metrics", headers=first), "2 per 1 minute")
        assert [client.get("/api/v1/metrics", headers=second).status_code for _ in range(2)] == [200, 200]
        _refused(client.get("/api/v1/metrics", headers=second), "2 per 1 minute")


def test_financial_metrics_have_their_own_lower_limit(serve: Callable[..., LiveServer]) -> None:
    server = serve(security={"rate_limit_financial": "2/hour", "rate_limit_default": "50/hour"})
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert [client.get("/api/v1/metrics/mrr").status_code for _ in range(2)] == [200, 200]
        _refused(client.get("/api/v1/metrics/arr"), "2 per 1 hour", longest_wait=3600)
        assert client.get("/api/v1/metrics/dau").status_code == 200


def test_ingestion_has_its_own_limit(serve: Callable[..., LiveServer]) -> None:
    server = serve(security={"rate_limit_ingest": "2/minute", "rate_limit_default": "50/minute"})
    key = create_key(server.northstar.store, "write", "site")
    event = {"userId": "u1", "event": "Signed Up", "timestamp": "2026-03-02T09:00:00Z"}
    with httpx.Client(base_url=server.url, timeout=60, auth=(key, "")) as client:
        assert [client.post("/v1/track", json=event).status_code for _ in range(2)] == [200, 200]
        _refused(client.post("/v1/track", json=event), "2 per 1 minute")
    assert httpx.get(f"{server.url}/api/v1/metrics", timeout=60).status_code == 200


def _login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    html = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token, html[:300]
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})


def test_sixth_wrong_password_in_a_minute_is_refused(serve: Callable[..., LiveServer]) -> None:
    server = serve(auth={"anonymous_role": None})
    create_user(server.northstar.store, "ada@example.com", "admin", PASSWORD)
    create_user(server.northstar.store, "bob@example.com", "viewer", PASSWORD)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert [_login(client, "ada@example.com", "guess").status_code for _ in range(5)] == [401] * 5
        sixth = _login(client, "ADA@example.com", "guess")
        assert sixth.status_code == 429
        assert 1 <= int(sixth.headers["retry-after"]) <= 60
        assert _login(client, "ada@example.com", PASSWORD).status_code == 429
        assert _login(client, "bob@example.com", PASSWORD).status_code == 429
        assert "northstar_session" not in client.cookies


def test_correct_login_works_after_the_window(serve: Callable[..., LiveServer]) -> None:
    server = serve(auth={"anonymous_role": None}, security={"login_attempts": "5 per 15 seconds"})
    create_user(server.northstar.store, "ada@example.com", "admin", PASSWORD)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert [_login(client, "ada@example.com", "guess").status_code for _ in range(5)] == [401] * 5
        refused = _login(client, "ada@example.com", PASSWORD)
        assert refused.status_code == 429
        time.sleep(int(refused.headers["retry-after"]) + 0.2)
        accepted = _login(client, "ada@example.com", PASSWORD)
        assert accepted.status_code == 303
        assert "northstar_session" in client.cookies


@pytest.fixture
def shared_redis() -> Iterator[redis.Redis]:
    """Redis database 15, without Northstar's counters before and after the test."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")

    def clear() -> None:
        for key in client.scan_iter(f"{KEY_PREFIX}*"):
            client.delete(key)

    clear()
    yield client
    clear()
    client.close()


def test_redis_counters_are_shared_by_two_servers(serve: Callable[..., LiveServer],
                                                  shared_redis: redis.Redis) -> None:
    limits = {"rate_limit_storage": REDIS_URL, "rate_limit_default": "3/minute"}
    first, second = serve(security=limits), serve(security=limits)
    assert [httpx.get(f"{first.url}/api/v1/metrics", timeout=60).status_code for _ in range(2)] == [200, 200]
    assert httpx.get(f"{second.url}/api/v1/metrics", timeout=60).status_code == 200
    _refused(httpx.get(f"{second.url}/api/v1/metrics", timeout=60), "3 per 1 minute")
    _refused(httpx.get(f"{first.url}/api/v1/metrics", timeout=60), "3 per 1 minute")
    assert next(shared_redis.scan_iter(f"{KEY_PREFIX}*"), None) is not None


def test_clients_behind_a_trusted_proxy_are_counted_apart(serve: Callable[..., LiveServer]) -> None:
    server = serve(security={"rate_limit_default": "2/minute", "trusted_proxies": ["127.0.0.1"]})
    with httpx.Client(base_url=server.url, timeout=60) as client:
        first, second = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
        assert [client.get("/api/v1/metrics", headers=first).status_code for _ in range(2)] == [200, 200]
        _refused(client.get("/api/v1/metrics", headers=first), "2 per 1 minute")
        assert client.get("/api/v1/metrics", headers=second).status_code == 200
