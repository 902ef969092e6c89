"""A property of series (issue § 3): for additive metrics (counts of things dated in the window),
the points of a series over ``[start, end]`` add up to the metric over that whole window, whatever
the grain. On DuckDB, with random signups and invitations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from northstar.app import Northstar
from northstar.config import Settings
from northstar.metrics.service import service_for

FIRST = date(2026, 1, 20)
SPAN = 40
ADDITIVE = ("new_signups", "invitations_sent")

instants = st.builds(lambda day, minute: datetime.combine(FIRST, datetime.min.time()) + timedelta(days=day,
                                                                                                  minutes=minute),
                     st.integers(0, SPAN - 1), st.integers(0, 24 * 60 - 1))


@settings(max_examples=15, deadline=None)
@given(
    signups=st.lists(instants, max_size=8),
    invitations=st.lists(instants, max_size=8),
    offset=st.integers(0, SPAN - 1),
    length=st.integers(1, 25),
    grain=st.sampled_from(["day", "week", "month"]),
)
def test_points_of_additive_metrics_add_up_to_the_window(
    signups: list[datetime], invitations: list[datetime], offset: int, length: int, grain: str,
) -> None:
    northstar = Northstar(Settings(database=":memory:"))
    try:
        northstar.write({
            "users": [{"user_id": f"u{index}", "created_at": at, "first_seen_at": at}
                      for index, at in enumerate(signups)] or [{"user_id": "early", "created_at": datetime(2025, 1, 1),
                                                              "first_seen_at": datetime(2025, 1, 1)}],
            "invitations": [{"invitation_id": f"i{index}", "inviter_id": "early", "sent_at": at}
                            for index, at in enumerate(invitations)] or [{"invitation_id": "i", "inviter_id": "early",
                                                                          "sent_at": datetime(2025, 1, 1)}],
        }, source="test")
        service = service_for(northstar)
        start = FIRST + timedelta(days=offset)
        end = start + timedelta(days=length - 1)
        for name in ADDITIVE:
            assert service.registry.spec(name).grain == "timeframe"
            series = service.series(name, start, end, grain=grain)
            total = service.compute(name, end, f"{length}d").value
            assert sum(point.value for point in series.lines[0].points) == total, (name, start, end, grain)
    finally:
        northstar.close()
