"""``/viral``: the viral coefficient tracker (issue 4, page 4): the K-factor against its target and
the viral threshold, the loop broken down, the invitation funnel and the network effects. The page
is :data:`PAGE` (catalog names for the cards, chart ids from ``reports/page_charts/viral.py``)."""

from __future__ import annotations

from northstar.web.pages.family import FamilyPage, PageChart, PageSection, page_router
from northstar.web.pages.overview import CardSpec

# The loop: K-factor = invites per inviter × invitation conversion (METRICS.md, Viral).
LOOP = ("avg_invites_per_inviter", "invitation_conversion_rate", "k_factor")

PAGE = FamilyPage(
    path="/viral", title="Viral coefficient", template="viral.html",
    intro="How many new users each user brings in, through invitations and the supplier–couple network.",
    cards=(*(CardSpec(name) for name in LOOP), CardSpec("viral_cycle_time_days"), CardSpec("suppliers_per_couple"),
           CardSpec("couples_per_supplier"), CardSpec("cross_connection_rate"), CardSpec("network_density")),
    sections=(
        PageSection("K-factor", (
            PageChart("viral.k_factor", "K-factor per month",
                      "Above 1.0 each user brings in more than one new user: growth sustains itself.", ("k_factor",)),
            PageChart("viral.loop", "The viral loop per month",
                      "Invites per inviter (bars) and the share of invitations accepted (line); their product is "
                      "the K-factor.", LOOP),
        )),
        PageSection("Invitations", (
            PageChart("viral.funnel", "Invitation funnel",
                      "Invitations sent in the period, how many were accepted and how many invitees activated.",
                      ("invitations_sent", "invitations_accepted")),
        )),
        PageSection("Network effects", (
            PageChart("viral.network_growth", "Network growth per month",
                      "Suppliers and couples (the nodes) and the connections between them at the end of each month.",
                      ("total_suppliers", "total_couples")),
            PageChart("viral.network_degrees", "Connections per user per month",
                      "Suppliers per active couple and couples per active supplier (all users: a connection has "
                      "both types).", ("suppliers_per_couple", "couples_per_supplier")),
            PageChart("viral.network_density", "Cross-connection and density per month",
                      "Couples connected to two or more suppliers, and the share of possible connections made.",
                      ("cross_connection_rate", "network_density")),
        )),
    ),
)
router = page_router(PAGE, lambda service, view: {"loop_metrics": LOOP})
