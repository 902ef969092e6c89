"""The demo dataset, orchestrated: :class:`DemoData` draws the population and everything that
hangs off it once (users, invitations, subscriptions, collaborations, tickets, surveys: small
tables), then yields the store's tables one month at a time, events included, so memory stays
bounded by a month of events.

Every random draw comes from ``numpy.random.Generator(PCG64(SeedSequence([seed, stream])))`` with
a fixed stream per step and per month, so the same ``seed``, ``suppliers``, ``months`` and
``end`` give byte-identical tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import date

import numpy as np
import pyarrow as pa

from northstar.demo import activity, invitations, network, operations, population, subscriptions
from northstar.demo.calendar import Timeline
from northstar.demo.columns import coded, numbered, timestamps, with_nulls
from northstar.demo.invitations import CHANNELS, Clients, Invitations
from northstar.demo.population import CURRENCIES, SUPPLIER, USER_TYPES, Users
from northstar.domain.errors import InvalidInput

MAX_GENERATIONS = 6
# Users per part of a month's events: an active user makes about 40 events a month, so a part
# holds up to about a million events and a month of the 10M-event demo is written in three.
USERS_PER_PART = 25_000
# Tables other than events, in the order a month's batch lists them, with the column dating them.
DATED_TABLES = {"users": "created_at", "invitations": "sent_at", "subscription_history": "effective_at",
                "collaborations": "started_at", "support_tickets": "opened_at", "survey_responses": "responded_at"}
TABLE_ORDER = ("users", "events", "invitations", "subscription_history", "collaborations", "support_tickets",
               "survey_responses", "performance_samples", "marketing_spend")


def check_size(suppliers: int, months: int) -> None:
    """Raise :class:`InvalidInput` naming ``suppliers`` or ``months`` when either is below 1."""
    if suppliers < 1:
        raise InvalidInput("suppliers", f"must be at least 1, got {suppliers}")
    if months < 1:
        raise InvalidInput("months", f"must be at least 1, got {months}")


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *stream])))


class DemoData:
    """The wedding-platform demo for ``suppliers`` self-signed-up suppliers (suppliers invited by
    couples come on top) over ``months`` months ending at midnight UTC starting ``end``.

    Building it draws the population (a second or two at default size); :meth:`month` then draws
    one month's batch. Raises :class:`northstar.domain.errors.InvalidInput` for ``months < 1``
    or ``suppliers < 1``.
    """

    def __init__(self, seed: int, suppliers: int, months: int, end: date) -> None:
        check_size(suppliers, months)
        self.seed = seed
        self.suppliers = suppliers
        self.timeline = Timeline(end, months)
        self.users, self.clients, self.invitations = _network(seed, suppliers, self.timeline)
        self.history, self.users.active_until = subscriptions.simulate(
            _rng(seed, 50), self.timeline, self.users, np.flatnonzero(self.users.user_type == SUPPLIER))
        self.collaborations = network.collaborations(_rng(seed, 51), self.timeline, self.users, self.clients,
                                                     self.invitations)
        self.support = operations.support(_rng(seed, 52), self.timeline, self.users)
        self.adopted = activity.adoption(_rng(seed, 53), self.timeline, self.users)
        self.anchors = activity.anchors(self.users, self.clients, self.invitations, self.history)
        self.ids = self.users.ids()
        self._tables = self._entity_tables()

    @property
    def months(self) -> int:
        return self.timeline.months

    def parts(self, index: int) -> int:
        """Into how many parts month ``index``'s events are split: one per ``USERS_PER_PART`` users
        active that month, so no part holds much more than a million events."""
        return max(1, -(-activity.active_users(self.timeline, index, self.users) // USERS_PER_PART))

    def writes(self, index: int) -> Iterator[dict[str, pa.Table]]:
        """The batches that load month ``index`` (0 = oldest), one transaction each: the first
        holds the month's rows of every table (in ``TABLE_ORDER``) with the first part of its
        events, each later one a further part of the events."""
        parts = self.parts(index)
        for part in range(parts):
            events = activity.month_events(_rng(self.seed, 100, index, part), self.timeline, index, self.users,
                                           self.ids, self.adopted, self.anchors, part, parts)
            if part:
                yield {"events": events}
                continue
            batch: dict[str, pa.Table] = {}
            for name in TABLE_ORDER:
                if name == "events":
                    batch[name] = events
                elif name == "performance_samples":
                    batch[name] = operations.performance(_rng(self.seed, 200, index), self.timeline, index,
                                                         self.users.n)
                elif name == "marketing_spend":
                    batch[name] = operations.spend(_rng(self.seed, 300, index), self.timeline, index, self.suppliers)
                else:
                    table, months = self._tables[name]
                    batch[name] = table.filter(pa.array(months == index))
            yield batch

    def month(self, index: int) -> dict[str, pa.Table]:
        """Every row of month ``index`` in one batch (the :meth:`writes` combined): table name →
        ``pyarrow.Table``, in ``TABLE_ORDER``."""
        writes = list(self.writes(index))
        return {**writes[0], "events": pa.concat_tables([batch["events"] for batch in writes])}

    def batches(self) -> Iterator[tuple[int, dict[str, pa.Table]]]:
        """``(month index, batch)`` for every month, oldest first."""
        for index in range(self.months):
            yield index, self.month(index)

    def _entity_tables(self) -> dict[str, tuple[pa.Table, np.ndarray]]:
        tables = {
            "users": self.users.table(self.ids, self._plans()),
            "invitations": self._invitations_table(),
            "subscription_history": self._history_table(),
            "collaborations": self._collaborations_table(),
            "support_tickets": self._tickets_table(),
            "survey_responses": self._surveys_table(),
        }
        return {
            name: (table, self.timeline.month_of(
                table.column(DATED_TABLES[name]).cast(pa.int64()).to_numpy()))
            for name, table in tables.items()
        }

    def _plans(self) -> pa.Array:
        """Each user's plan at the end: the tier when paying, ``trial``, ``free`` after canceling;
        null for couples."""
        history = self.history
        order = np.lexsort((history.effective, history.subscription, history.customer))
        last = order[np.append(history.customer[order][1:] != history.customer[order][:-1], True)]
        labels = (*subscriptions.TIERS, "trial", "free")
        status = history.status[last]
        code = np.where(np.isin(status, [subscriptions.ACTIVE, subscriptions.PAST_DUE]), history.tier[last],
                        np.where(status == subscriptions.TRIALING, 3, 4))
        plan = np.full(self.users.n, -1, dtype=np.int64)
        plan[history.customer[last]] = code
        return coded(labels, plan)

    def _invitations_table(self) -> pa.Table:
        inv = self.invitations
        order = np.lexsort((inv.inviter, inv.sent))
        invitee = inv.invitee[order]
        accepted, activated = inv.accepted[order], inv.activated[order]
        return pa.table({
            "invitation_id": numbered("inv_", np.arange(1, inv.n + 1), 7),
            "inviter_id": self.ids.take(pa.array(inv.inviter[order])),
            "inviter_type": coded(USER_TYPES, inv.inviter_type[order]),
            "invitee_id": self.ids.take(pa.array(np.maximum(invitee, 0), mask=invitee < 0)),
            "invitee_type": coded(USER_TYPES, inv.invitee_type[order]),
            "channel": coded(CHANNELS, inv.channel[order]),
            "sent_at": timestamps(inv.sent[order]),
            "accepted_at": timestamps(accepted, accepted < 0),
            "activated_at": timestamps(activated, activated < 0),
        })

    def _history_table(self) -> pa.Table:
        history = self.history
        effective = timestamps(history.effective)
        return pa.table({
            "change_id": numbered("chg_", np.arange(1, history.n + 1), 8),
            "subscription_id": numbered("sub_", history.subscription + 1, 6),
            "customer_id": self.ids.take(pa.array(history.customer)),
            "plan": coded(subscriptions.TIERS, history.tier),
            "status": coded(subscriptions.STATUSES, history.status),
            "amount_minor": pa.array(history.amount, type=pa.int64()),
            "currency": coded(CURRENCIES, history.currency),
            "interval_months": pa.array(history.interval, type=pa.int32()),
            "effective_at": effective,
            "period_end": timestamps(history.period_end, history.period_end < 0),
            "recorded_at": effective,
        })

    def _collaborations_table(self) -> pa.Table:
        collab = self.collaborations
        return pa.table({
            "collaboration_id": numbered("col_", np.arange(1, collab.n + 1), 7),
            "client_id": numbered("wed_", collab.client + 1, 7),
            "vendor_id": self.ids.take(pa.array(collab.vendor)),
            "partner_id": self.ids.take(pa.array(collab.partner)),
            "partner_type": coded(USER_TYPES, collab.partner_type),
            "started_at": timestamps(collab.started),
            "last_activity_at": timestamps(collab.last_activity),
        })

    def _tickets_table(self) -> pa.Table:
        support = self.support
        return pa.table({
            "ticket_id": numbered("tkt_", np.arange(1, len(support.user) + 1), 7),
            "user_id": self.ids.take(pa.array(support.user)),
            "opened_at": timestamps(support.opened),
            "first_response_at": timestamps(support.first_response, support.first_response < 0),
            "resolved_at": timestamps(support.resolved, support.resolved < 0),
            "priority": coded(operations.PRIORITIES, support.priority),
            "channel": coded(operations.TICKET_CHANNELS, support.channel),
        })

    def _surveys_table(self) -> pa.Table:
        support = self.support
        order = np.lexsort((support.survey_user, support.responded))
        ticket = support.rated_ticket[order]
        return pa.table({
            "response_id": numbered("rsp_", np.arange(1, len(order) + 1), 7),
            "survey": coded(("nps", "csat"), support.survey_kind[order]),
            "user_id": self.ids.take(pa.array(support.survey_user[order])),
            "score": pa.array(support.score[order], type=pa.int32()),
            "responded_at": timestamps(support.responded[order]),
            "ticket_id": with_nulls(numbered("tkt_", ticket + 1, 7), ticket < 0),
        })


def _network(seed: int, suppliers: int, timeline: Timeline) -> tuple[Users, Clients, Invitations]:
    """Self-signed-up suppliers, then generation after generation: their clients and invited
    couples, the suppliers those couples invite, until no newcomer joins (at most
    ``MAX_GENERATIONS``)."""
    users = Users.empty()
    clients = Clients(*(np.empty(0, dtype=np.int64) for _ in fields(Clients)))
    sent = Invitations.empty()
    created = population.self_signup_times(_rng(seed, 1), timeline, suppliers)
    newcomers = users.extend(population.suppliers(_rng(seed, 2), timeline, created, invited=False))
    generation = 0
    while len(newcomers) and generation < MAX_GENERATIONS:
        rng = _rng(seed, 10, generation)
        imported = invitations.import_clients(rng, timeline, users, newcomers)
        offset = len(clients.supplier)
        clients = Clients(*(np.concatenate([getattr(clients, field.name), getattr(imported, field.name)])
                            for field in fields(Clients)))
        to_couples = invitations.invite_couples(rng, timeline, users, imported, offset)
        accepted = to_couples.accepted >= 0
        couples = users.extend(population.couples(
            rng, to_couples.accepted[accepted], to_couples.activated[accepted],
            clients.wedding[to_couples.client[accepted]], users.country[to_couples.inviter[accepted]]))
        to_couples.invitee[accepted] = couples
        sent.extend(to_couples)
        to_suppliers, joined = invitations.invite_suppliers(
            rng, timeline, users, couples, to_couples.client[accepted], to_couples.inviter[accepted])
        newcomers = users.extend(population.suppliers(rng, timeline, to_suppliers.accepted[joined], invited=True))
        to_suppliers.invitee[joined] = newcomers
        to_suppliers.activated[joined] = users.activated[newcomers]
        sent.extend(to_suppliers)
        generation += 1
    return users, clients, sent
