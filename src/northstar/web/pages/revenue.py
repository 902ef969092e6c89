"""``/revenue``: MRR and its movements, MRR by plan and by acquisition source, churn and revenue
retention (issue 4, page 3). The page is :data:`PAGE`: catalog names for the cards, chart ids
for the charts (``reports/page_charts/revenue.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from northstar.web.pages.family import FamilyPage, PageChart, PageSection, page_router
from northstar.web.pages.overview import CardSpec
from northstar.web.security.financial import financial_view

MOVEMENTS = ("new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr", "net_new_mrr")

PAGE = FamilyPage(
    path="/revenue", title="Revenue", template="revenue.html",
    intro="Recurring revenue, how it moved month by month, where it comes from and how much of it stays.",
    cards=(CardSpec("mrr"), CardSpec("arr"), CardSpec("net_new_mrr"), CardSpec("quick_ratio"),
           CardSpec("monthly_churn_rate"), CardSpec("net_revenue_retention"), CardSpec("arpa"), CardSpec("clv")),
    sections=(
        PageSection("MRR movements", (
            PageChart("revenue.movements", "MRR movements per month",
                      "New, expansion and reactivation MRR above zero, contraction and churned MRR below; the line "
                      "is net new MRR. At least the last 12 months.",
                      MOVEMENTS),
        )),
        PageSection("Where MRR comes from", (
            PageChart("revenue.mrr_by_plan", "MRR by plan", "MRR at the end of each month by subscription plan.",
                      ("mrr",)),
            PageChart("revenue.by_source", "MRR by acquisition source",
                      "MRR at the end of each month by the customer's acquisition source.", ("mrr",)),
        )),
        PageSection("Churn and retention", (
            PageChart("revenue.churn", "Churn per month",
                      "Customer (logo), revenue and net MRR churn of each month, with the churn target.",
                      ("monthly_churn_rate", "revenue_churn_rate", "net_mrr_churn_rate")),
            PageChart("revenue.retention", "Revenue retention per month",
                      "Net and gross revenue retention (12 months) of each month; above 1.0 the customers kept "
                      "pay more than a year before.",
                      ("net_revenue_retention", "gross_revenue_retention")),
        )),
    ),
)
# The page shows financial values to those allowed: each view of it by them is audited.
router = APIRouter(dependencies=[financial_view()])
router.include_router(page_router(PAGE))
