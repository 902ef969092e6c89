"""The Revenue, Viral, Cohorts and Engagement pages' charts on both backends, against small
fixtures whose values are worked out by hand (reports/page_charts/)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from northstar.app import Northstar
from northstar.metrics.service import MetricsService
from northstar.reports.charts import CHARTS, Chart, ChartRequest, chart_request_from_query
from northstar.reports.page_charts import cohorts, engagement, revenue, viral  # noqa: F401  (registers them)
from tests.integration.test_metrics_mrr_movements import state
from tests.rows import track_row, user_row

D = date(2026, 3, 31)


def _view(**params: str) -> ChartRequest:
    return chart_request_from_query({"date": D.isoformat(), "timeframe": "30d", **params}, D)


def _build(northstar: Northstar, chart_id: str, **params: str) -> Chart:
    return CHARTS[chart_id](MetricsService(northstar.store, northstar.settings), _view(**params))


def _cells(found: Chart, *columns: str) -> list[tuple[object, ...]]:
    index = [found.columns.index(column) for column in columns]
    return [tuple(row[i] for i in index) for row in found.rows]


SUBSCRIPTIONS = [
    # a: new 5000 in January, upgraded to 8000 on 15 February (expansion 3000).
    state("a", "a", "active", 5000, datetime(2026, 1, 10, 12), plan="pro"),
    state("a", "a", "active", 8000, datetime(2026, 2, 15, 12), plan="pro"),
    # b: new 4000 on 1 February; canceled on 20 February, paid until 10 March (churned 4000 in March).
    state("b", "b", "active", 4000, datetime(2026, 2, 1, 12), plan="basic"),
    state("b", "b", "canceled", 4000, datetime(2026, 2, 20, 12), period_end=datetime(2026, 3, 10, 12), plan="basic"),
    # c: new 6000 on 3 March, downgraded to 2000 on 20 March (contraction 4000).
    state("c", "c", "active", 6000, datetime(2026, 3, 3, 12), plan="basic"),
    state("c", "c", "active", 2000, datetime(2026, 3, 20, 12), plan="basic"),
]


def test_mrr_movements_per_month(northstar: Northstar) -> None:
    northstar.write({"subscription_history": SUBSCRIPTIONS}, source="test")
    found = _build(northstar, "revenue.movements")
    assert found.empty_reason is None
    assert found.columns == ["start", "end", "metric", "label", "value", "currency"]
    values = {(start.strftime("%Y-%m"), metric): value for start, metric, value in _cells(found, "start", "metric",
                                                                                           "value")}
    # 12 months, April 2025 to March 2026, 6 series each.
    assert len(found.rows) == 72 and min(start for start, _ in values) == "2025-04"
    pounds = Decimal
    assert {metric: values[("2026-01", metric)] for metric in (*revenue.MOVEMENTS, "net_new_mrr")} == {
        "new_mrr": pounds("50.00"), "expansion_mrr": 0, "reactivation_mrr": 0, "contraction_mrr": 0,
        "churned_mrr": 0, "net_new_mrr": pounds("50.00")}
    assert {metric: values[("2026-02", metric)] for metric in (*revenue.MOVEMENTS, "net_new_mrr")} == {
        "new_mrr": pounds("40.00"), "expansion_mrr": pounds("30.00"), "reactivation_mrr": 0, "contraction_mrr": 0,
        "churned_mrr": 0, "net_new_mrr": pounds("70.00")}
    # March: c new 60, c down 40, b churned 40 → net −20.
    assert {metric: values[("2026-03", metric)] for metric in (*revenue.MOVEMENTS, "net_new_mrr")} == {
        "new_mrr": pounds("60.00"), "expansion_mrr": 0, "reactivation_mrr": 0, "contraction_mrr": pounds("40.00"),
        "churned_mrr": pounds("40.00"), "net_new_mrr": pounds("-20.00")}
    # The chart draws losses below zero; the table keeps the catalog's positive amounts.
    drawn = {(record["start"], record["metric"]): record["value"] for layer in found.spec["layer"]
             for record in _records(found.spec, layer)}
    assert drawn[("2026-03-01", "churned_mrr")] == -40.0 and drawn[("2026-03-01", "new_mrr")] == 60.0


def _records(spec: dict, layer: dict) -> list[dict]:
    data = layer.get("data") or spec.get("data")
    if "values" in data:
        return data["values"]
    return spec["datasets"][data["name"]]


def test_mrr_by_plan_adds_up_to_mrr(northstar: Northstar) -> None:
    northstar.write({"subscription_history": SUBSCRIPTIONS}, source="test")
    found = _build(northstar, "revenue.mrr_by_plan")
    values = {(start.strftime("%Y-%m"), plan): value for start, plan, value in _cells(found, "start", "plan", "value")}
    # End of February: a 80 (pro) + b 40 (basic, paid until 10 March); end of March: a 80 + c 20.
    assert values[("2026-02", "pro")] == Decimal("80.00") and values[("2026-02", "basic")] == Decimal("40.00")
    assert values[("2026-03", "pro")] == Decimal("80.00") and values[("2026-03", "basic")] == Decimal("20.00")


def test_two_cohorts_retention_heatmap_per_user_type(northstar: Northstar) -> None:
    northstar.write({
        "users": [user_row("u1", "supplier", datetime(2026, 1, 5, 12)), user_row("u2", "supplier",
                                                                                 datetime(2026, 1, 6, 12)),
                  user_row("u3", "couple", datetime(2026, 1, 10, 12)), user_row("u4", "supplier",
                                                                                datetime(2026, 2, 3, 12))],
        "events": [track_row("u1", "Page Viewed", datetime(2026, 1, 7, 12)),
                   track_row("u1", "Page Viewed", datetime(2026, 2, 7, 12)),
                   track_row("u1", "Page Viewed", datetime(2026, 3, 7, 12)),
                   track_row("u2", "Page Viewed", datetime(2026, 1, 8, 12)),
                   track_row("u3", "Page Viewed", datetime(2026, 2, 11, 12)),
                   track_row("u4", "Page Viewed", datetime(2026, 2, 4, 12)),
                   track_row("u4", "Page Viewed", datetime(2026, 3, 4, 12))],
    }, source="test")
    every = _build(northstar, "cohorts.retention")
    # January: u1, u2, u3 (3); active in January u1, u2; February u1, u3; March u1.  February: u4 every month.
    assert _cells(every, "cohort_month", "user_type", "cohort_size", "months_since_signup", "retained") == [
        (date(2026, 1, 1), "all", 3, 0, 2), (date(2026, 1, 1), "all", 3, 1, 2), (date(2026, 1, 1), "all", 3, 2, 1),
        (date(2026, 2, 1), "all", 1, 0, 1), (date(2026, 2, 1), "all", 1, 1, 1)]
    assert [round(share, 4) for (share,) in _cells(every, "retention")] == [0.6667, 0.6667, 0.3333, 1, 1]
    suppliers = _build(northstar, "cohorts.retention", user_type="supplier")
    assert _cells(suppliers, "cohort_month", "cohort_size", "retained") == [
        (date(2026, 1, 1), 2, 2), (date(2026, 1, 1), 2, 1), (date(2026, 1, 1), 2, 1),
        (date(2026, 2, 1), 1, 1), (date(2026, 2, 1), 1, 1)]
    assert suppliers.title == "Monthly retention of suppliers"
    revenue_cohorts = _build(northstar, "cohorts.revenue")
    assert revenue_cohorts.empty_reason == "Import subscriptions (northstar import subscriptions FILE)"


def test_invitation_funnel_and_feature_adoption(northstar: Northstar) -> None:
    def invitation(key: str, sent: datetime, accepted: datetime | None = None,
                   activated: datetime | None = None) -> dict[str, object]:
        return {"invitation_id": key, "inviter_id": "s1", "sent_at": sent, "accepted_at": accepted,
                "activated_at": activated}

    northstar.write({
        "users": [user_row("s1", "supplier", datetime(2026, 1, 5, 12)),
                  user_row("c1", "couple", datetime(2026, 1, 6, 12))],
        "invitations": [
            invitation("i0", datetime(2026, 2, 1, 12), datetime(2026, 2, 2, 12)),  # before the window
            invitation("i1", datetime(2026, 3, 5, 12), datetime(2026, 3, 6, 12), datetime(2026, 3, 7, 12)),
            invitation("i2", datetime(2026, 3, 10, 12), datetime(2026, 3, 11, 12)),
            invitation("i3", datetime(2026, 3, 12, 12)),
            invitation("i4", datetime(2026, 3, 20, 12), datetime(2026, 4, 2, 12)),  # accepted after D
        ],
        "events": [track_row("s1", "Form Created", datetime(2026, 3, 8, 12)),
                   track_row("c1", "Page Viewed", datetime(2026, 3, 9, 12))],
    }, source="test")
    found = _build(northstar, "viral.funnel")
    # Window 2 to 31 March: i1–i4 sent; i1, i2 accepted by D; i1 activated.
    assert found.rows == [["Sent", 4, 1], ["Accepted", 2, 0.5], ["Activated", 1, 0.25]]
    assert found.empty_reason is None
    adoption = _build(northstar, "engagement.features")
    # Active in the window: s1 and c1; s1 used forms.
    assert _cells(adoption, "metric", "adoption") == [
        ("forms_usage_rate", 0.5), ("journey_builder_adoption", 0), ("ai_features_usage", 0),
        ("template_marketplace_purchases", 0)]


def test_an_empty_store_says_what_to_import(northstar: Northstar) -> None:
    expected = {
        "revenue.movements": "Import subscriptions (northstar import subscriptions FILE)",
        "revenue.mrr_by_plan": "Import subscriptions (northstar import subscriptions FILE)",
        "viral.k_factor": "Import invitations (northstar import invitations FILE)",
        "viral.funnel": "Import invitations (northstar import invitations FILE)",
        "viral.network_growth": "Import users (northstar import users FILE) or send identify calls",
        "cohorts.retention": "Import users (northstar import users FILE) or send identify calls",
        "engagement.active_users": "Send events to the Segment-compatible API or import them (northstar import "
                                   "events FILE)",
        "engagement.funnel": "Import users (northstar import users FILE) or send identify calls",
    }
    assert {chart_id: _build(northstar, chart_id).empty_reason for chart_id in expected} == expected


def test_every_page_chart_is_registered_and_names_catalog_metrics(make_settings) -> None:
    from northstar.metrics.catalog import build_registry
    from northstar.web.pages import cohorts as cohorts_page
    from northstar.web.pages import engagement as engagement_page
    from northstar.web.pages import revenue as revenue_page
    from northstar.web.pages import viral as viral_page

    registry = build_registry(make_settings())
    for module in (revenue_page, viral_page, cohorts_page, engagement_page):
        shown = [item for section in module.PAGE.sections for item in section.charts]
        assert shown and all(item.chart_id in CHARTS for item in shown), module.PAGE.path
        assert all(name in registry for item in shown for name in item.metrics), module.PAGE.path
        assert all(card.name in registry for card in module.PAGE.cards), module.PAGE.path
