"""Properties of retention and cohort tables on random users and events (a real in-memory DuckDB
store, emptied between examples), in Europe/London across the DST change of 2026-03-29."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.cohorts import CohortGrain, cohort_table
from northstar.metrics.context import MetricContext
from northstar.metrics.retention import RETENTION_DAYS, retention

D = date(2026, 4, 10)
START = datetime(2026, 2, 20)
USERS = ["u1", "u2", "u3", "u4", "u5"]
HOURS = 55 * 24  # 02-20 .. 04-15: some activity and signups fall after D

people = st.lists(
    st.tuples(st.sampled_from(["supplier", "couple"]), st.integers(min_value=0, max_value=HOURS)),
    min_size=len(USERS), max_size=len(USERS),
)
activity = st.lists(
    st.tuples(st.sampled_from(USERS), st.integers(min_value=0, max_value=HOURS * 60),
              st.sampled_from(["Page Viewed", "Form Created", "Email Opened"])),
    max_size=40,
)


@pytest.fixture(scope="module")
def store_northstar() -> Iterator[Northstar]:
    instance = Northstar(Settings(database=":memory:", reporting_timezone="Europe/London"))
    yield instance
    instance.close()


@settings(max_examples=25, deadline=None)
@given(people=people, activity=activity, days=st.sampled_from([7, 30, 90]), grain=st.sampled_from(["month", "week"]))
def test_retention_and_cohort_invariants(
    store_northstar: Northstar, people: list[tuple[str, int]], activity: list[tuple[str, int, str]], days: int,
    grain: CohortGrain,
) -> None:
    store = store_northstar.store
    store.execute_write("DELETE FROM events")
    store.execute_write("DELETE FROM users")
    store.write({
        "users": [{"user_id": user, "user_type": kind, "created_at": START + timedelta(hours=hours)}
                  for user, (kind, hours) in zip(USERS, people, strict=True)],
        "events": [{"message_id": f"m{index}", "type": "track", "event": name, "user_id": user,
                    "timestamp": START + timedelta(minutes=minutes), "received_at": START}
                   for index, (user, minutes, name) in enumerate(activity)],
    })
    remembered: dict[tuple[object, ...], object] = {}

    def memo(key: tuple[object, ...], compute: Callable[[], object]) -> object:
        if key not in remembered:
            remembered[key] = compute()
        return remembered[key]

    context = MetricContext(store.reader(), store_northstar.settings, D, Window.ending_on(D, days), memo=memo)

    for n in RETENTION_DAYS:
        exact, unbounded = retention(n, False)(context), retention(n, True)(context)
        assert (exact.value is None) == (unbounded.value is None)
        if exact.value is not None and unbounded.value is not None:
            assert 0 <= exact.value <= unbounded.value <= 1

    rows = cohort_table(context, grain=grain)
    assert sum(row.cohort_size for row in rows) <= len(USERS)
    for row in rows:
        assert all(0 <= kept <= row.cohort_size for kept in row.retained)
        assert all(0 <= share <= 1 for share in row.retention)
