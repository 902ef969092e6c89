"""The charts of the Revenue, Viral, Cohorts and Engagement pages (issue 4, pages 3–6), registered
in :data:`northstar.reports.charts.CHARTS` when this package is imported."""

from northstar.reports.page_charts import cohorts, engagement, revenue, viral

__all__ = ["cohorts", "engagement", "revenue", "viral"]
