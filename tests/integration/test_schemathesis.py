"""Schemathesis against the OpenAPI document of the whole app on a real server: every operation,
called as an admin (a read key with the admin role) and without credentials, never answers 5xx
and answers only the status codes it documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import status_code_conformance

from northstar.app import Northstar
from northstar.config import Settings
from northstar.ingest.keys import create_key
from tests.conftest import LiveServer

CHECKS = [not_a_server_error, status_code_conformance]
MAX_EXAMPLES = 8


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """One server requiring credentials (no anonymous role; limits high enough for the run) and
    an admin read key. Module-scoped, so settings are built here rather than by ``make_settings``."""
    database = tmp_path_factory.mktemp("schemathesis") / "northstar.duckdb"
    northstar = Northstar(Settings(
        database=str(database), auth={"anonymous_role": None},
        security={"rate_limit_default": "1000000/hour", "rate_limit_financial": "1000000/hour"},
    ))
    key = create_key(northstar.store, "read", "schemathesis", role="admin")
    server = LiveServer(northstar).start()
    yield server, key
    server.stop()
    northstar.close()


def _load(server: LiveServer) -> schemathesis.BaseSchema:
    # A Server-Sent Events stream never ends; tests/integration covers it with a real client.
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json").exclude(path="/api/v1/events/stream")


def test_api_conforms_as_admin_and_anonymous(served: tuple[LiveServer, str]) -> None:
    """Each operation gets a few generated requests, sent with the admin key and without
    credentials. (Driven by hand rather than ``schema.parametrize``, whose lazy loader needs a
    pytest internal that pytest 9 removed.) Every failing operation is reported at the end."""
    server, key = served
    failures: list[str] = []
    checked: list[str] = []
    for result in _load(server).get_all_operations():
        operation = result.ok()
        checked.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS, timeout=60)
            case.call_and_validate(checks=CHECKS, timeout=60)

        try:
            check()
        except (Exception, FailureGroup) as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert {"GET /api/v1/audit", "POST /v1/batch", "GET /api/v1/metrics/{name}", "DELETE /api/v1/admin/keys/{key_id}",
            "POST /api/v1/metrics/alerts"} <= set(checked)


def test_the_document_lists_every_api_route(served: tuple[LiveServer, str]) -> None:
    server, _ = served
    paths = set(_load(server).raw_schema["paths"])
    assert {"/api/v1/audit", "/api/v1/audit/export", "/api/v1/metrics/{name}", "/v1/batch"} <= paths
