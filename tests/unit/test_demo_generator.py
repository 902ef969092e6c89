"""The demo generator: deterministic, and every table obeys the invariants the metrics rely on."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from northstar.config import DEFAULT_FEATURES
from northstar.demo import generator
from northstar.demo.generator import TABLE_ORDER, DemoData
from northstar.demo.subscriptions import ANNUAL_MULTIPLE, MONTHLY_PRICE, STATUSES, TIERS
from northstar.domain.errors import InvalidInput
from northstar.store.schema import TABLES_BY_NAME

END = date(2026, 6, 1)
START = datetime(2025, 12, 1)


def _tables(data: DemoData) -> dict[str, pa.Table]:
    batches = [batch for _, batch in data.batches()]
    return {name: pa.concat_tables([batch[name] for batch in batches]) for name in TABLE_ORDER}


@pytest.fixture(scope="module")
def data() -> DemoData:
    return DemoData(seed=11, suppliers=300, months=6, end=END)


@pytest.fixture(scope="module")
def tables(data: DemoData) -> dict[str, pa.Table]:
    return _tables(data)


@pytest.fixture(scope="module")
def frames(tables: dict[str, pa.Table]) -> dict:
    return {name: table.to_pandas() for name, table in tables.items()}


def test_same_seed_and_size_give_identical_tables(tables: dict[str, pa.Table]) -> None:
    again = _tables(DemoData(seed=11, suppliers=300, months=6, end=END))
    for name in TABLE_ORDER:
        assert again[name].equals(tables[name]), name


def test_another_seed_gives_other_data(tables: dict[str, pa.Table]) -> None:
    other = DemoData(seed=12, suppliers=300, months=6, end=END)
    assert not other.month(5)["events"].equals(tables["events"].filter(
        pc.greater_equal(tables["events"].column("timestamp"), pa.scalar(datetime(2026, 5, 1), pa.timestamp("us")))))
    assert not other.month(0)["users"].equals(DemoData(seed=11, suppliers=300, months=6, end=END).month(0)["users"])


def test_every_table_uses_declared_columns_and_has_rows(tables: dict[str, pa.Table]) -> None:
    for name, table in tables.items():
        assert set(table.column_names) <= set(TABLES_BY_NAME[name].column_names), name
        assert table.num_rows > 0, name
        key = TABLES_BY_NAME[name].key
        assert pc.count_distinct(table.column(key[0])).as_py() == table.num_rows, name


def test_timeline_covers_the_months_before_the_end(data: DemoData) -> None:
    assert data.timeline.boundaries[0] == START
    assert data.timeline.boundaries[-1] == datetime(2026, 6, 1)
    assert len(data.timeline.boundaries) == 7


def test_invitations_are_consistent(frames: dict) -> None:
    invitations, users = frames["invitations"], frames["users"]
    accepted = invitations[invitations.accepted_at.notna()]
    assert (accepted.accepted_at >= accepted.sent_at).all()
    activated = invitations[invitations.activated_at.notna()]
    assert activated.accepted_at.notna().all()
    assert (activated.activated_at >= activated.accepted_at).all()
    assert (invitations.accepted_at.notna() == invitations.invitee_id.notna()).all()
    assert set(invitations.invitee_id.dropna()) <= set(users.user_id)
    assert set(invitations.inviter_id) <= set(users.user_id)
    types = set(zip(invitations.inviter_type, invitations.invitee_type, strict=True))
    assert types == {("supplier", "couple"), ("couple", "supplier")}
    assert set(invitations.channel) == {"email", "sms", "link"}
    invited_users = users.set_index("user_id").loc[accepted.invitee_id]
    assert (invited_users.created_at.to_numpy() <= accepted.accepted_at.to_numpy()).all()


def test_subscription_histories_are_valid(frames: dict) -> None:
    history, users = frames["subscription_history"], frames["users"]
    assert set(history.status) == set(STATUSES)
    assert set(history.currency) == {"GBP", "USD", "EUR"}
    suppliers = set(users.user_id[users.user_type == "supplier"])
    assert set(history.customer_id) <= suppliers
    for _, rows in history.groupby("subscription_id"):
        statuses = list(rows.status)
        assert rows.effective_at.is_monotonic_increasing
        assert statuses[0] in ("trialing", "active")
        assert "canceled" not in statuses[:-1]
        for before, after in pairwise(statuses):
            if before == "past_due":
                assert after in ("active", "canceled")
    paid = history[history.status.isin(["active", "past_due"])]
    assert (paid.amount_minor > 0).all()
    trials = history[history.status == "trialing"]
    assert (trials.amount_minor == 0).all()
    canceled = history[history.status == "canceled"]
    assert canceled.period_end.notna().all()
    assert (canceled.period_end >= canceled.effective_at).all()
    assert history[history.status != "canceled"].period_end.isna().all()
    assert set(history.interval_months) == {1, 12}
    price = {(currency, tier): MONTHLY_PRICE[index, TIERS.index(tier)]
             for index, currency in enumerate(("GBP", "USD", "EUR")) for tier in TIERS}
    expected = [price[currency, plan] * (ANNUAL_MULTIPLE if interval == 12 else 1)
                for currency, plan, interval in zip(paid.currency, paid.plan, paid.interval_months, strict=True)]
    assert list(paid.amount_minor) == expected
    assert history.amount_minor.dtype == np.int64


def test_events_fall_inside_the_timeline_after_signup(frames: dict) -> None:
    events, users = frames["events"], frames["users"]
    assert events.timestamp.min() >= START
    assert events.timestamp.max() < datetime(2026, 6, 1)
    assert (events.received_at >= events.timestamp).all()
    first_event = events.groupby("user_id").timestamp.min()
    signup = users.set_index("user_id").created_at.loc[first_event.index]
    assert (signup <= first_event).all()
    assert set(events.user_id) <= set(users.user_id)
    assert set(events.type) == {"track", "page", "identify"}
    assert set(events.source) == {"demo"}
    assert events.message_id.is_unique
    assert (events.groupby("user_id").size() > 0).all()


def test_feature_events_are_named_by_the_config(frames: dict) -> None:
    events = frames["events"]
    for feature, names in DEFAULT_FEATURES.items():
        used = set(events.event[events.category == feature])
        assert used, feature
        assert used <= set(names), feature
    feature_events = {name for names in DEFAULT_FEATURES.values() for name in names}
    assert set(events.category[events.event.isin(feature_events)]) <= set(DEFAULT_FEATURES)


def test_ai_features_are_adopted_after_their_launch(data: DemoData, frames: dict) -> None:
    events = frames["events"]
    ai = events[events.category == "ai_features"]
    launch = START + (datetime(2026, 6, 1) - START) * 0.55
    assert ai.timestamp.min() >= launch
    monthly = ai.groupby(ai.timestamp.dt.to_period("M")).user_id.nunique()
    assert monthly.iloc[-1] > monthly.iloc[0]


def test_sessions_have_ids_devices_and_short_gaps(frames: dict) -> None:
    events = frames["events"]
    emails = events[events.event == "Email Delivered"]
    assert len(emails) > 0
    assert emails.session_id.isna().all()
    in_sessions = events[events.session_id.notna()]
    assert set(in_sessions.device_type) == {"desktop", "mobile", "tablet"}
    assert in_sessions.groupby("session_id").user_id.nunique().max() == 1
    browsing = in_sessions[in_sessions.session_id.str.startswith("s")].sort_values(["session_id", "timestamp"])
    gaps = browsing.groupby("session_id").timestamp.diff().dropna()
    assert gaps.max() <= np.timedelta64(20, "m")
    assert len(browsing.session_id.unique()) > 1000


def test_revenue_events_carry_money(frames: dict) -> None:
    events = frames["events"]
    priced = events[events.revenue_minor.notna()]
    assert set(priced.event) == {"Template Purchased", "Subscription Started", "Plan Changed"}
    assert (priced.revenue_minor > 0).all()
    assert priced.currency.notna().all()


def test_users_have_traits(frames: dict) -> None:
    users = frames["users"]
    suppliers, couples = users[users.user_type == "supplier"], users[users.user_type == "couple"]
    assert len(couples) > len(suppliers) > 300
    assert suppliers.supplier_kind.notna().all() and couples.supplier_kind.isna().all()
    assert set(suppliers.supplier_kind) >= {"photographer", "venue", "florist", "caterer", "planner", "band_dj"}
    assert set(users.acquisition_source) == {"organic", "referral", "paid_search", "social", "invitation"}
    assert set(couples.acquisition_source) == {"invitation"}
    assert (suppliers.acquisition_source != "invitation").sum() == 300
    assert set(suppliers.plan) <= {"starter", "professional", "scale", "trial", "free"}
    assert set(users.device) == {"desktop", "mobile", "tablet"}
    assert users.user_id.str.match(r"^(sup|cpl)_\d{6}$").all()


def test_monthly_supplier_signups_grow(frames: dict) -> None:
    users = frames["users"]
    suppliers = users[users.user_type == "supplier"]
    self_signups = suppliers[suppliers.acquisition_source != "invitation"]
    per_month = self_signups.groupby(self_signups.created_at.dt.to_period("M")).size().to_numpy()
    assert len(per_month) == 6
    assert (np.diff(per_month) >= 0).all()
    everyone = suppliers.groupby(suppliers.created_at.dt.to_period("M")).size().to_numpy()
    assert everyone[-1] > 1.5 * everyone[0]


def test_collaborations_pair_two_users_on_a_wedding(frames: dict) -> None:
    collaborations, users = frames["collaborations"], frames["users"]
    assert (collaborations.vendor_id != collaborations.partner_id).all()
    assert set(collaborations.vendor_id) | set(collaborations.partner_id) <= set(users.user_id)
    assert set(collaborations.partner_type) == {"supplier", "couple"}
    assert (collaborations.last_activity_at >= collaborations.started_at).all()
    assert collaborations.client_id.str.match(r"^wed_\d{7}$").all()


def test_support_and_surveys(frames: dict) -> None:
    tickets, surveys = frames["support_tickets"], frames["survey_responses"]
    answered = tickets[tickets.first_response_at.notna()]
    assert (answered.first_response_at >= answered.opened_at).all()
    resolved = tickets[tickets.resolved_at.notna()]
    assert (resolved.resolved_at >= resolved.first_response_at).all()
    csat, nps = surveys[surveys.survey == "csat"], surveys[surveys.survey == "nps"]
    assert csat.score.between(1, 5).all() and nps.score.between(0, 10).all()
    assert set(csat.ticket_id) <= set(tickets.ticket_id) and nps.ticket_id.isna().all()
    rated = tickets.set_index("ticket_id").loc[csat.ticket_id]
    assert (rated.resolved_at.to_numpy() <= csat.responded_at.to_numpy()).all()


def test_performance_samples(frames: dict, data: DemoData) -> None:
    samples = frames["performance_samples"]
    checks = samples[samples.kind == "uptime_check"]
    assert len(checks) == data.timeline.days * 288
    requests = samples[samples.kind == "api_request"]
    assert 0 < (~requests.ok).mean() < 0.004
    assert (samples.duration_ms > 0).all()
    loads = samples[samples.kind == "page_load"]
    assert 800 < loads.duration_ms.median() < 1600


def test_marketing_spend_is_daily_in_pence(frames: dict, data: DemoData) -> None:
    spend = frames["marketing_spend"]
    assert len(spend) == data.timeline.days * 5
    assert spend.amount_minor.dtype == np.int64 and (spend.amount_minor >= 0).all()
    assert set(spend.currency) == {"GBP"}
    assert set(spend.channel) == {"paid_search", "social", "referral"}


@pytest.mark.parametrize(("suppliers", "months", "field"), [(0, 6, "suppliers"), (10, 0, "months")])
def test_sizes_must_be_positive(suppliers: int, months: int, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        DemoData(seed=1, suppliers=suppliers, months=months, end=END)
    assert raised.value.field == field


def test_a_month_is_written_in_parts_of_disjoint_users(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "USERS_PER_PART", 100)
    data = DemoData(seed=11, suppliers=300, months=6, end=END)
    writes = list(data.writes(5))
    assert data.parts(5) == len(writes) >= 3
    assert set(writes[0]) == set(TABLE_ORDER)
    assert all(set(batch) == {"events"} for batch in writes[1:])
    users = [set(batch["events"].column("user_id").to_pylist()) for batch in writes]
    assert sum(len(part) for part in users) == len(set().union(*users))
    ids = pa.concat_arrays([batch["events"].column("message_id").combine_chunks() for batch in writes])
    assert pc.count_distinct(ids).as_py() == len(ids)
