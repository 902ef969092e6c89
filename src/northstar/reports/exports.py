"""A :class:`Chart` as a file: CSV and XLSX from its table, PNG and SVG rendered on the server by
vl-convert from the very spec the browser draws.

Cells keep the table's exact values: money in major units (``1234.50``, with the ``currency``
column), rates as fractions, dates as ISO days, an undefined value as an empty cell.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import vl_convert
from openpyxl import Workbook
from openpyxl.styles import Font

from northstar.reports.charts import Chart

EXPORT_WIDTH = 720  # pixels of a chart whose spec fills its container in the browser
PNG_SCALE = 2


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_csv(chart: Chart) -> bytes:
    """The table as UTF-8 CSV (header row of ``chart.columns``, one line per row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(chart.columns)
    writer.writerows([_cell(value) for value in row] for row in chart.rows)
    return out.getvalue().encode("utf-8")


def to_xlsx(chart: Chart) -> bytes:
    """The table as an XLSX workbook with one sheet: a bold header, dates as dates, numbers as
    numbers (money with two decimals); the chart's title and empty reason in the sheet's properties."""
    book = Workbook()
    sheet = book.active
    sheet.title = chart.chart_id.replace(".", " ")[:31] or "chart"
    sheet.append(chart.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in chart.rows:
        sheet.append([float(value) if isinstance(value, Decimal) else value for value in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
    book.properties.title = chart.title
    book.properties.description = chart.empty_reason or chart.title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_spec(chart: Chart) -> dict[str, Any]:
    """The chart's spec with a fixed width (a browser spec fills its container) and a white background."""
    spec = dict(chart.spec)
    if spec.get("width") == "container":
        spec["width"] = EXPORT_WIDTH
    spec.setdefault("background", "white")
    return spec


def to_png(chart: Chart) -> bytes:
    """The chart as a PNG image (twice the CSS pixel size), rendered by vl-convert."""
    return vl_convert.vegalite_to_png(export_spec(chart), scale=PNG_SCALE)


def to_svg(chart: Chart) -> str:
    """The chart as an SVG document, rendered by vl-convert."""
    return vl_convert.vegalite_to_svg(export_spec(chart))
