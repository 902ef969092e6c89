"""Coordination metrics on both backends, against values worked out by hand (METRICS.md
§ Coordination (vendor collaborations))."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from northstar.app import Northstar
from northstar.metrics.service import MetricsService

D = date(2026, 3, 15)  # 7d window: 2026-03-09 00:00 .. 2026-03-16 00:00 UTC

USERS = [
    {"user_id": user_id, "user_type": user_type, "created_at": datetime(2026, 1, 1),
     "first_seen_at": datetime(2026, 1, 1)}
    for user_id, user_type in [("v1", "supplier"), ("v2", "supplier"), ("v3", "supplier"), ("v4", "supplier"),
                               ("p1", "couple")]
]


def _collaboration(collaboration: str, client: str, vendor: str, partner: str, partner_type: str | None,
                   started: datetime, last: datetime | None) -> dict[str, object]:
    return {"collaboration_id": collaboration, "client_id": client, "vendor_id": vendor, "partner_id": partner,
            "partner_type": partner_type, "started_at": started, "last_activity_at": last}


COLLABORATIONS = [
    _collaboration("k1", "w1", "v1", "v2", "supplier", datetime(2026, 3, 10, 8), datetime(2026, 3, 10, 20)),  # 12 h
    # The same pair the other way round; v1's type comes from users.
    _collaboration("k2", "w1", "v2", "v1", None, datetime(2026, 3, 11), datetime(2026, 3, 12)),             # 24 h
    # Started before the window, last activity inside it: active, but not started in the window.
    _collaboration("k3", "w2", "v3", "p1", "couple", datetime(2026, 3, 1), datetime(2026, 3, 9, 6)),
    # Last activity after D: capped at the end of D, 03-14 12:00 → 03-16 00:00 = 36 h.
    _collaboration("k4", "w3", "v1", "v3", "supplier", datetime(2026, 3, 14, 12), datetime(2026, 3, 17)),
    # Partner of unknown type (not a user): not a vendor. No activity yet: 0 h.
    _collaboration("k5", "w4", "v4", "x9", None, datetime(2026, 3, 13), None),
    _collaboration("k6", "w5", "v2", "v3", "supplier", datetime(2026, 2, 1), datetime(2026, 3, 8, 23)),  # ended before
    _collaboration("k7", "w6", "v1", "v4", "supplier", datetime(2026, 3, 16, 2), None),                   # after D
]


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "collaborations": COLLABORATIONS}, source="test")
    return MetricsService(northstar.store, northstar.settings)


def value(service: MetricsService, name: str, day: date = D) -> object:
    return service.compute(name, day, "7d").value


def test_weddings_coordinated_counts_clients_of_collaborations_overlapping_the_window(service: MetricsService) -> None:
    # Active in the window: k1 k2 (w1), k3 (w2), k4 (w3), k5 (w4) → 4 clients; k6 ended 03-08, k7 starts after D.
    assert value(service, "weddings_coordinated") == 4


def test_vendor_pairs_are_unordered_and_exclude_couples_and_unknown_partners(service: MetricsService) -> None:
    # {v1, v2} (k1 and k2, one pair), {v1, v3} (k4); k3's partner is a couple, k5's of unknown type.
    assert value(service, "active_vendor_pairs") == 2


def test_vendors_collaborating(service: MetricsService) -> None:
    # vendor_id: v1 v2 v3 v4; vendor partners: v2 v1 v3. Distinct: v1 v2 v3 v4 = 4 (p1 and x9 are not vendors).
    assert value(service, "vendors_collaborating") == 4


def test_avg_coordination_hours_over_collaborations_started_in_the_window(service: MetricsService) -> None:
    # Started in the window: k1 12 h, k2 24 h, k4 36 h (capped at the end of D), k5 0 h → 72 / 4 = 18 h.
    result = service.compute("avg_coordination_hours", D, "7d")
    assert (result.value, result.display) == (18, "18.0 h")


def test_quiet_window(service: MetricsService) -> None:
    quiet = date(2026, 1, 15)
    assert value(service, "weddings_coordinated", quiet) == 0
    assert value(service, "active_vendor_pairs", quiet) == 0
    result = service.compute("avg_coordination_hours", quiet, "7d")
    assert (result.value, result.reason) == (None, "undefined: no collaboration started in the window")


def test_without_collaborations_there_is_no_data(northstar: Northstar) -> None:
    result = MetricsService(northstar.store, northstar.settings).compute("weddings_coordinated", D, "7d")
    assert result.value is None and str(result.reason).startswith("no_data:")
