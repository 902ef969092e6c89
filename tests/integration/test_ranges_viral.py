"""The viral family's range computations (``Metric.compute_days``) give exactly the per-day values,
on both backends, on a readable fixture in Europe/Berlin across the 2026 switch to summer time
(29 March, 02:00 local), with invitations, acceptances, activations, collaborations, signups,
deletions and events just around local midnight (METRICS.md § Viral (invitations and the network))."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from northstar.app import Northstar
from northstar.config import Settings
from northstar.domain.time import Window
from northstar.metrics.service import MetricsService
from tests.ranged import per_day, ranged

FIRST, LAST = date(2026, 3, 20), date(2026, 4, 2)
DAYS = [FIRST + timedelta(days=offset) for offset in range((LAST - FIRST).days + 1)]

VIRAL = ("invitations_sent", "invitations_accepted", "invitation_conversion_rate", "k_factor",
         "avg_invites_per_inviter", "avg_invites_per_supplier", "avg_invites_per_couple", "k_factor_supplier",
         "k_factor_couple", "connection_completion_rate", "supplier_invite_rate", "couple_activation_rate",
         "time_to_first_invite_hours", "viral_cycle_time_days", "suppliers_per_couple", "couples_per_supplier",
         "cross_connection_rate", "network_density")


def _user(user_id: str, user_type: str, created: datetime, deleted: datetime | None = None) -> dict[str, object]:
    return {"user_id": user_id, "user_type": user_type, "created_at": created, "first_seen_at": created,
            "deleted_at": deleted}


def _page(message_id: str, user_id: str, at: datetime) -> dict[str, object]:
    return {"message_id": message_id, "type": "page", "user_id": user_id, "timestamp": at, "received_at": at}


def _invite(invitation: str, inviter: str, inviter_type: str | None, sent: datetime, invitee: str | None = None,
            invitee_type: str | None = None, accepted: datetime | None = None,
            activated: datetime | None = None) -> dict[str, object]:
    return {"invitation_id": invitation, "inviter_id": inviter, "inviter_type": inviter_type, "invitee_id": invitee,
            "invitee_type": invitee_type, "sent_at": sent, "accepted_at": accepted, "activated_at": activated}


def _collaboration(collaboration: str, client: str, vendor: str, partner: str, started: datetime) -> dict[str, object]:
    return {"collaboration_id": collaboration, "client_id": client, "vendor_id": vendor, "partner_id": partner,
            "started_at": started}


@pytest.fixture
def berlin(database: str, make_settings: Callable[..., Settings]) -> Iterator[Northstar]:
    """Instants are UTC; Berlin is UTC+1 until 29 March 2026 01:00 UTC, then UTC+2."""
    northstar = Northstar(make_settings(database=database, reporting_timezone="Europe/Berlin"))
    northstar.write({
        "users": [
            _user("s1", "supplier", datetime(2026, 3, 1, 10)),
            _user("s2", "supplier", datetime(2026, 3, 25, 23, 30)),                # 26 March 00:30 local
            _user("s3", "supplier", datetime(2026, 3, 10), deleted=datetime(2026, 3, 30, 22, 30)),  # 31st 00:30
            _user("c1", "couple", datetime(2026, 3, 15)),
            _user("c2", "couple", datetime(2026, 3, 21, 22, 59)),                  # 21 March 23:59 local
            _user("c3", "couple", datetime(2026, 3, 28, 23, 30)),                  # 29 March 00:30 local
        ],
        "events": [
            _page("e1", "s1", datetime(2026, 3, 21, 9)),
            _page("e2", "s1", datetime(2026, 3, 27, 22, 30)),                      # 27 March 23:30 local
            _page("e3", "s1", datetime(2026, 3, 29, 22, 30)),                      # 30 March 00:30 local
            _page("e4", "s2", datetime(2026, 3, 26, 8)),
            _page("e5", "s3", datetime(2026, 3, 22, 12)),
            _page("e6", "c1", datetime(2026, 3, 20, 12)),
            _page("e7", "c1", datetime(2026, 3, 29, 21, 59)),                      # 29 March 23:59 local
            _page("e8", "c2", datetime(2026, 3, 23, 10)),
            _page("e9", "c3", datetime(2026, 4, 1, 10)),
        ],
        "invitations": [
            _invite("i0", "s1", "supplier", datetime(2026, 2, 20), "c1", "couple", accepted=datetime(2026, 2, 21)),
            _invite("i1", "s1", "supplier", datetime(2026, 3, 20, 22, 30), "c1", "couple",   # 20 March 23:30 local
                    accepted=datetime(2026, 3, 20, 23, 10), activated=datetime(2026, 3, 22, 10)),  # 21st 00:10
            _invite("i2", "s1", "supplier", datetime(2026, 3, 24, 10), invitee_type="couple"),  # never accepted
            _invite("i3", "s2", None, datetime(2026, 3, 26, 23, 30), "c2", "couple",        # 27 March 00:30 local
                    accepted=datetime(2026, 3, 28, 23, 30),                                 # 29 March 00:30 local
                    activated=datetime(2026, 3, 29, 22, 30)),                               # 30 March 00:30 local
            _invite("i4", "c2", "couple", datetime(2026, 3, 22, 9), "s3", "supplier",
                    accepted=datetime(2026, 3, 23, 9)),
            _invite("i5", "s3", "supplier", datetime(2026, 3, 28, 12), "c3", accepted=datetime(2026, 3, 29, 12)),
            _invite("i6", "s1", "supplier", datetime(2026, 3, 31, 21, 59), "c2",              # 31 March 23:59 local
                    accepted=datetime(2026, 4, 1, 8)),
            _invite("i7", "x9", None, datetime(2026, 3, 25, 12)),                            # unknown inviter
        ],
        "collaborations": [
            _collaboration("k1", "w1", "s2", "c1", datetime(2026, 3, 27, 22, 30)),          # 27 March 23:30 local
            _collaboration("k2", "w1", "s3", "s2", datetime(2026, 3, 30, 10)),              # s3 and c1 share w1
            _collaboration("k3", "w2", "s1", "c3", datetime(2026, 4, 1, 22, 30)),           # 2 April 00:30 local
        ],
    }, source="test")
    yield northstar
    northstar.close()


def test_every_viral_range_computation_equals_the_per_day_one(berlin: Northstar) -> None:
    service = MetricsService(berlin.store, berlin.settings)
    assert all(service.registry.get(name).compute_days is not None for name in VIRAL)
    for name in VIRAL:
        for length in (1, 7, 30):
            assert ranged(berlin, name, DAYS, length) == per_day(berlin, name, DAYS, length), (name, length)


def test_viral_range_values_by_hand(berlin: Northstar) -> None:
    def values(name: str, length: int) -> list[object]:
        return [measured.value for measured in ranged(berlin, name, DAYS, length).values()]

    #                                            20 21 22 23 24 25 26 27 28 29 30 31  1  2
    assert values("invitations_sent", 1) ==     [1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0]
    # Accepted (local days): i1 sent 20th on the 21st, i4 22nd on the 23rd, i3 27th and i5 28th on the
    # 29th, i6 31st on 1 April.
    assert values("invitations_accepted", 7) == [0, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 2, 3, 3]
    assert values("invitations_sent", 30)[-1] == 8 - 1                       # i0 is before the window
    assert values("k_factor", 30)[-1] == Decimal(5) / Decimal(5)            # (7 / 5 inviters) × (5 / 7)
    # s2's first invitation: 24 h after signup; s3's: 18 days 12 h; s1's first (i0) is before the range.
    first = ranged(berlin, "time_to_first_invite_hours", DAYS, 30)
    assert first[date(2026, 3, 27)].value == 24 and first[date(2026, 4, 2)].value == 234
    assert first[date(2026, 3, 26)].reason == "undefined: no supplier sent a first invitation in the window"
    # Couples invited (i1, i2, i3, i5 to c3, i6 to c2), activated by the end of D: i1 (22nd), i3 (30th).
    activation = ranged(berlin, "couple_activation_rate", DAYS, 30)
    assert activation[date(2026, 3, 29)].value == Decimal(1) / Decimal(4)
    assert activation[date(2026, 3, 30)].value == Decimal(2) / Decimal(4)
    # Active suppliers in the 7 days to 27 March: s1 (21st, 27th), s2 (26th), s3 (22nd); s1 sent i2
    # on the 24th and s2 sent i3 on the 27th (local): 2 of 3.
    assert ranged(berlin, "supplier_invite_rate", DAYS, 7)[date(2026, 3, 27)].value == Decimal(2) / Decimal(3)
    # s1's first invitation (i0, 20 February) precedes its signup (1 March 10:00): -226 h.
    assert first[date(2026, 3, 20)].value == -226
    # On 30 March, c1 (active on the 29th) is connected to s1 (i0), s2 (w1 from the 27th) and s3 (w1
    # from the 30th); c2 (last active on the 23rd) is not active in the 7 days.
    network = ranged(berlin, "suppliers_per_couple", DAYS, 7)
    assert network[date(2026, 3, 29)].value == 2 and network[date(2026, 3, 30)].value == 3
    # s3 is deleted on the 31st: c1 keeps s1 and s2.
    assert network[date(2026, 3, 31)].value == 2
    assert values("cross_connection_rate", 7)[10] == 1


def test_viral_ranges_before_any_data_equal_the_per_day_ones(berlin: Northstar) -> None:
    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 9)]
    service = MetricsService(berlin.store, berlin.settings)
    for name in VIRAL:
        spec = service.registry.spec(name)
        ranged = service.measure_days(spec, days, 7, {}, snapshot=False)
        assert ranged == {day: MetricsService(berlin.store, berlin.settings).measure(
            spec, day, Window.ending_on(day, 7), {}, snapshot=False) for day in days}, name
    assert ranged[days[0]].reason == "undefined: no active supplier or no active couple in the window"
