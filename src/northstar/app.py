"""The façade: settings → store → writer → metrics service, wired once (DESIGN.md, practice 4).

The CLI, the web app and the tests are adapters over a :class:`Northstar` object. The core never
prints and never raises HTTP errors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from northstar.config import Settings, get_settings
from northstar.ingest.writer import GroupCommitWriter
from northstar.store import Store, WriteResult, open_store
from northstar.store.base import Batch

CommitListener = Callable[[WriteResult], None]


class Northstar:
    """One Northstar instance over one store.

    ``write`` commits a batch durably (one transaction), appends it to the ingest log and tells
    the commit listeners (cache invalidation, incremental refresh, live dashboards). ``writer``
    is the group-commit writer the HTTP ingestion path uses.
    """

    def __init__(self, settings: Settings | None = None, store: Store | None = None) -> None:
        self.settings = settings or get_settings()
        self.store = store or open_store(self.settings.database)
        self._listeners: list[CommitListener] = []
        self._writer: GroupCommitWriter | None = None
        self._writer_lock = threading.Lock()
        self.data_version = 0

    @property
    def writer(self) -> GroupCommitWriter:
        """The process's group-commit writer, started on first use."""
        with self._writer_lock:
            if self._writer is None:
                self._writer = GroupCommitWriter(self.write)
            return self._writer

    def write(self, batch: Batch, source: str) -> WriteResult:
        """Commit ``batch`` (table name → rows) from ``source`` in one transaction.

        Returns the :class:`WriteResult`; raises :class:`northstar.domain.errors.StoreError` with
        nothing stored when the transaction fails.
        """
        result = self.store.write(batch, source=source)
        if result.total_inserted:
            self.data_version += 1
            for listener in list(self._listeners):
                listener(result)
        return result

    def on_commit(self, listener: CommitListener) -> None:
        """Call ``listener(result)`` after every commit that stored new data."""
        self._listeners.append(listener)

    def close(self) -> None:
        """Drain the writer and close the store."""
        with self._writer_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.store.close()

