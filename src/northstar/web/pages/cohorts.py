"""``/cohorts``: retention and revenue of each signup month, and N-day retention curves (issue 4,
page 5). The page is :data:`PAGE` (catalog names for the cards, chart ids from
``reports/page_charts/cohorts.py``); the heatmaps follow the URL's ``user_type``."""

from __future__ import annotations

from northstar.web.pages.family import FamilyPage, PageChart, PageSection, page_router
from northstar.web.pages.overview import CardSpec

PAGE = FamilyPage(
    path="/cohorts", title="Cohorts", template="cohorts.html",
    intro="How each month's new users stay active and what they pay as months go by.",
    cards=(CardSpec("d1_retention"), CardSpec("d7_retention"), CardSpec("d30_retention"), CardSpec("d90_retention")),
    sections=(
        PageSection("Retention by signup month", (
            PageChart("cohorts.retention", "Retention heatmap",
                      "Each row is a signup month; each cell the share of its users active in that month since "
                      "signup (0 is the signup month). The last 12 signup months.", ("total_users",)),
        ), user_type_switch=True),
        PageSection("Revenue cohorts", (
            PageChart("cohorts.revenue", "MRR by signup month",
                      "MRR of each signup month's users at the end of each month since signup.", ("mrr",)),
        )),
        PageSection("N-day retention", (
            PageChart("cohorts.curves", "N-day retention curves",
                      "Share of each signup month's users active exactly 1, 7, 30 and 90 days after signup; a day "
                      "not reached yet is left out.",
                      ("d1_retention", "d7_retention", "d30_retention", "d90_retention")),
        )),
    ),
)
router = page_router(PAGE)
