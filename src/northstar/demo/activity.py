"""Events: lifecycle messages anchored on what the other tables record (signups, imports,
invitations, first forms, billing actions), browsing sessions with page views and feature use, and
automated emails (non-qualifying). Sessions are built one month at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from northstar.demo import vocabulary as vocab
from northstar.demo.calendar import (
    NEVER,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MILLISECOND,
    US_PER_MINUTE,
    US_PER_SECOND,
    Timeline,
)
from northstar.demo.columns import coded, nullable_ints, numbered, timestamps, with_nulls
from northstar.demo.invitations import Clients, Invitations
from northstar.demo.population import COUPLE, CURRENCIES, DEVICES, SUPPLIER, Users, active_span
from northstar.demo.subscriptions import ACTIVE, CANCELED, PAST_DUE, TRIALING, History

# Share of sessions starting in each UTC hour: suppliers work days, couples plan in the evening.
SUPPLIER_HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 9, 10, 11, 11, 10, 8, 6, 5, 4, 3, 2, 1.0])
COUPLE_HOURS = np.array([2, 1, 1, 1, 1, 1, 2, 4, 5, 5, 5, 6, 8, 6, 5, 5, 6, 8, 11, 13, 13, 11, 7, 4.0])
SESSIONS_PER_MONTH = {SUPPLIER: 8.0, COUPLE: 6.0}
EVENTS_PER_SESSION = {SUPPLIER: 5.0, COUPLE: 3.5}
EMAILS_PER_MONTH = 2.5
AI_LAUNCH_SHARE = 0.55


@dataclass(slots=True)
class Anchors:
    """Lifecycle messages, sorted by time: ``user`` (index), ``at`` (µs), ``code`` (into
    ``vocabulary.KINDS``), ``revenue`` (minor units, -1 none) and ``currency`` (code, -1 none)."""

    user: np.ndarray
    at: np.ndarray
    code: np.ndarray
    revenue: np.ndarray
    currency: np.ndarray


def adoption(rng: np.random.Generator, timeline: Timeline, users: Users) -> np.ndarray:
    """When each user adopts each feature of ``vocabulary.FEATURES``: ``int64[n, features]`` µs,
    ``NEVER`` when they do not. Forms come with activation; 45 % of suppliers take up the journey
    builder (a mean 5 weeks in); AI features launch 55 % of the way through the timeline and
    spread to 55 % of suppliers and 25 % of couples; 30 % of suppliers buy templates."""
    n = users.n
    supplier = users.user_type == SUPPLIER
    launch = timeline.start_us + int(AI_LAUNCH_SHARE * (timeline.end_us - timeline.start_us))

    def after(start: np.ndarray, mean_days: float) -> np.ndarray:
        return start + (rng.exponential(mean_days, n) * US_PER_DAY).astype(np.int64)

    forms = np.where(users.activated >= 0, users.activated, NEVER)
    journeys = np.where(supplier & (rng.random(n) < 0.45), after(users.created, 35.0), NEVER)
    ai_share = np.where(supplier, 0.55, 0.25)
    ai = np.where(rng.random(n) < ai_share, after(np.maximum(users.created, launch), 25.0), NEVER)
    templates = np.where(supplier & (rng.random(n) < 0.3), after(users.created, 60.0), NEVER)
    by_feature = {"forms": forms, "journey_builder": journeys, "ai_features": ai, "template_marketplace": templates}
    return np.stack([by_feature[feature] for feature in vocab.FEATURES], axis=1)


def anchors(users: Users, clients: Clients, invitations: Invitations, history: History) -> Anchors:
    """The lifecycle messages every table implies: identify + ``Signed Up`` at signup, ``Client
    Imported`` per client, ``Form Created`` at a supplier's activation and ``Form Completed`` at a
    couple's, ``Invitation Sent``/``Accepted``, and ``Subscription Started`` (with revenue) /
    ``Plan Changed`` / ``Subscription Canceled`` from the subscription history."""
    everyone = np.arange(users.n)
    activated = np.flatnonzero(users.activated >= 0)
    accepted = np.flatnonzero(invitations.invitee >= 0)
    previous = np.concatenate([[-1], history.status[:-1]])
    same = np.concatenate([[False], history.subscription[1:] == history.subscription[:-1]])
    previous = np.where(same, previous, -1)
    started = (history.status == ACTIVE) & np.isin(previous, [-1, TRIALING])
    changed = (history.status == ACTIVE) & (previous == ACTIVE)
    canceled = (history.status == CANCELED) & (previous != PAST_DUE)
    activation_code = np.where(users.user_type[activated] == COUPLE, vocab.code("Form Completed"),
                               vocab.code("Form Created"))
    parts = [
        (everyone, users.created, vocab.code("identify")),
        (everyone, users.created, vocab.code("Signed Up")),
        (clients.supplier, clients.imported, vocab.code("Client Imported")),
        (activated, users.activated[activated], activation_code),
        (invitations.inviter, invitations.sent, vocab.code("Invitation Sent")),
        (invitations.invitee[accepted], invitations.accepted[accepted], vocab.code("Invitation Accepted")),
    ]
    none = np.full(sum(len(part[0]) for part in parts), -1, dtype=np.int64)
    revenues, currencies = [none], [none]
    for mask, label in ((started, "Subscription Started"), (changed, "Plan Changed"),
                        (canceled, "Subscription Canceled")):
        parts.append((history.customer[mask], history.effective[mask], vocab.code(label)))
        paid = history.status[mask] == ACTIVE
        revenues.append(np.where(paid, history.amount[mask], -1))
        currencies.append(np.where(paid, history.currency[mask], -1))
    user = np.concatenate([part[0] for part in parts]).astype(np.int64)
    at = np.concatenate([part[1] for part in parts]).astype(np.int64)
    code = np.concatenate([np.broadcast_to(part[2], len(part[0])) for part in parts]).astype(np.int64)
    revenue, currency = np.concatenate(revenues), np.concatenate(currencies)
    order = np.lexsort((code, user, at))
    return Anchors(user[order], at[order], code[order], revenue[order], currency[order])


@dataclass(slots=True)
class _Messages:
    user: np.ndarray
    at: np.ndarray
    code: np.ndarray
    session: np.ndarray
    session_kind: np.ndarray
    device: np.ndarray
    revenue: np.ndarray
    currency: np.ndarray

    @staticmethod
    def concat(parts: list[_Messages]) -> _Messages:
        return _Messages(*(np.concatenate([getattr(part, name) for part in parts])
                           for name in _Messages.__slots__))


def _draw(rng: np.random.Generator, table: tuple[np.ndarray, np.ndarray], size: int) -> np.ndarray:
    return rng.choice(table[0], size, p=table[1])


def _browse(rng: np.random.Generator, users: Users, adopted: np.ndarray, user: np.ndarray, start: np.ndarray,
            counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Messages of sessions by ``user`` (``int64[s]``) starting at ``start`` with ``counts`` messages
    each: the first a page view, then pages (55 %) and tracks about a minute apart. Feature events a
    user has not adopted yet become the type's everyday event; template purchases carry a price.
    Returns ``(session, at, code, revenue)``, one entry per message."""
    session = np.repeat(np.arange(len(user)), counts)
    first = np.cumsum(counts) - counts
    opening = np.repeat(first, counts)
    position = np.arange(len(session)) - opening
    gaps = np.minimum(rng.exponential(75.0, len(session)) * US_PER_SECOND, 20 * US_PER_MINUTE).astype(np.int64)
    gaps[position == 0] = 0
    elapsed = np.cumsum(gaps)
    at = start[session] + elapsed - elapsed[opening]
    who = user[session]
    couple = users.user_type[who] == COUPLE
    size = len(session)
    pages = np.where(couple, _draw(rng, vocab.COUPLE_PAGES, size), _draw(rng, vocab.SUPPLIER_PAGES, size))
    tracks = np.where(couple, _draw(rng, vocab.COUPLE_TRACKS, size), _draw(rng, vocab.SUPPLIER_TRACKS, size))
    feature = vocab.FEATURE_OF_CODE[tracks]
    not_yet = (feature >= 0) & (adopted[who, np.maximum(feature, 0)] > at)
    tracks = np.where(not_yet, np.where(couple, vocab.COUPLE_FALLBACK, vocab.SUPPLIER_FALLBACK), tracks)
    code = np.where((position == 0) | (rng.random(size) < 0.55), pages, tracks)
    revenue = np.where(code == vocab.TEMPLATE_PURCHASED, rng.choice(vocab.TEMPLATE_PRICES, size), -1)
    return session, at, code, revenue


