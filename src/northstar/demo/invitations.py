"""The network: suppliers import clients (weddings) and invite their couples; couples invite
more suppliers, some of whom join. Each step is one vectorised pass over a generation of users.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from northstar.demo.calendar import US_PER_DAY, US_PER_HOUR, US_PER_SECOND, Timeline
from northstar.demo.population import COUPLE, SUPPLIER, SUPPLIER_KINDS, Users

CHANNELS = ("email", "sms", "link")
CHANNEL_SHARES = (0.70, 0.15, 0.15)
# Mean clients (weddings) a supplier imports, by kind: venues and planners run more weddings.
CLIENTS_BY_KIND = np.array([9.0 if kind not in ("venue", "planner") else 16.0 for kind in SUPPLIER_KINDS])


@dataclass(slots=True)
class Clients:
    """Imported clients, one wedding each: ``supplier`` (user index), ``imported`` and ``wedding``
    (the wedding day), both µs."""

    supplier: np.ndarray
    imported: np.ndarray
    wedding: np.ndarray


@dataclass(slots=True)
class Invitations:
    """Invitations, one row each: ``inviter``/``invitee`` (user indices; invitee -1 until someone
    signs up), ``inviter_type``/``invitee_type``, ``channel`` (code into ``CHANNELS``), ``client``
    (the wedding's index in :class:`Clients`), ``sent``/``accepted``/``activated`` (µs, -1 never)."""

    inviter: np.ndarray
    invitee: np.ndarray
    inviter_type: np.ndarray
    invitee_type: np.ndarray
    channel: np.ndarray
    client: np.ndarray
    sent: np.ndarray
    accepted: np.ndarray
    activated: np.ndarray

    @classmethod
    def empty(cls) -> Invitations:
        return cls(**{field.name: np.empty(0, dtype=np.int64) for field in fields(cls)})

    def extend(self, part: Invitations) -> None:
        for field in fields(self):
            setattr(self, field.name, np.concatenate([getattr(self, field.name), getattr(part, field.name)]))

    @property
    def n(self) -> int:
        return len(self.sent)


def _hours(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return (rng.lognormal(np.log(median), sigma, n) * US_PER_HOUR).astype(np.int64)


def import_clients(rng: np.random.Generator, timeline: Timeline, users: Users, suppliers: np.ndarray) -> Clients:
    """Clients of ``suppliers`` (user indices). 80 % of suppliers import a first batch (about two
    thirds of their clients, a median 8 hours after signup, one second apart); the rest arrive
    while they stay. Weddings fall 1-14 months after the import. Clients imported at or after
    the end are dropped."""
    n = len(suppliers)
    onboards = rng.random(n) < 0.8
    counts = np.where(onboards, 1 + rng.poisson(CLIENTS_BY_KIND[users.kind[suppliers]]), 0)
    owner = np.repeat(suppliers, counts)
    first_import = users.created[suppliers] + _hours(rng, 8.0, 1.0, n)
    horizon = np.minimum(users.active_until[suppliers], timeline.end_us)
    position = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    first = np.repeat(first_import, counts)
    in_batch = rng.random(len(owner)) < 0.67
    later = first + (rng.random(len(owner)) * np.maximum(np.repeat(horizon, counts) - first, 0)).astype(np.int64)
    imported = np.where(in_batch | (position == 0), first + position * US_PER_SECOND, later)
    wedding = imported + ((30 + rng.random(len(owner)) * 390) * US_PER_DAY).astype(np.int64)
    wedding -= wedding % US_PER_DAY
    keep = imported < np.minimum(np.repeat(horizon, counts), timeline.end_us)
    return Clients(supplier=owner[keep], imported=imported[keep], wedding=wedding[keep])


def invite_couples(
    rng: np.random.Generator, timeline: Timeline, users: Users, clients: Clients, client_offset: int
) -> Invitations:
    """Supplier → couple invitations for ``clients`` (their indices start at ``client_offset``).

    70 % of suppliers invite, each inviting the couples of about 60 % of their clients a median
    30 hours after the import (while still on the platform, before the wedding). Half of the
    couples accept (a median 20 hours later) and 80 % of those activate (a median 30 hours after
    accepting). Instants at or after the end are left out (-1)."""
    n = len(clients.supplier)
    inviting_supplier = rng.random(users.n) < 0.7
    sent = clients.imported + _hours(rng, 30.0, 1.2, n)
    chosen = inviting_supplier[clients.supplier] & (rng.random(n) < 0.6)
    chosen &= (sent < np.minimum(users.active_until[clients.supplier], timeline.end_us)) & (sent < clients.wedding)
    index = np.flatnonzero(chosen)
    sent = sent[index]
    accepted = sent + _hours(rng, 20.0, 1.3, len(index))
    accepts = (rng.random(len(index)) < 0.5) & (accepted < timeline.end_us) & (accepted < clients.wedding[index])
    activated = accepted + _hours(rng, 30.0, 1.2, len(index))
    activates = accepts & (rng.random(len(index)) < 0.8) & (activated < timeline.end_us)
    return Invitations(
        inviter=clients.supplier[index],
        invitee=np.full(len(index), -1, dtype=np.int64),
        inviter_type=np.full(len(index), SUPPLIER, dtype=np.int64),
        invitee_type=np.full(len(index), COUPLE, dtype=np.int64),
        channel=rng.choice(len(CHANNELS), len(index), p=CHANNEL_SHARES),
        client=index + client_offset,
        sent=sent,
        accepted=np.where(accepts, accepted, -1),
        activated=np.where(activates, activated, -1),
    )


def invite_suppliers(
    rng: np.random.Generator, timeline: Timeline, users: Users, couples: np.ndarray, wedding_client: np.ndarray,
    wedding_supplier: np.ndarray,
) -> tuple[Invitations, np.ndarray]:
    """Couple → supplier invitations from activated ``couples`` (user indices), whose weddings
    are ``wedding_client`` (client indices) with ``wedding_supplier`` (the supplier who invited
    them).

    Each activated couple sends Poisson(1.6) invitations a median 3 days after activating. Half
    go to a supplier already on the platform (picked among those signed up before the sending,
    never the couple's own supplier), who accepts 85 % of the time; the rest go to newcomers, 30 %
    of whom sign up. Returns the invitations (newcomers' ``invitee`` still -1) and, for each
    invitation, whether it created a new supplier (bool) — those sign up at ``accepted``."""
    active = users.activated[couples] >= 0
    counts = rng.poisson(1.6, int(active.sum()))
    inviter = np.repeat(couples[active], counts)
    client = np.repeat(wedding_client[active], counts)
    own_supplier = np.repeat(wedding_supplier[active], counts)
    n = len(inviter)
    sent = users.activated[inviter] + _hours(rng, 72.0, 1.0, n)
    keep = (sent < timeline.end_us) & (sent < users.active_until[inviter])
    inviter, client, own_supplier, sent = inviter[keep], client[keep], own_supplier[keep], sent[keep]
    n = len(inviter)

    pool = np.flatnonzero(users.user_type == SUPPLIER)
    pool = pool[np.argsort(users.created[pool], kind="stable")]
    available = np.searchsorted(users.created[pool], sent, side="left")
    existing = (rng.random(n) < 0.5) & (available >= 2)
    slot = np.where(existing, (rng.random(n) * available).astype(np.int64), 0)
    slot = np.where(pool[slot] == own_supplier, (slot + 1) % np.maximum(available, 1), slot)
    pick = np.where(existing, pool[slot], -1)

    delay = _hours(rng, 10.0, 1.2, n)
    accepted = sent + delay
    still_there = users.active_until[np.maximum(pick, 0)] > accepted
    accepts = np.where(existing, (rng.random(n) < 0.85) & still_there, rng.random(n) < 0.3)
    accepts &= accepted < timeline.end_us
    joined = accepts & ~existing
    invitee = np.where(existing & accepts, pick, -1)
    invitations = Invitations(
        inviter=inviter,
        invitee=invitee,
        inviter_type=np.full(n, COUPLE, dtype=np.int64),
        invitee_type=np.full(n, SUPPLIER, dtype=np.int64),
        channel=rng.choice(len(CHANNELS), n, p=CHANNEL_SHARES),
        client=client,
        sent=sent,
        accepted=np.where(accepts, accepted, -1),
        activated=np.where(existing & accepts, accepted, -1),
    )
    return invitations, joined
