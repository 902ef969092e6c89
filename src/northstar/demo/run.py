"""``northstar demo``: generate the wedding-platform demo, load it month by month with a progress
bar, create a write key, compute the headline metrics and serve the dashboard (or, with
``serve=False``, print a summary and stop).

This is an adapter (it prints and exits like the CLI); the data comes from ``generator.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from northstar.config import get_settings
from northstar.demo.generator import TABLE_ORDER, DemoData, check_size
from northstar.demo.store_guard import DEMO_ADMIN_EMAIL, DEMO_KEY_NAME, DEMO_SOURCE, DemoRefused, prepare_store
from northstar.domain.errors import InvalidInput, NorthstarError

if TYPE_CHECKING:
    from northstar.app import Northstar

HEADLINE_METRICS = ("mrr", "total_users", "paying_customers", "mau", "k_factor", "monthly_churn_rate")


@dataclass(slots=True)
class DemoSummary:
    """What a demo run did: ``rows`` written per table, ``seconds`` spent generating and loading,
    the store's ``location``, whether an earlier demo was ``replaced``, the write ``key`` (``None``
    when key management is unavailable), the demo admin's ``admin_email`` and generated
    ``admin_password`` and the headline ``metrics`` (name → display text)."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    location: str = ""
    replaced: bool = False
    key: str | None = None
    admin_email: str | None = None
    admin_password: str | None = None
    metrics: dict[str, str] = field(default_factory=dict)


def run_demo(
    console: Console,
    suppliers: int = 1500,
    months: int = 18,
    seed: int = 7,
    port: int | None = None,
    serve: bool = True,
    end: date | None = None,
    database: str | None = None,
) -> DemoSummary:
    """Generate and load the demo into the configured database (or ``database``), data ending at
    midnight UTC of ``end`` (default: today, UTC), then serve it on ``port`` (default from settings)
    unless ``serve`` is false.

    Returns the :class:`DemoSummary` when not serving (serving runs until interrupted). Raises
    ``typer.Exit(2)`` after printing why for a size below 1 and ``typer.Exit(1)`` when the store
    cannot be opened or holds non-demo data (see ``store_guard.py``); nothing is written then.
    """
    from northstar.app import Northstar

    end = end or datetime.now(UTC).date()
    try:
        check_size(suppliers, months)
    except InvalidInput as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    settings = get_settings()
    if database is not None:
        settings = settings.model_copy(update={"database": database})
    try:
        northstar = Northstar(settings)
    except NorthstarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    try:
        summary = _fill(console, northstar, suppliers, months, seed, end)
    except DemoRefused as exc:
        northstar.close()
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    except BaseException:
        northstar.close()
        raise
    if not serve:
        northstar.close()
        return summary
    from northstar.web.server import run

    run(northstar, settings.host, port if port is not None else settings.port)
    return summary


def _fill(console: Console, northstar: Northstar, suppliers: int, months: int, seed: int, end: date) -> DemoSummary:
    """Clear room (raises :class:`DemoRefused`), generate and load, create the key, compute and
    print the summary."""
    summary = DemoSummary(location=northstar.store.location)
    summary.replaced = prepare_store(northstar.store) == "replaced"
    if summary.replaced:
        console.print(f"Replacing the earlier demo in {summary.location}.")
    started = time.perf_counter()
    with console.status(f"Drawing the population of {suppliers:,} suppliers over {months} months..."):
        data = DemoData(seed, suppliers, months, end)
    _load(console, northstar, data, summary)
    summary.seconds = time.perf_counter() - started
    summary.key = _create_key(northstar)
    summary.admin_email, summary.admin_password = _create_admin(northstar)
    summary.metrics = _headline_metrics(northstar, end - timedelta(days=1))
    _print_summary(console, summary)
    return summary


def _load(console: Console, northstar: Northstar, data: DemoData, summary: DemoSummary) -> None:
    """Generate and write ``data`` month by month (one transaction per :meth:`DemoData.writes`
    batch), counting rows into ``summary``."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[events]:,} events"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("generating", total=data.months, events=0)
        events = 0
        for index, label in enumerate(data.timeline.boundaries[:-1]):
            progress.update(task, description=f"{label:%Y-%m-%d} month {index + 1}: generating")
            for batch in data.writes(index):
                progress.update(task, description=f"{label:%Y-%m-%d} month {index + 1}: loading "
                                                  f"{batch['events'].num_rows:,} events")
                northstar.write(batch, source=DEMO_SOURCE)
                for name, table in batch.items():
                    summary.rows[name] = summary.rows.get(name, 0) + table.num_rows
                events += batch["events"].num_rows
                progress.update(task, events=events, description=f"{label:%Y-%m-%d} month {index + 1}: generating")
            progress.update(task, advance=1)
        progress.update(task, description="loaded")


def _create_key(northstar: Northstar) -> str | None:
    try:
        from northstar.ingest.keys import create_key
    except ImportError:
        return None
    return create_key(northstar.store, kind="write", name=DEMO_KEY_NAME)


def _create_admin(northstar: Northstar) -> tuple[str, str]:
    """Create the demo's admin user with a generated password; returns ``(email, password)``."""
    from northstar.auth.passwords import generate_password
    from northstar.auth.users import create_user

    password = generate_password()
    create_user(northstar.store, DEMO_ADMIN_EMAIL, "admin", password)
    return DEMO_ADMIN_EMAIL, password


def _headline_metrics(northstar: Northstar, day: date) -> dict[str, str]:
    """Display text of the headline metrics on ``day``, computed through the metrics service
    (which also warms its cache for the dashboard); empty when the service is unavailable."""
    try:
        from northstar.metrics.service import service_for
    except ImportError:
        return {}
    service = service_for(northstar)
    shown: dict[str, str] = {}
    for name in (name for name in HEADLINE_METRICS if name in service.registry):
        try:
            shown[name] = service.compute(name, day=day).display
        except NorthstarError:
            continue
    return shown


def _print_summary(console: Console, summary: DemoSummary) -> None:
    table = Table("table", "rows", title=f"Demo loaded into {summary.location} in {summary.seconds:.1f} s")
    for name in TABLE_ORDER:
        table.add_row(name, f"{summary.rows.get(name, 0):,}")
    console.print(table)
    if summary.metrics:
        metrics = Table("metric", "value", title="Headline metrics on the last day of data")
        for name, display in summary.metrics.items():
            metrics.add_row(name, display)
        console.print(metrics)
    if summary.key:
        console.print(f"Write key for the demo (shown once): [bold]{summary.key}[/bold]")
    if summary.admin_email:
        console.print(f"Sign in as [bold]{summary.admin_email}[/bold] with the password "
                      f"[bold]{summary.admin_password}[/bold] (shown once; an admin).")
