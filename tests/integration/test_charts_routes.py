"""Chart routes (JSON, CSV, XLSX, PNG, SVG) and the board export API through a real server, on a
small hand-made fixture (the overview test's) with values worked out by hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook

from northstar.app import Northstar
from northstar.config import Settings
from tests.conftest import LiveServer
from tests.integration.test_overview import EVENTS, INVITATIONS, SAMPLES, SUBSCRIPTIONS, USERS

# MRR: £490/year from 02-01 = 4083.33 p/month; plus £49/month from 02-20 → 8983.33 p (£89.83).
# DAU on 03-12: c1; on 03-15: s1; no other day has an active user.
RANGE = {"start": "2026-03-09", "end": "2026-03-15"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("charts") / "charts.duckdb"
    northstar = Northstar(Settings(database=str(database), auth={"anonymous_role": "admin"}))
    northstar.write({"subscription_history": SUBSCRIPTIONS, "users": USERS, "events": EVENTS,
                     "invitations": INVITATIONS, "performance_samples": SAMPLES}, source="test")
    live = LiveServer(northstar).start()
    yield live
    live.stop()
    northstar.close()


def get(server: LiveServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, timeout=120)


def test_chart_json_has_the_spec_and_the_table(server: LiveServer) -> None:
    body = get(server, "/charts/metric.series.json", metric="mrr", grain="week", start="2026-02-14",
               end="2026-03-15").json()
    assert body["columns"] == ["start", "end", "mrr", "currency"]
    assert body["rows"] == [
        ["2026-02-14", "2026-02-15", 40.83, "GBP"],   # 49000/12 = 4083.33 p
        ["2026-02-16", "2026-02-22", 89.83, "GBP"],   # the monthly plan started on 02-20
        ["2026-02-23", "2026-03-01", 89.83, "GBP"],
        ["2026-03-02", "2026-03-08", 89.83, "GBP"],
        ["2026-03-09", "2026-03-15", 89.83, "GBP"],
    ]
    assert body["empty_reason"] is None
    spec = body["spec"]
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["title"] == "MRR" and spec["description"].startswith("MRR per week from 2026-02-14 to 2026-03-15")
    assert [record["value"] for record in spec["data"]["values"]] == [40.83, 89.83, 89.83, 89.83, 89.83]


def test_chart_table_as_a_page_for_browsers_without_javascript(server: LiveServer) -> None:
    page = get(server, "/charts/metric.series.html", metric="mrr", grain="week", start="2026-03-02",
               end="2026-03-15")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<caption>MRR, 2026-03-02 to 2026-03-15</caption>" in page.text
    assert '<td>2026-03-09</td><td>2026-03-15</td><td class="number">89.83</td><td>GBP</td>' in page.text
    assert 'href="/charts/metric.series.csv?metric=mrr' in page.text
    # The figure on a page links to it in its "view as table" before JavaScript fills the table in.
    drilldown = get(server, "/metrics/mrr")
    assert 'href="/charts/metric.series.html?' in drilldown.text


def test_breakdown_and_comparison_rows(server: LiveServer) -> None:
    split = get(server, "/charts/metric.series.json", metric="dau", breakdown="user_type", **RANGE).json()
    assert split["columns"] == ["start", "end", "user_type", "dau"]
    active = {(row[2], row[0]): row[3] for row in split["rows"] if row[3]}
    assert active == {("couple", "2026-03-12"): 1, ("supplier", "2026-03-15"): 1}
    compared = get(server, "/charts/metric.series.json", metric="mrr", grain="week", compare="1", **RANGE).json()
    assert compared["rows"] == [["2026-03-09", "2026-03-15", "this period", 89.83, "GBP"],
                                ["2026-03-02", "2026-03-08", "previous period", 89.83, "GBP"]]


def test_csv_and_xlsx_downloads_carry_the_same_numbers(server: LiveServer) -> None:
    response = get(server, "/charts/metric.series.csv", metric="dau", **RANGE)
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="metric-series-dau-2026-03-09-2026-03-15.csv"')
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["start", "end", "dau"]
    assert [row[2] for row in rows[1:]] == ["0", "0", "0", "1", "0", "0", "1"]
    book = load_workbook(io.BytesIO(get(server, "/charts/metric.series.xlsx", metric="mrr", **RANGE).content))
    sheet = book.active
    assert [cell.value for cell in sheet[1]] == ["start", "end", "mrr", "currency"]
    assert sheet.max_row == 8 and sheet["C8"].value == 89.83 and sheet["D8"].value == "GBP"


def test_png_and_svg_are_rendered_on_the_server(server: LiveServer) -> None:
    png = get(server, "/charts/metric.series.png", metric="mrr", mark="bar", **RANGE)
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = get(server, "/charts/metric.series.svg", metric="mrr", mark="area", **RANGE)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg") and "MRR" in svg.text


def test_errors_name_the_chart_or_the_parameter(server: LiveServer) -> None:
    missing = get(server, "/charts/no.such.json")
    assert missing.status_code == 404 and missing.json()["detail"] == "unknown chart 'no.such'"
    assert get(server, "/charts/metric.series.json", metric="nope").json()["detail"] == "unknown metric 'nope'"
    for params, field in [({"metric": "mrr", "grain": "year"}, "grain"), ({"metric": "mrr", "mark": "pie"}, "mark"),
                          ({"metric": "mrr", "start": "2026-03-10", "end": "2026-03-01"}, "end"),
                          ({"metric": "mrr", "date": "yesterday"}, "date"), ({}, "metric"),
                          ({"metric": "cac", "user_type": "couple"}, "filters")]:
        response = get(server, "/charts/metric.series.json", **params)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == ["query", field]
    assert get(server, "/charts/metric.series.gif", metric="mrr").status_code == 422


def test_board_export_has_one_column_per_metric_and_the_api_values(server: LiveServer) -> None:
    params = {"metrics": "mrr,dau,k_factor", "start": "2026-03-01", "end": "2026-03-15", "grain": "week"}
    response = get(server, "/api/v1/metrics/export", **params)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="northstar-metrics-2026-03-01-2026-03-15-week.csv"')
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [
        ["period_start", "period_end", "mrr", "dau", "k_factor", "currency"],
        ["2026-03-01", "2026-03-01", "89.83", "0", "", "GBP"],
        ["2026-03-02", "2026-03-08", "89.83", "0", "", "GBP"],
        ["2026-03-09", "2026-03-15", "89.83", "1", "1", "GBP"],   # 2 invites by 1 inviter × 1/2 accepted
    ]
    api = get(server, "/api/v1/metrics/mrr/series", start="2026-03-01", end="2026-03-15", grain="week").json()
    assert [point["money"]["minor"] / 100 for point in api["lines"][0]["points"]] == [
        float(row[2]) for row in rows[1:]]
    book = load_workbook(io.BytesIO(get(server, "/api/v1/metrics/export", format="xlsx", **params).content))
    assert [cell.value for cell in book.active[4]][2:5] == [89.83, 1, 1]


def test_board_export_errors(server: LiveServer) -> None:
    base = {"start": "2026-03-01", "end": "2026-03-15"}
    assert get(server, "/api/v1/metrics/export", metrics="mrr,nope", **base).status_code == 404
    for params, field in [({"metrics": " , "}, "metrics"), ({"metrics": "mrr", "format": "pdf"}, "format"),
                          ({"metrics": "mrr", "grain": "hour"}, "grain")]:
        response = get(server, "/api/v1/metrics/export", **params, **base)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", field], params


def test_export_is_in_the_openapi_schema(server: LiveServer) -> None:
    paths = get(server, "/openapi.json").json()["paths"]
    assert {"404", "422"} <= set(paths["/api/v1/metrics/export"]["get"]["responses"])
    assert "/charts/{chart_id}.{fmt}" in paths


