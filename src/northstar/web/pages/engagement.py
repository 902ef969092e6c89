"""``/engagement``: active users, feature adoption and onboarding (issue 4, page 6). The page is
:data:`PAGE` (catalog names for the cards, chart ids from ``reports/page_charts/engagement.py``)."""

from __future__ import annotations

from northstar.metrics.engagement import FEATURE_METRIC_NAMES
from northstar.metrics.milestones import MILESTONES
from northstar.web.pages.family import FamilyPage, PageChart, PageSection, page_router
from northstar.web.pages.overview import CardSpec

# The adoption rates of the specification's features (a deployment's own features are in the chart too).
FEATURES = tuple(FEATURE_METRIC_NAMES.values())
MILESTONE_RATES = tuple(f"{milestone.name}_rate" for milestone in MILESTONES)

PAGE = FamilyPage(
    path="/engagement", title="Engagement and adoption", template="engagement.html",
    intro="How many people use the product, which features they adopt and how far new users get.",
    cards=(CardSpec("dau"), CardSpec("wau"), CardSpec("mau"), CardSpec("stickiness"),
           CardSpec("avg_session_duration_minutes"), CardSpec("sessions_per_user")),
    sections=(
        PageSection("Active users", (
            PageChart("engagement.active_users", "DAU, WAU and MAU",
                      "Daily, weekly and monthly active users on the last day of each period of the range.",
                      ("dau", "wau", "mau")),
        )),
        PageSection("Feature adoption", (
            PageChart("engagement.features", "Feature adoption",
                      "Share of the period's active users who used each declared feature.", FEATURES),
        )),
        PageSection("Onboarding", (
            PageChart("engagement.milestones", "Onboarding milestones",
                      "Share of the period's new users who reached each milestone in time.", MILESTONE_RATES),
            PageChart("engagement.funnel", "Onboarding funnel",
                      "New users of the period who went on to each onboarding step, in order.", ("new_signups",)),
        )),
    ),
)
router = page_router(PAGE)
