"""Keep the daily snapshot current while ``northstar serve`` runs: every commit of new data
schedules an incremental refresh (``metrics/snapshot.py``) on a background thread, debounced so a
stream of commits gives one refresh per quiet period, never on the request path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from northstar.metrics import snapshot
from northstar.metrics.service import service_for

if TYPE_CHECKING:
    from northstar.app import Northstar
    from northstar.store import WriteResult

log = logging.getLogger("northstar.refresh")


class SnapshotRefresher:
    """Runs ``snapshot.refresh(service)`` ``delay`` seconds after the last commit it was told
    about (a commit during a refresh schedules another one after it). ``close()`` cancels what is
    pending, asks a running refresh to stop (it ends after the metric in progress, see
    ``snapshot.refresh``) and waits for it. A failing refresh is logged, and retried after the
    next commit. ``after_refresh`` (e.g. the alert evaluation) runs after each successful refresh;
    its failure is logged."""

    def __init__(self, northstar: Northstar, delay: float = 5.0,
                 after_refresh: Callable[[], object] | None = None) -> None:
        self._service = service_for(northstar)
        self._delay = delay
        self._after_refresh = after_refresh
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False
        self._stop = threading.Event()
        self.refreshes = 0

    def schedule(self, _result: WriteResult | None = None) -> None:
        """(Re)start the countdown to the next refresh; the ``on_commit`` listener."""
        with self._lock:
            if self._closed:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self._delay, self._run)
            self._timer.daemon = True
            self._timer.start()

    def _run(self) -> None:
        try:
            report = snapshot.refresh(self._service, stop=self._stop)
        except Exception:
            log.exception("snapshot refresh failed")
            return
        if report.stopped:
            log.info("snapshot refresh stopped after %.1f s", report.seconds)
            return
        self.refreshes += 1
        log.info("snapshot refreshed: %d days in %.1f s", len(report.days), report.seconds)
        if self._after_refresh is not None:
            try:
                self._after_refresh()
            except Exception:
                log.exception("the step after the snapshot refresh failed")

    def close(self) -> None:
        """Cancel a pending refresh, stop a running one and wait for it to end."""
        with self._lock:
            self._closed = True
            self._stop.set()
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            if timer.is_alive() and timer is not threading.current_thread():
                timer.join()


def start_refresher(northstar: Northstar, delay: float = 5.0,
                    after_refresh: Callable[[], object] | None = None) -> SnapshotRefresher:
    """A :class:`SnapshotRefresher` listening to ``northstar``'s commits, with one refresh
    scheduled now (to catch up with data committed while nothing was serving); ``after_refresh``
    runs after each refresh."""
    refresher = SnapshotRefresher(northstar, delay, after_refresh)
    northstar.on_commit(refresher.schedule)
    refresher.schedule()
    return refresher
