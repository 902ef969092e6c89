"""What every metric function receives: the store's tables as Ibis expressions, the settings, the
reporting day ``D``, the window of the requested timeframe and the filters, plus the building
blocks the definitions share (METRICS.md, "Conventions").

All instants are naive UTC. Reporting days are calendar days in ``settings.reporting_timezone``;
a window of days ``[start, end)`` becomes the instants ``[start of start, start of end)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import ibis
import ibis.expr.types as ir

from northstar.config import Settings
from northstar.domain.time import Window, day_start_utc

T = TypeVar("T")
Memo = Callable[[tuple[object, ...], Callable[[], Any]], Any]


def no_memo(_key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """A memo that remembers nothing (a context used on its own)."""
    return compute()


# Segment calls that are something a user did; identify, group and alias only describe users.
ACTIVITY_TYPES: tuple[str, ...] = ("track", "page", "screen")


@dataclass(frozen=True)
class MetricContext:
    """The inputs of one metric computation.

    ``backend`` is an Ibis backend over the store's tables (``store.reader()``); ``window`` is the
    timeframe's half-open range of reporting days ending on ``day`` inclusive; ``filters`` maps a
    user dimension (``user_type`` or a trait in ``settings.user_dimensions``) to the value the
    users counted must have. ``tables`` caches table expressions of ``backend`` (looking one up
    reads its schema); the service shares one such cache per reader backend. ``memo(key, compute)``
    returns a remembered intermediate result (the service keys it on the data version too), so
    metrics built on the same parts (MRR and ARPA, DAU and stickiness) query them once.
    """

    backend: ibis.BaseBackend
    settings: Settings
    day: date
    window: Window
    filters: Mapping[str, str] = field(default_factory=dict)
    tables: dict[str, ir.Table] = field(default_factory=dict, compare=False, repr=False)
    memo: Memo = field(default=no_memo, compare=False, repr=False)

    def at(self, day: date) -> MetricContext:
        """The same computation on another reporting day (the window keeps its length)."""
        return replace(self, day=day, window=Window.ending_on(day, self.window.days))

    def over(self, window: Window) -> MetricContext:
        """The same computation over ``window``, on its last reporting day."""
        return replace(self, day=window.end - timedelta(days=1), window=window)

    def remember(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()``, or its remembered result for ``key`` on the same day, window and filters."""
        return self.memo(self.memo_key(key), compute)

    def memo_key(self, key: tuple[object, ...]) -> tuple[object, ...]:
        """The full key :meth:`remember` stores ``key`` under in this context."""
        return (*key, self.day, self.window, tuple(sorted(self.filters.items())))

    def knowing(self, known: Mapping[tuple[object, ...], Any]) -> MetricContext:
        """This context, with :meth:`remember` answering from ``known`` (full keys, see
        :meth:`memo_key`) before its memo: how a range computation hands the intermediate results
        it computed for many days at once to the per-day definitions."""
        memo = self.memo

        def answer(key: tuple[object, ...], compute: Callable[[], Any]) -> Any:
            return known[key] if key in known else memo(key, compute)

        return replace(self, memo=answer)

    # --- time -----------------------------------------------------------------------------------

    @property
    def end_of_day(self) -> datetime:
        """The naive-UTC instant at which reporting day ``D`` ends (exclusive)."""
        return day_start_utc(self.day + timedelta(days=1), self.settings.timezone)

    def bounds(self, window: Window | None = None) -> tuple[datetime, datetime]:
        """Naive-UTC instants ``[start, end)`` of ``window`` (default: the timeframe's window)."""
        return (window or self.window).utc_bounds(self.settings.timezone)

    def days_ending_on_day(self, days: int) -> Window:
        """The ``days`` reporting days ending on ``D`` inclusive, whatever the timeframe."""
        return Window.ending_on(self.day, days)

    # --- tables ---------------------------------------------------------------------------------

    def table(self, name: str) -> ir.Table:
        """The store table ``name`` as an Ibis table expression."""
        if name not in self.tables:
            self.tables[name] = self.backend.table(name)
        return self.tables[name]

    def scalar(self, expr: ir.Scalar) -> Any:
        """Execute a scalar expression on the backend and return its Python value."""
        return self.backend.execute(expr)

    def users(self, user_type: str | None = None) -> ir.Table:
        """Users registered by the end of ``D`` and not deleted by then, matching the filters (and
        ``user_type`` when given), with ``signup_at = coalesce(created_at, first_seen_at)``."""
        users = self.table("users")
        users = users.mutate(signup_at=ibis.coalesce(users.created_at, users.first_seen_at))
        end = ibis.literal(self.end_of_day)
        users = users.filter(users.signup_at < end, users.deleted_at.isnull() | (users.deleted_at >= end))
        users = self._apply_filters(users)
        if user_type is not None:
            users = users.filter(users.user_type == user_type)
        return users

    def _apply_filters(self, users: ir.Table) -> ir.Table:
        for dimension, value in sorted(self.filters.items()):
            users = users.filter(users[dimension] == value)
        return users

    def events(self) -> ir.Table:
        """Every stored event with ``uid``, its canonical user (:meth:`with_uid`)."""
        return self.with_uid(self.table("events"))

    def with_uid(self, events: ir.Table) -> ir.Table:
        """``events`` (rows of the store's ``events`` table) with ``uid``, their canonical user: the
        alias target when the event's ``coalesce(user_id, anonymous_id)`` was aliased
        (``user_aliases``), else that id. Filter the raw rows before: the join then reads only them."""
        aliases = self.table("user_aliases")
        events = events.mutate(sender=ibis.coalesce(events.user_id, events.anonymous_id))
        joined = events.left_join(aliases, events.sender == aliases.alias_id)
        # A view ends the join chain: ibis (10) refuses a later join whose predicate uses ``uid``.
        return joined.select(
            *(joined[name] for name in events.columns if name != "sender"),
            uid=ibis.coalesce(joined.user_id_right, joined.sender),
        ).view()

    def qualifies(self, kind: str | None, event: str | None) -> bool:
        """Whether an event of Segment ``type`` ``kind`` named ``event`` is a qualifying event: the rule
        of :meth:`qualifying_events`, for rows already fetched."""
        return kind in ACTIVITY_TYPES and (event is None or event not in self.settings.non_qualifying_events)

    def qualifying_events(self, start: datetime | None, end: datetime) -> ir.Table:
        """Events that make a user active (METRICS.md, "Active"), at instants ``[start, end)``
        (from the first event when ``start`` is ``None``), with ``uid`` (:meth:`with_uid`):
        track, page and screen calls, except track events named in ``settings.non_qualifying_events``.
        With filters, only events of users matching them."""
        events = self.table("events")
        events = events.filter(events.timestamp < end, events.type.isin(ACTIVITY_TYPES))
        if start is not None:
            events = events.filter(events.timestamp >= start)
        excluded = list(self.settings.non_qualifying_events)
        if excluded:
            events = events.filter(events.event.isnull() | ~events.event.isin(excluded))
        events = self.with_uid(events)
        if self.filters:
            users = self.users()
            events = events.semi_join(users, events.uid == users.user_id)
        return events

    def active_users(self, window: Window) -> ir.Table:
        """One row (``uid``) per distinct user active in ``window`` (reporting days)."""
        start, end = self.bounds(window)
        return self.qualifying_events(start, end).select("uid").distinct()

    def count_active(self, window: Window) -> int:
        """Distinct active users in ``window``, anonymous visitors included."""
        return self.remember(("active", window), lambda: int(self.scalar(self.active_users(window).count())))

    def count_registered(self, user_type: str | None = None) -> int:
        """Registered users (of ``user_type`` when given) at the end of ``D``."""
        return self.remember(("registered", user_type), lambda: int(self.scalar(self.users(user_type).count())))

    def count_registered_active(self, window: Window, user_type: str | None = None) -> int:
        """Distinct users active in ``window`` who are registered users (of ``user_type`` when
        given) at the end of ``D``: the numerator of a rate against :meth:`users`, so it stays in
        ``[0, 1]``."""
        def count() -> int:
            active = self.active_users(window)
            registered = self.users(user_type)
            return int(self.scalar(active.semi_join(registered, active.uid == registered.user_id).count()))

        return self.remember(("registered_active", window, user_type), count)

    def has_rows(self, name: str) -> bool:
        """Whether store table ``name`` holds at least one row."""
        return int(self.scalar(self.table(name).limit(1).count())) > 0
