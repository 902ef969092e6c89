"""Properties of the engagement counts on random event sets (a real in-memory DuckDB store,
emptied between examples)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext

D = date(2026, 3, 15)
START = datetime(2026, 2, 1)

events = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2", "u3", "u4", "a1", "a2"]),              # sender (a* are anonymous)
        st.integers(min_value=0, max_value=50 * 24 * 60),                   # minutes after 02-01 (to 03-23)
        st.sampled_from(["track", "page", "screen", "identify"]),
        st.sampled_from(["Form Created", "Email Opened", "Journey Created", None]),
    ),
    max_size=40,
)
aliases = st.dictionaries(st.sampled_from(["a1", "a2"]), st.sampled_from(["u1", "u2", "u3"]), max_size=2)


@pytest.fixture(scope="module")
def store_northstar() -> Iterator[Northstar]:
    instance = Northstar(Settings(database=":memory:"))
    yield instance
    instance.close()


@settings(max_examples=30, deadline=None)
@given(events=events, aliases=aliases)
def test_dau_wau_mau_are_nested(
    store_northstar: Northstar, events: list[tuple[str, int, str, str | None]], aliases: dict[str, str]
) -> None:
    store = store_northstar.store
    store.execute_write("DELETE FROM events")
    store.execute_write("DELETE FROM user_aliases")
    rows = [
        {"message_id": f"m{index}", "type": kind, "event": name if kind == "track" else None,
         "user_id": None if sender.startswith("a") else sender,
         "anonymous_id": sender if sender.startswith("a") else None,
         "timestamp": START + timedelta(minutes=minutes), "received_at": START}
        for index, (sender, minutes, kind, name) in enumerate(events)
    ]
    store.write({"events": rows, "user_aliases": [{"alias_id": alias, "user_id": user, "created_at": START}
                                                  for alias, user in aliases.items()]})
    context = MetricContext(store.reader(), store_northstar.settings, D, Window.ending_on(D, 7))
    dau, wau, mau = (context.count_active(context.days_ending_on_day(days)) for days in (1, 7, 30))
    assert 0 <= dau <= wau <= mau <= len({sender for sender, *_ in events})
