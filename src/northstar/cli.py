"""The ``northstar`` command line: a thin adapter over the :class:`northstar.app.Northstar` façade.

Each command parses its options, calls a service and prints; the work lives in the services.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from northstar.config import Settings, get_settings
from northstar.domain.errors import NorthstarError

if TYPE_CHECKING:
    from northstar.app import Northstar

app = typer.Typer(help="Northstar: success metrics for platforms.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
users_app = typer.Typer(help="Create, list and manage the people who sign in to Northstar.", no_args_is_help=True)
app.add_typer(users_app, name="users")
alerts_app = typer.Typer(help="Evaluate and list alert rules.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
console = Console()


def _open(settings: Settings | None = None) -> Northstar:
    # Imported here so that `northstar --help` does not load the store and metric stack.
    from northstar.app import Northstar

    try:
        return Northstar(settings or get_settings())
    except NorthstarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def migrate() -> None:
    """Apply pending store migrations."""
    from northstar.store import open_store

    store = open_store(get_settings().database, migrate=False)
    applied = store.migrate()
    typer.echo(f"{store.location}: " + (f"applied {applied}" if applied else "up to date"))
    store.close()


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print the store's location and backend, row counts, the newest event and the rejected count."""
    from northstar.store.status import store_status

    northstar = _open()
    report = store_status(northstar.store)
    northstar.close()
    if as_json:
        typer.echo(json.dumps(report, default=str, indent=2))
        return
    console.print(f"[bold]{report['backend']}[/bold] store at {report['location']}")
    table = Table("table", "rows")
    for name, count in report["tables"].items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(f"newest event: {report['newest_event'] or 'none'}")
    console.print(f"rejected input: {report['rejected']:,}")


@keys_app.command("create")
def keys_create(
    kind: Annotated[str, typer.Option(help="write (ingestion) or read (API).")],
    name: Annotated[str, typer.Option(help="A name to recognise the key by.")],
    role: Annotated[str | None, typer.Option(help="Role of a read key: viewer, analyst, executive or admin.")] = None,
) -> None:
    """Create a key and print it once: only its hash is stored."""
    from northstar.audit import record_cli
    from northstar.ingest.keys import create_key, verify_key

    northstar = _open()
    try:
        key = create_key(northstar.store, kind=kind, name=name, role=role)
        created = verify_key(northstar.store, key, kind)
        record_cli(northstar.store, "key.create", created["id"] if created else None,
                   {"kind": kind, "name": name, "role": role})
    except NorthstarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        northstar.close()
    console.print(f"{kind} key {name!r} created; it is shown only this once:")
    typer.echo(key)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (never their secrets)."""
    from northstar.ingest.keys import list_keys

    northstar = _open()
    table = Table("id", "name", "kind", "role", "prefix", "created", "revoked")
    for key in list_keys(northstar.store):
        table.add_row(*(str(value) if value is not None else "" for value in key.values()))
    northstar.close()
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (see `keys list`).")]) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from northstar.audit import record_cli
    from northstar.ingest.keys import revoke_key

    northstar = _open()
    revoked = revoke_key(northstar.store, key_id)
    if revoked:
        record_cli(northstar.store, "key.revoke", key_id)
    northstar.close()
    if not revoked:
        console.print(f"[red]error:[/red] no active key {key_id!r}")
        raise typer.Exit(1)
    console.print(f"revoked {key_id}")


def _user_command(action: Callable[[Northstar], str]) -> None:
    northstar = _open()
    try:
        console.print(action(northstar))
    except NorthstarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        northstar.close()


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The user's email, which they sign in with.")],
    role: Annotated[str, typer.Option(help="viewer, analyst, executive or admin.")],
    password: Annotated[str | None, typer.Option(help="The password (at least 10 characters); default: asked "
                                                 "for without echo, or generated and printed when not "
                                                 "interactive.")] = None,
) -> None:
    """Create a user who signs in with EMAIL and the password."""
    import sys

    from northstar.audit import record_cli
    from northstar.auth.passwords import generate_password
    from northstar.auth.users import create_user

    generated = None
    if password is None:
        if sys.stdin.isatty():
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = generated = generate_password()

    def create(northstar: Northstar) -> str:
        user = create_user(northstar.store, email, role, password)
        record_cli(northstar.store, "user.create", user.email, {"role": user.role})
        return f"created {user.role} {user.email} ({user.id})"

    _user_command(create)
    if generated is not None:
        console.print("generated password (shown only this once):")
        typer.echo(generated)


@users_app.command("list")
def users_list() -> None:
    """List users with their role and whether they are disabled."""
    from northstar.auth.users import list_users

    northstar = _open()
    table = Table("id", "email", "role", "created", "disabled")
    for user in list_users(northstar.store):
        table.add_row(user.id, user.email, user.role, str(user.created_at), "yes" if user.disabled else "")
    northstar.close()
    console.print(table)


@users_app.command("disable")
def users_disable(
    user: Annotated[str, typer.Argument(help="The user's email or id.")],
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable the user instead.")] = False,
) -> None:
    """Disable a user (they cannot sign in; their sessions end at once), or re-enable them."""
    from northstar.audit import record_cli
    from northstar.auth.users import set_disabled

    def change(northstar: Northstar) -> str:
        changed = set_disabled(northstar.store, user, disabled=not enable)
        record_cli(northstar.store, "user.enable" if enable else "user.disable", changed.email)
        return f"{'enabled' if enable else 'disabled'} {changed.email}"

    _user_command(change)


@users_app.command("set-role")
def users_set_role(
    user: Annotated[str, typer.Argument(help="The user's email or id.")],
    role: Annotated[str, typer.Argument(help="viewer, analyst, executive or admin.")],
) -> None:
    """Change a user's role (effective from their next request)."""
    from northstar.audit import record_cli
    from northstar.auth.users import set_role

    def change(northstar: Northstar) -> str:
        changed = set_role(northstar.store, user, role)
        record_cli(northstar.store, "user.role_change", changed.email, {"role": changed.role})
        return f"{changed.email} is now {role}"

    _user_command(change)


