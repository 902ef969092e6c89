"""Nearest-rank 95th percentiles on both backends: the same hand-worked value on DuckDB and
PostgreSQL (METRICS.md § Product performance)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from northstar.app import Northstar
from northstar.metrics.service import MetricsService

D = date(2026, 3, 15)  # 7d window: 2026-03-09 00:00 .. 2026-03-16 00:00 UTC
START = datetime(2026, 3, 9)


def _sample(sample: str, kind: str, at: datetime, duration: float | None) -> dict[str, object]:
    return {"sample_id": sample, "kind": kind, "recorded_at": at, "duration_ms": duration}


# 20 page loads, recorded out of order: 100, 200, ..., 1800 ms, then 5000 and 9000 ms.
PAGE_LOADS = [100.0 * step for step in range(1, 19)] + [5000.0, 9000.0]
SAMPLES = [
    _sample(f"p{index}", "page_load", START + timedelta(hours=7 * ((index * 7) % 20)), duration)
    for index, duration in enumerate(PAGE_LOADS)
] + [
    _sample("p-late", "page_load", datetime(2026, 3, 16), 99999.0),     # after D
    _sample("p-none", "page_load", datetime(2026, 3, 12), None),         # no duration
    # 7 API requests with ties: 5, 5, 5, 10, 10, 30, 30 ms.
    *(_sample(f"a{index}", "api_request", datetime(2026, 3, 10, index), duration)
      for index, duration in enumerate([30.0, 5.0, 10.0, 5.0, 30.0, 5.0, 10.0])),
]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"performance_samples": SAMPLES}, source="test")
    return MetricsService(northstar.store, northstar.settings)


def test_p95_page_load_is_the_nearest_rank_sample(service: MetricsService) -> None:
    # n = 20: rank ceil(0.95 × 20) = 19 → the 19th smallest, 5000 ms. (An interpolating percentile would
    # give 5000 + 0.05 × (9000 − 5000) = 5200 on one backend and something else on another.)
    result = service.compute("p95_page_load_time_ms", D, "7d")
    assert (result.value, result.display) == (5000, "5,000 ms")
    # Mean: (100 + ... + 1800 = 17100) + 5000 + 9000 = 31100 / 20 = 1555 ms.
    assert service.compute("avg_page_load_time_ms", D, "7d").value == 1555


def test_p95_api_response_with_ties(service: MetricsService) -> None:
    # n = 7: rank ceil(0.95 × 7) = ceil(6.65) = 7 → sorted 5, 5, 5, 10, 10, 30, 30 → 30 ms.
    assert service.compute("p95_api_response_time_ms", D, "7d").value == 30
    none = service.compute("p95_api_response_time_ms", date(2026, 3, 9), "1d")
    assert (none.value, none.reason) == (None, "undefined: no api_request samples in the window")
