"""``GET /api/v1/events/stream``: Server-Sent Events telling open dashboards to refresh.

Events: ``commit`` (new data was committed; data is the commit count so far) and ``refresh`` (a
snapshot refresh finished; data is its start time), plus a ``ping`` comment every 15 seconds.
Commits come from the façade's ``on_commit`` listeners (any thread); a finished snapshot refresh
is noticed by watching ``snapshot_refreshes`` every few seconds.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from northstar.app import Northstar
from northstar.metrics.service import service_for
from northstar.metrics.snapshot import last_watermark
from northstar.web.auth import AUTH_RESPONSES, require
from northstar.web.deps import NorthstarDep

router = APIRouter(tags=["live"], dependencies=[require("view_dashboard")], responses=AUTH_RESPONSES)
WATCH_SECONDS = 3.0


class Hub:
    """Fans the commits of one façade out to the queues of connected streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = set()
        self.commits = 0

    def publish(self, _result: object = None) -> None:
        """The ``on_commit`` listener: queue a ``commit`` event for every stream (thread-safe)."""
        with self._lock:
            self.commits += 1
            event = {"event": "commit", "data": str(self.commits)}
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            loop.call_soon_threadsafe(queue.put_nowait, event)

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._subscribers.add(entry)
        return entry

    def unsubscribe(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]) -> None:
        with self._lock:
            self._subscribers.discard(entry)


_HUBS: weakref.WeakKeyDictionary[Northstar, Hub] = weakref.WeakKeyDictionary()
_HUBS_LOCK = threading.Lock()


def hub_for(northstar: Northstar) -> Hub:
    """The one :class:`Hub` of a façade, listening to its commits from its first use."""
    with _HUBS_LOCK:
        hub = _HUBS.get(northstar)
        if hub is None:
            hub = _HUBS[northstar] = Hub()
            northstar.on_commit(hub.publish)
        return hub


@router.get("/api/v1/events/stream", summary="Live dashboard events (Server-Sent Events)",
            response_class=EventSourceResponse,
            responses={200: {"description": "`text/event-stream` of `commit` and `refresh` events.",
                             "content": {"text/event-stream": {}}}})
async def event_stream(request: Request, northstar: NorthstarDep) -> EventSourceResponse:
    """A stream of ``commit`` events (new data committed) and ``refresh`` events (a snapshot
    refresh finished) for as long as the client stays connected."""
    hub = hub_for(northstar)
    service = service_for(northstar)
    entry = hub.subscribe()

    async def watermark() -> object:
        return await asyncio.to_thread(last_watermark, service)

    async def events() -> AsyncIterator[dict[str, Any]]:
        queue = entry[1]
        seen = await watermark()
        try:
            yield {"event": "ready", "data": str(hub.commits)}
            while not await request.is_disconnected():
                try:
                    yield await asyncio.wait_for(queue.get(), timeout=WATCH_SECONDS)
                except TimeoutError:
                    latest = await watermark()
                    if latest != seen:
                        seen = latest
                        yield {"event": "refresh", "data": str(latest)}
        finally:
            hub.unsubscribe(entry)

    return EventSourceResponse(events(), ping=15)
