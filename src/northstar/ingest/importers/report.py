"""What an import did (:class:`ImportReport`) and how the CLI prints it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused row: its ``line`` (see ``readers``), the ``field`` at fault and the ``reason``."""

    line: int
    field: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    """The outcome of one committed import of ``path`` as ``kind`` into ``table``.

    ``rows_read`` rows were read; ``valid`` passed validation, of which ``new`` were new to the
    store and ``already_present`` had a key stored already (or repeated within the file);
    ``rejected`` were refused, all of them kept in ``rejected_input``, the first ones listed in
    ``rejections`` in line order. ``seconds`` is the wall time of the whole import.
    """

    kind: str
    table: str
    path: Path
    rows_read: int = 0
    valid: int = 0
    new: int = 0
    already_present: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0


def print_report(console: Console, report: ImportReport, shown: int = 20) -> None:
    """Print ``report`` with rich: the counts, then up to ``shown`` rejections with line, field, reason."""
    console.print(
        f"[bold]{report.path.name}[/bold] → {report.table}: {report.rows_read:,} rows read, "
        f"[green]{report.new:,} new[/green], {report.already_present:,} already present, "
        f"[{'red' if report.rejected else 'green'}]{report.rejected:,} rejected[/] "
        f"in {report.seconds:.2f} s"
    )
    if not report.rejections:
        return
    table = Table("line", "field", "reason", title=f"first {min(shown, report.rejected)} of {report.rejected:,} "
                  "rejected rows (all kept in rejected_input)")
    for rejection in report.rejections[:shown]:
        table.add_row(str(rejection.line), rejection.field, rejection.reason)
    console.print(table)
