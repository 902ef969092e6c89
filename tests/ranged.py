"""A metric's values on many days computed one day at a time and by its range computation, for
the tests that check the two are equal (``Metric.compute_days``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from northstar.app import Northstar
from northstar.domain.time import Window
from northstar.metrics.results import Measurement
from northstar.metrics.service import MetricsService


def per_day(northstar: Northstar, name: str, days: Sequence[date], length: int,
            filters: dict[str, str] | None = None) -> dict[date, Measurement]:
    """``name`` on each of ``days`` over the ``length`` days ending on it, computed day by day by a
    fresh service, never from the snapshot."""
    service = MetricsService(northstar.store, northstar.settings)
    spec = service.registry.spec(name)
    return {day: service.measure(spec, day, Window.ending_on(day, length), filters or {}, snapshot=False)
            for day in days}


def ranged(northstar: Northstar, name: str, days: Sequence[date], length: int,
           filters: dict[str, str] | None = None) -> dict[date, Measurement]:
    """The same values from the metric's range computation (which it must have) by a fresh service."""
    service = MetricsService(northstar.store, northstar.settings)
    assert service.registry.get(name).compute_days is not None, name
    return service.measure_days(service.registry.spec(name), days, length, filters or {}, snapshot=False)