def _sessions(rng: np.random.Generator, users: Users, adopted: np.ndarray, low: int, high: int,
              member: np.ndarray) -> _Messages:
    """Browsing sessions of month ``[low, high)``: Poisson(8 a month for suppliers, 6 for couples,
    times engagement) per user while they use the platform, starting at the type's usual hours,
    with 1 + Poisson(5 / 3.5) messages on the user's main device 75 % of the time."""
    start, stop = active_span(users, low, high)
    live = np.flatnonzero((stop > start) & member)
    couple = users.user_type[live] == COUPLE
    rate = np.where(couple, SESSIONS_PER_MONTH[COUPLE], SESSIONS_PER_MONTH[SUPPLIER]) * users.engagement[live]
    counts = rng.poisson(rate * (stop - start)[live] / (30 * US_PER_DAY))
    user = np.repeat(live, counts)
    low_at, high_at = start[user], stop[user]
    begin = low_at + (rng.random(len(user)) * (high_at - low_at)).astype(np.int64)
    is_couple = users.user_type[user] == COUPLE
    hour = np.where(is_couple, rng.choice(24, len(user), p=COUPLE_HOURS / COUPLE_HOURS.sum()),
                    rng.choice(24, len(user), p=SUPPLIER_HOURS / SUPPLIER_HOURS.sum()))
    shaped = begin - begin % US_PER_DAY + hour * US_PER_HOUR + rng.integers(0, US_PER_HOUR, len(user))
    begin = np.where((shaped >= low_at) & (shaped < high_at), shaped, begin)
    device = np.where(rng.random(len(user)) < 0.75, users.device[user], rng.integers(0, len(DEVICES), len(user)))
    messages = 1 + rng.poisson(np.where(is_couple, EVENTS_PER_SESSION[COUPLE], EVENTS_PER_SESSION[SUPPLIER]))
    session, at, code, revenue = _browse(rng, users, adopted, user, begin, messages)
    who = user[session]
    return _Messages(who, at, code, session, np.zeros(len(at), np.int64), device[session], revenue,
                     np.where(revenue >= 0, users.currency()[who], -1))