@app.command("import")
def import_file(
    kind: Annotated[str, typer.Argument(help="events, users, subscriptions, invitations, collaborations, "
                                        "tickets, surveys, performance or spend.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv, .jsonl or .parquet file.")],
    mapping: Annotated[list[str] | None, typer.Option("--map", help="field=column, repeatable.")] = None,
    event: Annotated[str | None, typer.Option(help="Event name for a file without an event column.")] = None,
    columns: Annotated[str | None, typer.Option(help="Comma-separated column names of a headerless file.")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Field delimiter: a character, \\t, or 'whitespace' "
                                                  "(runs of blanks, as in the CDNOW log).")] = None,
    header: Annotated[bool | None, typer.Option("--header/--no-header", help="Whether the first line names "
                                                "the columns (default: yes, unless --columns is given).")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of event revenue without one "
                                                 "(default: the reporting currency).")] = None,
) -> None:
    """Import a file in one transaction: all valid rows or nothing; rejected rows are listed."""
    from northstar.ingest.importers import FileOptions, import_path
    from northstar.ingest.importers.report import print_report

    options = FileOptions(
        columns=tuple(name.strip() for name in columns.split(",")) if columns else (),
        delimiter=delimiter, header=header,
    )
    northstar = _open()
    try:
        report = import_path(northstar, kind, file, mapping=mapping or [], event=event, progress=True,
                             options=options, currency=currency)
    except NorthstarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        northstar.close()
    print_report(console, report)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Serve ingestion, the API and the dashboard."""
    from northstar.web.server import run

    settings = get_settings()
    run(_open(settings), host or settings.host, port if port is not None else settings.port)


@app.command()
def demo(
    suppliers: Annotated[int, typer.Option(help="Suppliers to generate.")] = 1500,
    months: Annotated[int, typer.Option(help="Months of history.")] = 18,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 7,
    port: Annotated[int | None, typer.Option(help="Port to serve on.")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after loading and computing.")] = False,
    end: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                 help="Data ends the day before this (default: today, UTC).")] = None,
) -> None:
    """Generate the wedding-platform demo data, load it, compute the metrics and serve the dashboard."""
    from northstar.demo.run import run_demo

    run_demo(console, suppliers=suppliers, months=months, seed=seed, port=port, serve=not no_serve,
             end=end.date() if end else None)



DayOption = Annotated[datetime | None, typer.Option("--date", formats=["%Y-%m-%d"],
                                                    help="Reporting day (default: today, or the newest event's "
                                                         "day if earlier).")]


@app.command()
def metrics(
    name: Annotated[str | None, typer.Argument(help="A catalog metric (default: the whole catalog).")] = None,
    day: DayOption = None,
    timeframe: Annotated[str, typer.Option(help="Window ending on the day: 7d, 30d, 90d, 1y.")] = "30d",
    user_type: Annotated[str | None, typer.Option(help="Only users of this type.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON for NAME.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Print the SQL NAME runs.")] = False,
) -> None:
    """Print metric values as the API computes them (a table, --json or --explain)."""
    from northstar.metrics.cli_output import print_metrics
    from northstar.metrics.service import service_for

    northstar = _open()
    try:
        print_metrics(console, service_for(northstar), name, day.date() if day else None, timeframe,
                      {"user_type": user_type} if user_type else {}, as_json=as_json, explain=explain)
    except NorthstarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        northstar.close()


@app.command()
def refresh(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Recompute every day from the first data.")] = False,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                   help="Recompute every day from this one to today.")] = None,
) -> None:
    """Refresh the daily snapshot (success_metrics): the days new data changed, or --rebuild / --since."""
    from northstar.metrics.cli_output import run_refresh
    from northstar.metrics.service import service_for

    northstar = _open()
    try:
        run_refresh(console, service_for(northstar), rebuild=rebuild, since=since.date() if since else None)
    except NorthstarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        northstar.close()


@alerts_app.command("check")
def alerts_check(
    no_deliver: Annotated[bool, typer.Option("--no-deliver", help="Evaluate only; leave notifications "
                                             "queued.")] = False,
    fail_on_firing: Annotated[bool, typer.Option("--fail-on-firing", help="Exit with status 3 when an alert "
                                                 "is firing.")] = False,
) -> None:
    """Evaluate every alert rule once and deliver due notifications (for cron)."""
    from northstar.alerts.cli_output import run_check
    from northstar.alerts.service import alerts_for

    northstar = _open()
    try:
        report = run_check(console, alerts_for(northstar), deliver=not no_deliver)
    finally:
        northstar.close()
    if fail_on_firing and report.firing:
        raise typer.Exit(3)


@alerts_app.command("list")
def alerts_list(
    state: Annotated[str, typer.Option(help="active (pending or firing), all, or one state.")] = "all",
    severity: Annotated[str | None, typer.Option(help="critical, warning or info.")] = None,
) -> None:
    """List alert rules with their state."""
    from northstar.alerts.cli_output import print_alerts
    from northstar.alerts.service import alerts_for

    northstar = _open()
    try:
        print_alerts(console, alerts_for(northstar).list(state=state, severity=severity))
    finally:
        northstar.close()


if __name__ == "__main__":
    app()
