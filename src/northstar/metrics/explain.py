"""``explain``: the SQL a metric runs, as text (DESIGN.md, house practice 2).

The metric is computed once, uncached, on the calling thread's reader backend, and every query it
executes there is captured with ``ibis.to_sql(expr, dialect=backend.name)`` — the backend's
``execute`` is wrapped for the duration of the call (each thread has a reader of its own, so no
other computation is affected). The text lists the queries in the order they ran, each preceded by
a ``-- query i of n`` comment; the last one is normally the metric's main query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.registry import Metric


@contextmanager
def recording(backend: ibis.BaseBackend) -> Iterator[list[str]]:
    """Collect the SQL of every expression ``backend`` executes inside the ``with`` block."""
    captured: list[str] = []
    original = backend.execute

    def execute(expr: ir.Expr, *args: Any, **kwargs: Any) -> Any:
        captured.append(str(ibis.to_sql(expr, dialect=backend.name)))
        return original(expr, *args, **kwargs)

    backend.execute = execute  # type: ignore[method-assign]
    try:
        yield captured
    finally:
        del backend.execute


def explain_sql(
    entry: Metric, backend: ibis.BaseBackend, settings: Settings, window: Window, timeframe: str,
    filters: dict[str, str],
) -> str:
    """The SQL text of the queries ``entry`` runs on ``backend`` on the last day of ``window`` for
    ``filters`` (already checked), after a ``--`` header naming the metric, day, timeframe, backend
    and filters. Errors of the metric function propagate."""
    context = MetricContext(backend, settings, window.end - timedelta(days=1), window, filters)
    with recording(backend) as queries:
        entry.compute(context)
    header = f"-- {entry.spec.name} on {context.day} over {timeframe} ({backend.name})"
    if filters:
        header += ", " + ", ".join(f"{key} = {value!r}" for key, value in filters.items())
    parts = [f"-- query {index} of {len(queries)}\n{sql.strip()};" for index, sql in enumerate(queries, start=1)]
    return "\n\n".join([header, *parts]) if parts else header + "\n-- (no query: computed without the store)"
