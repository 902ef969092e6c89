"""Reports: charts as data (a Vega-Lite spec plus the same numbers as a table) and their exports
(CSV, XLSX, PNG, SVG). The dashboard, the export API and scheduled reports all go through here."""
