"""Vendor collaborations per wedding (the ``collaborations`` table).

Three kinds of pair work together on a client (a wedding): the supplier and the couple they
invited (from the couple's acceptance), the couple's supplier and each supplier the couple brought
in (from that invitation's acceptance), and venues and planners who coordinate directly with
another supplier already on the platform (a quarter of their weddings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from northstar.demo.calendar import US_PER_DAY, US_PER_HOUR, Timeline
from northstar.demo.invitations import Clients, Invitations
from northstar.demo.population import COUPLE, SUPPLIER, SUPPLIER_KINDS, Users

COORDINATING_KINDS = np.array([kind in ("venue", "planner") for kind in SUPPLIER_KINDS])


@dataclass(slots=True)
class Collaborations:
    """Collaboration rows: ``client`` (wedding index), ``vendor``/``partner`` (user indices),
    ``partner_type`` (user type code), ``started``/``last_activity`` (µs)."""

    client: np.ndarray
    vendor: np.ndarray
    partner: np.ndarray
    partner_type: np.ndarray
    started: np.ndarray
    last_activity: np.ndarray

    @property
    def n(self) -> int:
        return len(self.started)


def collaborations(
    rng: np.random.Generator, timeline: Timeline, users: Users, clients: Clients, invitations: Invitations
) -> Collaborations:
    """Every collaboration implied by accepted invitations, plus direct supplier pairs; the last
    activity comes a median 9 days after the start, never after the end."""
    accepted = invitations.accepted >= 0
    to_couple = accepted & (invitations.invitee_type == COUPLE)
    to_supplier = accepted & (invitations.invitee_type == SUPPLIER) & (invitations.invitee >= 0)
    wedding_supplier = clients.supplier[invitations.client]

    direct_client = np.flatnonzero(COORDINATING_KINDS[users.kind[clients.supplier]] & (rng.random(len(clients.supplier))
                                                                                      < 0.25))
    direct_start = clients.imported[direct_client] + ((1 + rng.random(len(direct_client)) * 59) * US_PER_DAY).astype(
        np.int64)
    pool = np.flatnonzero(users.user_type == SUPPLIER)
    pool = pool[np.argsort(users.created[pool], kind="stable")]
    available = np.searchsorted(users.created[pool], direct_start, side="left")
    slot = (rng.random(len(direct_client)) * available).astype(np.int64)
    direct_partner = pool[np.minimum(slot, np.maximum(available - 1, 0))] if len(pool) else slot
    direct_vendor = clients.supplier[direct_client]
    direct = (available >= 1) & (direct_partner != direct_vendor) & (direct_start < timeline.end_us)

    client = np.concatenate([invitations.client[to_couple], invitations.client[to_supplier], direct_client[direct]])
    vendor = np.concatenate([invitations.inviter[to_couple], invitations.invitee[to_supplier], direct_vendor[direct]])
    partner = np.concatenate([invitations.invitee[to_couple], wedding_supplier[to_supplier], direct_partner[direct]])
    partner_type = np.concatenate([np.full(int(to_couple.sum()), COUPLE), np.full(int(to_supplier.sum()), SUPPLIER),
                                   np.full(int(direct.sum()), SUPPLIER)]).astype(np.int64)
    started = np.concatenate([invitations.accepted[to_couple], invitations.accepted[to_supplier],
                              direct_start[direct]])
    lasting = (rng.lognormal(np.log(9.0 * 24), 1.0, len(started)) * US_PER_HOUR).astype(np.int64)
    last_activity = np.minimum(started + lasting, timeline.end_us - 1)
    order = np.argsort(started, kind="stable")
    return Collaborations(client[order], vendor[order], partner[order], partner_type[order], started[order],
                          last_activity[order])
