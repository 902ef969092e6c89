"""Property: for random subscription histories, policies and periods, ``mrr(end) = mrr(start) +
net_new_mrr`` exactly (METRICS.md § Revenue, "MRR movements"), and every movement is positive.

``mrr`` is the SQL snapshot of :mod:`northstar.metrics.revenue`; the movements come from the
independent timeline of :mod:`northstar.metrics.revenue_movements`. Both are compared as exact
fractions (a Decimal of ``1000/3`` cannot be exact). DuckDB only, for speed.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from northstar.app import Northstar
from northstar.config import RevenuePolicies, Settings
from northstar.domain.time import Window
from northstar.metrics.context import MetricContext
from northstar.metrics.revenue import mrr_snapshot
from northstar.metrics.revenue_movements import build_timeline

BASE = datetime(2026, 1, 1)
FIRST_DAY = date(2026, 1, 1)

instants = st.builds(lambda days, hour: BASE + timedelta(days=days, hours=hour),
                     st.integers(0, 90), st.sampled_from([0, 0, 13]))
# (status, amount_minor, currency, interval_months, effective_at, period_end − effective_at in days or None)
State = tuple[str, int, str, int, datetime, int | None]
states = st.tuples(
    st.sampled_from(["trialing", "active", "active", "past_due", "canceled"]),
    st.sampled_from([0, 1000, 2500, 9900]),
    st.sampled_from(["GBP", "USD", "EUR"]),
    st.sampled_from([1, 3, 12]),
    instants,
    st.none() | st.integers(-5, 60),
)
subscriptions = st.lists(st.tuples(st.sampled_from(["c1", "c2", "c3"]), st.lists(states, min_size=1, max_size=4)),
                         min_size=1, max_size=5)
policies = st.builds(
    RevenuePolicies,
    past_due=st.sampled_from(["count_until_canceled", "churn_after_days"]),
    past_due_days=st.integers(0, 20),
    cancellation=st.sampled_from(["period_end", "immediately"]),
    reactivation_window_days=st.none() | st.integers(0, 40),
)


def rows(drawn: list[tuple[str, list[State]]]) -> list[dict[str, object]]:
    """subscription_history rows of the drawn subscriptions."""
    return [
        {"change_id": f"s{number}#{position}", "subscription_id": f"s{number}", "customer_id": customer,
         "plan": "pro", "status": status, "amount_minor": amount, "currency": currency, "interval_months": interval,
         "effective_at": at, "recorded_at": at,
         "period_end": None if period_end_days is None else at + timedelta(days=period_end_days)}
        for number, (customer, history) in enumerate(drawn)
        for position, (status, amount, currency, interval, at, period_end_days) in enumerate(history)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=subscriptions, revenue=policies, end=st.integers(0, 120), length=st.integers(1, 100))
def test_mrr_identity_holds_exactly(drawn: list[tuple[str, list[State]]], revenue: RevenuePolicies,
                                    end: int, length: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        northstar = Northstar(Settings(database=str(Path(folder) / "p.duckdb"), revenue=revenue))
        try:
            northstar.write({"subscription_history": rows(drawn)}, source="test")
            day = FIRST_DAY + timedelta(days=end)
            ctx = MetricContext(northstar.store.reader(), northstar.settings, day, Window.ending_on(day, length))
            line = build_timeline(ctx)
            period = line.between(*ctx.bounds())
            before = mrr_snapshot(ctx.at(day - timedelta(days=length))).mrr_minor
            after = mrr_snapshot(ctx).mrr_minor
            assert after == before + sum((movement.signed for movement in period), Fraction(0))
            assert all(movement.amount > 0 for movement in line.movements)
            assert line.mrr(ctx.end_of_day) == after
        finally:
            northstar.close()
