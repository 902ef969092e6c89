"""The rest of the viral family on both backends: per-type K-factor, invite and activation rates,
viral cycle time, the supplier–couple network, and the spec's ``ViralMetrics`` shape, against
values worked out by hand (METRICS.md § Viral (invitations and the network))."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from itertools import count

import pytest

from northstar.app import Northstar
from northstar.metrics.service import MetricsService
from northstar.metrics.viral import TREND_PERIODS, viral_metrics

D = date(2026, 3, 15)  # 7d window: 2026-03-09 00:00 .. 2026-03-16 00:00 UTC
_ids = count()


def exact(fraction: Fraction) -> Decimal:
    return Decimal(fraction.numerator) / Decimal(fraction.denominator)


GB = {"s1", "c1", "c2"}  # the other users are in FR
USERS = [
    {"user_id": user_id, "user_type": user_type, "created_at": signup, "first_seen_at": signup,
     "country": "GB" if user_id in GB else "FR"}
    for user_id, user_type, signup in [
        ("s1", "supplier", datetime(2026, 3, 1)),
        ("s2", "supplier", datetime(2026, 2, 1)),
        ("s3", "supplier", datetime(2026, 1, 1)),
        ("s4", "supplier", datetime(2026, 1, 1)),   # never active
        ("s5", "supplier", datetime(2026, 1, 1)),   # active, no connection, sends nothing
        ("s6", "supplier", datetime(2026, 1, 1)),   # sends an invitation, no events
        ("c1", "couple", datetime(2026, 2, 20)),
        ("c2", "couple", datetime(2026, 1, 1)),
        ("c3", "couple", datetime(2026, 3, 5)),
        ("c4", "couple", datetime(2026, 1, 1)),     # active before the window only
    ]
]


def _page(user: str, at: datetime) -> dict[str, object]:
    return {"message_id": f"n{next(_ids)}", "type": "page", "user_id": user, "timestamp": at, "received_at": at}


# Active in the window: s1 s2 s3 s5 (suppliers), c1 c2 c3 (couples).
EVENTS = [_page(user, datetime(2026, 3, 12, 9)) for user in ("s1", "s2", "s3", "s5", "c1", "c2", "c3")]
EVENTS.append(_page("c4", datetime(2026, 3, 1, 9)))


def _invite(invitation: str, inviter: str, inviter_type: str, sent: datetime, *, invitee: str | None = None,
            invitee_type: str | None = None, accepted: datetime | None = None,
            activated: datetime | None = None) -> dict[str, object]:
    return {"invitation_id": invitation, "inviter_id": inviter, "inviter_type": inviter_type, "invitee_id": invitee,
            "invitee_type": invitee_type, "sent_at": sent, "accepted_at": accepted, "activated_at": activated}


INVITATIONS = [
    _invite("i1", "s1", "supplier", datetime(2026, 3, 10), invitee="c1", invitee_type="couple",
            accepted=datetime(2026, 3, 10, 12), activated=datetime(2026, 3, 11)),
    # A second invitation s1 → c1: the same connection; the invitee's type comes from users.
    _invite("i2", "s1", "supplier", datetime(2026, 3, 11), invitee="c1", accepted=datetime(2026, 3, 11)),
    # Couple → supplier: a connection in the other direction.
    _invite("i3", "c1", "couple", datetime(2026, 3, 12), invitee="s2", invitee_type="supplier",
            accepted=datetime(2026, 3, 12, 12)),
    _invite("i4", "s3", "supplier", datetime(2026, 3, 12), invitee_type="couple"),           # not accepted
    _invite("i5", "s3", "supplier", datetime(2026, 3, 13), invitee="c3", invitee_type="couple",
            accepted=datetime(2026, 3, 16, 10), activated=datetime(2026, 3, 16, 12)),      # after D: not yet
    _invite("i6", "s2", "supplier", datetime(2026, 3, 14), invitee_type="couple",
            accepted=datetime(2026, 3, 14), activated=datetime(2026, 3, 15)),              # invitee id unknown
    _invite("i7", "s4", "supplier", datetime(2026, 3, 1), invitee="c1", invitee_type="couple",
            accepted=datetime(2026, 3, 2)),                                                # before the window
    _invite("i8", "c3", "couple", datetime(2026, 3, 13), invitee="s2", invitee_type="supplier",
            accepted=datetime(2026, 3, 14)),
    _invite("i9", "s6", "supplier", datetime(2026, 3, 14)),                                 # type unknown
    _invite("i10", "c1", "couple", datetime(2026, 3, 14), invitee_type="supplier"),         # not accepted
]
# In the window: i1 i2 i3 i4 i5 i6 i8 i9 i10 = 9 sent; accepted by the end of D: i1 i2 i3 i6 i8 = 5;
# inviters s1 c1 s3 s2 c3 s6 = 6.
# Suppliers: i1 i2 i4 i5 i6 i9 = 6 sent by s1 s3 s2 s6 = 4, accepted i1 i2 i6 = 3.
# Couples: i3 i8 i10 = 3 sent by c1 c3 = 2, accepted i3 i8 = 2.


def _collaboration(collaboration: str, client: str, vendor: str, partner: str, partner_type: str | None,
                   started: datetime) -> dict[str, object]:
    return {"collaboration_id": collaboration, "client_id": client, "vendor_id": vendor, "partner_id": partner,
            "partner_type": partner_type, "started_at": started, "last_activity_at": started}


COLLABORATIONS = [
    _collaboration("k1", "w1", "s1", "c2", "couple", datetime(2026, 3, 2)),
    _collaboration("k2", "w1", "s3", "s1", "supplier", datetime(2026, 3, 3)),   # s3 works on c2's wedding too
    _collaboration("k3", "w2", "s2", "c1", None, datetime(2026, 3, 4)),         # = the invitation c1 → s2
    _collaboration("k4", "w3", "s2", "c3", "couple", datetime(2026, 3, 16, 1)),  # after D
]
# Connections at the end of D (supplier, couple):
#   (s1, c1) i1, i2 · (s2, c1) i3, k3 · (s4, c1) i7 · (s2, c3) i8 · (s1, c2) k1 · (s3, c2) k1 + k2 on w1
# = 6 distinct. Active couples c1 c2 c3 have degrees 3 (s1 s2 s4), 2 (s1 s3), 1 (s2) = 6 links;
# active suppliers s1 s2 s3 s5 have degrees 2, 2, 1, 0 = 5 links. Connections between active users:
# all but (s4, c1) = 5.


@pytest.fixture
def service(northstar: Northstar) -> MetricsService:
    northstar.write({"users": USERS, "events": EVENTS, "invitations": INVITATIONS,
                     "collaborations": COLLABORATIONS}, source="test")
    return MetricsService(northstar.store, northstar.settings)


def value(service: MetricsService, name: str, day: date = D) -> object:
    return service.compute(name, day, "7d").value


def test_k_factor_per_inviter_type(service: MetricsService) -> None:
    # All: (9 / 6) × (5 / 9) = 5/6. Suppliers: (6 / 4) × (3 / 6) = 3/4. Couples: (3 / 2) × (2 / 3) = 1.
    assert value(service, "k_factor") == exact(Fraction(5, 6))
    assert value(service, "k_factor_supplier") == Decimal("0.75")
    assert value(service, "k_factor_couple") == 1
    assert value(service, "avg_invites_per_couple") == Decimal("1.5")                    # 3 / 2
    assert value(service, "connection_completion_rate") == exact(Fraction(2, 3))         # 2 / 3
    early = service.compute("k_factor_couple", date(2026, 2, 1), "7d")
    assert (early.value, early.reason) == (None, "undefined: no invitations sent by couples in the window")


def test_supplier_invite_rate_counts_sending_as_activity(service: MetricsService) -> None:
    # Inviting suppliers in the window: s1 s3 s2 s6 (s4's is before it) = 4. Active: s1 s2 s3 s5 by events,
    # plus s6 who sent one = 5. 4 / 5.
    assert value(service, "supplier_invite_rate") == Decimal("0.8")


def test_couple_activation_rate(service: MetricsService) -> None:
    # Invitations to couples in the window: i1 i2 (c1 from users) i4 i5 i6 = 5 (i9: type unknown; i3 i8 i10:
    # suppliers). Activated by the end of D: i1 (03-11), i6 (03-15); i5 only on 03-16. 2 / 5.
    assert value(service, "couple_activation_rate") == Decimal("0.4")


def test_viral_cycle_time_is_the_median_days_from_inviter_signup_to_acceptance(service: MetricsService) -> None:
    # Accepted invitations of the window: i1 s1 03-01 → 03-10 12:00 = 9.5 d; i2 s1 → 03-11 = 10 d;
    # i3 c1 02-20 → 03-12 12:00 = 20.5 d; i6 s2 02-01 → 03-14 = 41 d; i8 c3 03-05 → 03-14 = 9 d.
    # Median of (9, 9.5, 10, 20.5, 41) = 10 days.
    result = service.compute("viral_cycle_time_days", D, "7d")
    assert (result.value, result.display) == (10, "10.0 d")


def test_network_from_invitations_and_collaborations_both_directions(service: MetricsService) -> None:
    assert value(service, "suppliers_per_couple") == 2                                   # 6 links / 3 couples
    assert value(service, "couples_per_supplier") == Decimal("1.25")                     # 5 links / 4 suppliers
    assert value(service, "cross_connection_rate") == exact(Fraction(2, 3))              # c1, c2 of 3
    assert value(service, "network_density") == exact(Fraction(5, 12))                   # 5 / (4 × 3)


def test_network_split_by_a_trait_keeps_both_ends_in_it(service: MetricsService) -> None:
    # GB only: active suppliers s1, couples c1 c2; connections (s1, c1), (s1, c2).
    gb = {"country": "GB"}
    assert service.compute("suppliers_per_couple", D, "7d", gb).value == 1               # 2 links / 2 couples
    assert service.compute("couples_per_supplier", D, "7d", gb).value == 2               # 2 links / 1 supplier
    assert service.compute("cross_connection_rate", D, "7d", gb).value == 0
    assert service.compute("network_density", D, "7d", gb).value == 1                    # 2 / (1 × 2)


def test_network_without_active_users_is_undefined(service: MetricsService) -> None:
    result = service.compute("network_density", date(2026, 2, 1), "7d")
    assert (result.value, result.reason) == (None, "undefined: no active supplier or no active couple in the window")
    result = service.compute("suppliers_per_couple", date(2026, 2, 1), "7d")
    assert (result.value, result.reason) == (None, "undefined: no active couples in the window")


def test_viral_metrics_shape(service: MetricsService) -> None:
    shape = viral_metrics(service, D, "7d")
    assert (shape["date"], shape["timeframe"]) == ("2026-03-15", "7d")
    assert shape["k_factor"] == pytest.approx(5 / 6)
    # Eight 7-day periods ending 2026-01-25 .. 2026-03-15, oldest first. i7 (03-01) is in the period
    # 02-23 .. 03-01, whose end comes before its acceptance (03-02): k = (1 / 1) × (0 / 1) = 0;
    # 03-02 .. 03-08 has none.
    trend = shape["k_factor_trend"]
    assert len(trend) == TREND_PERIODS
    assert trend[:5] == [None] * 5 and trend[5:] == [0, None, pytest.approx(5 / 6)]
    # First supplier invitations in the window: s1 03-01 → 03-10 = 216 h; s2 02-01 → 03-14 = 984 h;
    # s3 01-01 → 03-12 = 1680 h; s6 01-01 → 03-14 = 1728 h (s4's first is before the window).
    # Median (984 + 1680) / 2 = 1332 h. Invites per supplier: 6 / 4 = 1.5.
    assert shape["supplier_metrics"] == {
        "active_inviters_percentage": 0.8, "avg_invites_per_supplier": 1.5, "time_to_first_invite_hours": 1332,
    }
    assert shape["couple_metrics"] == {
        "activation_rate": 0.4, "avg_suppliers_invited": 1.5, "connection_completion_rate": pytest.approx(2 / 3),
    }
    assert shape["network_effects"] == {
        "suppliers_per_couple": 2, "couples_per_supplier": 1.25, "cross_connection_rate": pytest.approx(2 / 3),
        "network_density": pytest.approx(5 / 12),
    }
    assert shape["reasons"]["k_factor_trend.0"] == "undefined: no invitations sent in the window"
