"""The metrics service computes a cached intermediate result once when several threads ask for it
at the same time (the refresh's parallel metrics, concurrent dashboard requests), and a failed
computation leaves the next asker to compute it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.metrics.service import MetricsService


def test_concurrent_askers_wait_for_one_computation(database: str, make_settings: Callable[..., Settings]) -> None:
    northstar = Northstar(make_settings(database=database))
    service = MetricsService(northstar.store, northstar.settings)
    calls: list[int] = []
    started = threading.Barrier(4)

    def slow() -> int:
        calls.append(1)
        time.sleep(0.3)
        return 42

    answers: list[int] = []

    def ask() -> None:
        started.wait()
        answers.append(service._cached(("shared part",), slow))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [42, 42, 42, 42] and len(calls) == 1

    def failing() -> int:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        service._cached(("broken part",), failing)
    assert service._cached(("broken part",), lambda: 7) == 7
    northstar.close()