def _lifecycle(rng: np.random.Generator, users: Users, adopted: np.ndarray, marks: Anchors) -> _Messages:
    """The month's lifecycle messages, grouped into sessions per user and half hour, each session
    followed by Poisson(1.5) page views on the user's main device."""
    bucket = marks.user * (1 << 32) + marks.at // (30 * US_PER_MINUTE)
    keys, session = np.unique(bucket, return_inverse=True)
    opened = np.full(len(keys), np.iinfo(np.int64).max)
    np.minimum.at(opened, session, marks.at)
    owner = np.zeros(len(keys), dtype=np.int64)
    owner[session] = marks.user
    extra = rng.poisson(1.5, len(keys))
    browse_session, at, code, _ = _browse(rng, users, adopted, owner, opened + US_PER_SECOND, extra)
    pages = code >= vocab.code("Dashboard")
    who = np.concatenate([marks.user, owner[browse_session][pages]])
    sessions = np.concatenate([session, browse_session[pages]])
    return _Messages(
        who, np.concatenate([marks.at, at[pages]]), np.concatenate([marks.code, code[pages]]), sessions,
        np.ones(len(who), np.int64), users.device[who],
        np.concatenate([marks.revenue, np.full(int(pages.sum()), -1)]),
        np.concatenate([marks.currency, np.full(int(pages.sum()), -1)]),
    )


