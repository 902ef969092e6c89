"""What ``northstar metrics`` and ``northstar refresh`` print: the bodies of the two commands, over
the metrics service (``cli.py`` only parses options and opens the façade).

``metrics NAME --json`` prints exactly the JSON of ``GET /api/v1/metrics/{name}`` (the same wire
model, serialised compactly as the API does); without a name, a table of the whole catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from northstar.domain.errors import InvalidInput
from northstar.metrics import snapshot
from northstar.metrics.results import MetricResult
from northstar.metrics.service import MetricsService

ZONE_STYLES = {"green": "green", "yellow": "yellow", "red": "red"}


def metric_json(service: MetricsService, name: str, day: date | None, timeframe: str,
                filters: Mapping[str, str]) -> str:
    """The API's JSON answer for metric ``name`` (``GET /api/v1/metrics/{name}``). Raises
    :class:`UnknownMetric` / :class:`InvalidInput` like :meth:`MetricsService.compute`."""
    from northstar.web.api.v1.metrics import metric_out

    return metric_out(service.compute(name, day or service.as_of(), timeframe, filters)).model_dump_json()


def _row(result: MetricResult) -> list[str]:
    zone = result.zone or ""
    shown = result.display if result.display is not None else f"[dim]{result.reason}[/dim]"
    change = "" if result.change_rate is None else f"{result.change_rate * 100:+.1f}%"
    return [result.name, result.label, shown, result.previous_display or "", change,
            f"[{ZONE_STYLES[zone]}]{zone}[/]" if zone else "", result.target_display or ""]


def print_metrics(console: Console, service: MetricsService, name: str | None, day: date | None, timeframe: str,
                  filters: Mapping[str, str], as_json: bool = False, explain: bool = False) -> None:
    """Print metric ``name`` (a table row, ``--json`` or ``--explain``), or every metric of the
    catalog that can take ``filters`` as one table. Raises :class:`UnknownMetric` or
    :class:`InvalidInput` (``--json``/``--explain`` need a NAME: field ``name``)."""
    on = day or service.as_of()
    if name is None and (as_json or explain):
        raise InvalidInput("name", "--json and --explain need a metric NAME")
    if name is not None and explain:
        console.print(service.explain(name, on, timeframe, filters), markup=False, highlight=False, soft_wrap=True)
        return
    if name is not None and as_json:
        console.print(metric_json(service, name, on, timeframe, filters), markup=False, highlight=False,
                      soft_wrap=True)
        return
    title = f"{on} over {timeframe}" + "".join(f", {key} = {value}" for key, value in filters.items())
    table = Table("metric", "value", "previous", "change", "zone", "target", title=title)
    # The name is what a user types next (`northstar metrics NAME`): never truncated or wrapped.
    table.columns.insert(0, Column("name", no_wrap=True, min_width=max(len(entry.spec.name) for entry in
                                                                        service.registry)))
    names = [name] if name is not None else [entry.spec.name for entry in service.registry]
    for metric in names:
        spec = service.registry.spec(metric)
        if name is None and filters and not _splittable(service, spec.name, filters):
            continue
        table.add_row(*_row(service.compute(metric, on, timeframe, filters)))
    console.print(table)


def _splittable(service: MetricsService, name: str, filters: Mapping[str, str]) -> bool:
    try:
        service.check_filters(service.registry.spec(name), filters)
    except InvalidInput:
        return False
    return True


def run_refresh(console: Console, service: MetricsService, rebuild: bool = False, since: date | None = None) -> None:
    """Refresh the daily snapshot with a progress bar — incremental, ``rebuild`` (every day), or
    every day from ``since`` to today — and print what was done. Raises :class:`InvalidInput`
    naming ``since`` when it is after today."""
    today = service.today()
    if since is not None and since > today:
        raise InvalidInput("since", f"{since} is after today ({today})")
    days = None if since is None else [since + timedelta(days=offset) for offset in range((today - since).days + 1)]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("refreshing the snapshot", total=None)

        def advance(done: int, total: int, day: date) -> None:
            progress.update(task, completed=done, total=total, description=f"refreshing the snapshot: {day}")

        report = snapshot.refresh(service, days=days, rebuild=rebuild, on_day=advance)
    if not report.days:
        console.print("snapshot up to date: no day to recompute")
        return
    console.print(f"{report.mode}: {len(report.days)} days ({report.days[0]} to {report.days[-1]}) × "
                  f"{len(report.metrics)} metrics in {report.seconds:.1f} s")
