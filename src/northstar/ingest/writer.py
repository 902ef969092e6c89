"""The group-commit writer: one thread owns all writes of a process (DESIGN.md, "Ingestion guarantees").

Concurrent requests hand their batches to :meth:`GroupCommitWriter.submit` and wait on the
returned future. The writer thread takes everything queued, commits it in one transaction and
resolves every waiting future, so durability costs one commit per group rather than per request.
A future resolves only after the commit: an HTTP 2xx sent after awaiting it means the data is
durable. When a group's transaction fails, each batch of the group is retried alone, so one bad
batch cannot fail its neighbours.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from northstar.store.base import Batch, WriteResult

CommitFunction = Callable[[Batch, str], WriteResult]


@dataclass(slots=True)
class _Pending:
    batch: Batch
    source: str
    future: Future[WriteResult]


class GroupCommitWriter:
    """Serialises writes through ``commit`` (normally :meth:`northstar.app.Northstar.write`).

    ``max_group_rows`` bounds how many rows one transaction takes; ``linger_seconds`` is how long
    the writer waits after a first batch for others to join its transaction. :meth:`close` drains the queue
    before returning.
    """

    def __init__(self, commit: CommitFunction, max_group_rows: int = 20_000, linger_seconds: float = 0.002) -> None:
        self._commit = commit
        self._max_group_rows = max_group_rows
        self._linger_seconds = linger_seconds
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="northstar-writer", daemon=True)
        self._thread.start()

    def submit(self, batch: Batch, source: str) -> Future[WriteResult]:
        """Queue ``batch``; the future gives the :class:`WriteResult` once committed, or raises
        the store's error when the batch could not be written."""
        future: Future[WriteResult] = Future()
        self._queue.put(_Pending(batch, source, future))
        return future

    def close(self) -> None:
        """Write everything queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stop = [first], False
            rows = _row_count(first.batch)
            # Linger a moment for concurrent requests to join this commit: a few milliseconds of
            # latency buy several requests per transaction under load.
            deadline = time.monotonic() + self._linger_seconds
            while rows < self._max_group_rows:
                remaining = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                group.append(item)
                rows += _row_count(item.batch)
            self._commit_group(group)
            if stop:
                return

    def _commit_group(self, group: list[_Pending]) -> None:
        if len(group) > 1 and len({pending.source for pending in group}) == 1:
            merged: dict[str, list] = {}
            for pending in group:
                for table, rows in pending.batch.items():
                    merged.setdefault(table, []).extend(rows)
            try:
                result = self._commit(merged, group[0].source)
            except Exception:
                pass
            else:
                for pending in group:
                    pending.future.set_result(result)
                return
        for pending in group:
            try:
                pending.future.set_result(self._commit(pending.batch, pending.source))
            except Exception as exc:
                pending.future.set_exception(exc)


def _row_count(batch: Batch) -> int:
    return sum(len(rows) for rows in batch.values())