def _emails(rng: np.random.Generator, users: Users, low: int, high: int, member: np.ndarray) -> _Messages:
    """Automated ``Email Delivered`` messages: Poisson(2.5 a month) per user while they use the
    platform, outside any session and without a device."""
    start, stop = active_span(users, low, high)
    live = np.flatnonzero((stop > start) & member)
    counts = rng.poisson(EMAILS_PER_MONTH * (stop - start)[live] / (30 * US_PER_DAY))
    user = np.repeat(live, counts)
    at = start[user] + (rng.random(len(user)) * (stop - start)[user]).astype(np.int64)
    none = np.full(len(user), -1, dtype=np.int64)
    return _Messages(user, at, np.full(len(user), vocab.code("Email Delivered")), none, np.full(len(user), 2),
                     none, none, none)


def active_users(timeline: Timeline, month: int, users: Users) -> int:
    """How many users use the platform during month ``month``."""
    start, stop = active_span(users, *(int(value) for value in timeline.boundaries_us[month:month + 2]))
    return int(np.count_nonzero(stop > start))


def month_events(rng: np.random.Generator, timeline: Timeline, month: int, users: Users, ids: pa.Array,
                 adopted: np.ndarray, marks: Anchors, part: int = 0, parts: int = 1) -> pa.Table:
    """The ``events`` rows of month ``month`` for the users whose index is ``part`` modulo
    ``parts`` (a ``pyarrow.Table`` sorted by timestamp): the lifecycle messages ``marks`` that fall
    in the month, browsing sessions and automated emails. Every timestamp is in ``[signup, end)``;
    ``message_id`` is ``demo_<month>_<part>_<n>``, ``session_id`` ``s<month>_<part>_<n>``
    (browsing) or ``a<month>_<part>_<n>`` (lifecycle)."""
    low, high = (int(value) for value in timeline.boundaries_us[month:month + 2])
    member = np.arange(users.n) % parts == part
    inside = (marks.at >= low) & (marks.at < high) & member[marks.user]
    month_marks = Anchors(*(getattr(marks, name)[inside] for name in Anchors.__slots__))
    messages = _Messages.concat([
        _lifecycle(rng, users, adopted, month_marks),
        _sessions(rng, users, adopted, low, high, member),
        _emails(rng, users, low, high, member),
    ])
    keep = messages.at < timeline.end_us
    order = np.flatnonzero(keep)[np.lexsort((messages.code[keep], messages.user[keep], messages.at[keep]))]
    at = messages.at[order]
    kind = messages.session_kind[order]
    browsing = numbered(f"s{month:03d}_{part:02d}_", messages.session[order], 7)
    lifecycle = numbered(f"a{month:03d}_{part:02d}_", messages.session[order], 7)
    session_id = with_nulls(pc.if_else(pa.array(kind == 0), browsing, lifecycle), kind == 2)
    code = messages.code[order]
    revenue = messages.revenue[order]
    latency = (rng.lognormal(np.log(300.0), 0.8, len(at)) * US_PER_MILLISECOND).astype(np.int64)
    return pa.table({
        "message_id": numbered(f"demo_{month:03d}_{part:02d}_", np.arange(len(at)), 8),
        "type": coded([kind.type for kind in vocab.KINDS], code),
        "event": coded([kind.event for kind in vocab.KINDS], code),
        "name": coded([kind.name for kind in vocab.KINDS], code),
        "category": coded([kind.category for kind in vocab.KINDS], code),
        "user_id": ids.take(pa.array(messages.user[order])),
        "timestamp": timestamps(at),
        "received_at": timestamps(at + latency),
        "session_id": session_id,
        "device_type": coded(DEVICES, messages.device[order]),
        "revenue_minor": nullable_ints(revenue, revenue < 0),
        "currency": coded(CURRENCIES, messages.currency[order]),
        "properties": coded([kind.properties for kind in vocab.KINDS], code),
        "source": coded(("demo",), np.zeros(len(at), dtype=np.int64)),
    })
