"""Shared fixtures: real stores (a DuckDB file, the PostgreSQL server) and a real uvicorn server.

PostgreSQL tests run against ``NORTHSTAR_TEST_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432/test``), each test in a schema of its own that is dropped
afterwards. Without a server they skip with the reason, unless ``NORTHSTAR_REQUIRE_POSTGRES=1``
(set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import uvicorn

from northstar.app import Northstar
from northstar.config import Settings

POSTGRES_URL = os.environ.get("NORTHSTAR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).parent / "data"


def _postgres_available() -> str | None:
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL URL, after checking the server answers."""
    problem = _postgres_available()
    if problem:
        if os.environ.get("NORTHSTAR_REQUIRE_POSTGRES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend: a DuckDB file, then a PostgreSQL schema."""
    if request.param == "duckdb":
        return str(tmp_path / "northstar.duckdb")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings for a test; ``database`` defaults to a DuckDB file in ``tmp_path`` and ``auth``
    to ``{"anonymous_role": "admin"}`` (tests not about access control need no login); pass
    ``auth={"anonymous_role": None}`` to require it."""

    def build(**overrides: object) -> Settings:
        overrides.setdefault("database", str(tmp_path / "northstar.duckdb"))
        overrides.setdefault("auth", {"anonymous_role": "admin"})
        return Settings(**overrides)

    return build


@pytest.fixture
def cli_duckdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A DuckDB file that the ``northstar`` command (run in-process) uses: ``NORTHSTAR_DATABASE``
    points at it, no ``northstar.toml`` is read, and the cached settings are reset around the test."""
    from northstar.config import get_settings

    path = tmp_path / "cli.duckdb"
    monkeypatch.setenv("NORTHSTAR_DATABASE", str(path))
    monkeypatch.setenv("NORTHSTAR_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def northstar(database: str, make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    """A Northstar over a fresh store, on each backend."""
    instance = Northstar(make_settings(database=database))
    yield instance
    instance.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """A real uvicorn server running the Northstar app in a background thread."""

    def __init__(self, northstar: Northstar) -> None:
        from northstar.web.app import create_app

        self.northstar = northstar
        # The socket is bound here and handed to uvicorn, so no other test can take the port between
        # choosing it and listening on it (as a free_port() probe would allow under pytest-xdist).
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        # As `northstar serve`: X-Forwarded-* headers are judged by security.trusted_proxies, not uvicorn.
        config = uvicorn.Config(create_app(northstar), host="127.0.0.1", port=self.port, log_level="warning",
                                proxy_headers=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()


@pytest.fixture
def live_server(northstar: Northstar) -> Iterator[LiveServer]:
    """A real ``northstar serve`` (uvicorn on a free port) over the ``northstar`` fixture."""
    server = LiveServer(northstar).start()
    yield server
    server.stop()
