"""The import's progress display: one rich progress bar per stage (reading, validating, writing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Stages:
    """Marks the import's stages as they start and end; shows nothing when ``progress`` is None."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress

    @contextmanager
    def stage(self, description: str) -> Iterator[None]:
        """Show ``description`` with a running bar for the duration of the ``with`` block."""
        if self._progress is None:
            yield
            return
        task = self._progress.add_task(description, total=None)
        yield
        self._progress.update(task, total=1, completed=1)


@contextmanager
def stages(enabled: bool) -> Iterator[Stages]:
    """A :class:`Stages` drawing rich progress bars (on stderr, transient) when ``enabled``."""
    if not enabled:
        yield Stages(None)
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        yield Stages(progress)
