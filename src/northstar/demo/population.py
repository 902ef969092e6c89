"""Who is on the wedding platform: suppliers and couples as columns of numpy arrays.

Each user is a row index into :class:`Users`. Traits are small integer codes into the
vocabularies below; instants are ``int64`` microseconds (``calendar.py``); ``-1`` marks an
instant that never happened.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from northstar.demo.calendar import US_PER_DAY, US_PER_HOUR, Timeline
from northstar.demo.columns import coded, numbered, timestamps

SUPPLIER, COUPLE = 0, 1
USER_TYPES = ("supplier", "couple")
SUPPLIER_KINDS = ("photographer", "venue", "florist", "caterer", "planner", "band_dj", "videographer",
                  "hair_makeup", "cake_maker")
SUPPLIER_KIND_SHARES = (0.22, 0.14, 0.11, 0.10, 0.10, 0.10, 0.09, 0.08, 0.06)
SOURCES = ("organic", "referral", "paid_search", "social", "invitation")
INVITATION = SOURCES.index("invitation")
SELF_SIGNUP_SOURCE_SHARES = (0.35, 0.15, 0.30, 0.20)
CAMPAIGNS = ("partner_referrals", "brand_search", "wedding_software_search", "instagram_wedding_pros",
             "facebook_suppliers", "supplier_invite", "couple_invite")
COUNTRIES = ("GB", "IE", "US", "FR", "DE", "ES")
COUNTRY_SHARES = (0.80, 0.05, 0.08, 0.03, 0.02, 0.02)
CURRENCIES = ("GBP", "USD", "EUR")
CURRENCY_OF_COUNTRY = np.array([0, 2, 1, 2, 2, 2], dtype=np.int8)
DEVICES = ("desktop", "mobile", "tablet")
SUPPLIER_DEVICE_SHARES = (0.62, 0.33, 0.05)
COUPLE_DEVICE_SHARES = (0.30, 0.62, 0.08)


@dataclass(slots=True)
class Users:
    """Every user, one row per index (``n`` rows).

    ``user_type`` (``SUPPLIER``/``COUPLE``), ``created`` (signup, µs), ``source``/``campaign``/
    ``country``/``device``/``kind`` (codes; ``campaign`` and ``kind`` are -1 when absent),
    ``engagement`` (activity multiplier, mean 1), ``active_until`` (µs the user stops using the
    platform), ``activated`` (suppliers: first form created; couples: first form completed; -1
    when never) and ``wedding`` (couples: the wedding day, µs; -1 for suppliers).
    """

    user_type: np.ndarray
    created: np.ndarray
    source: np.ndarray
    campaign: np.ndarray
    country: np.ndarray
    device: np.ndarray
    kind: np.ndarray
    engagement: np.ndarray
    active_until: np.ndarray
    activated: np.ndarray
    wedding: np.ndarray

    @property
    def n(self) -> int:
        return len(self.created)

    @classmethod
    def empty(cls) -> Users:
        return cls(**{field.name: np.empty(0, dtype=np.int64) for field in fields(cls)})

    def extend(self, part: Users) -> np.ndarray:
        """Append ``part``'s rows; returns their new indices (``int64[part.n]``)."""
        start = self.n
        for field in fields(self):
            setattr(self, field.name, np.concatenate([getattr(self, field.name), getattr(part, field.name)]))
        return np.arange(start, self.n, dtype=np.int64)

    def currency(self) -> np.ndarray:
        """Each user's billing currency code (into ``CURRENCIES``)."""
        return CURRENCY_OF_COUNTRY[self.country]

    def ids(self) -> pa.Array:
        """``sup_000001`` / ``cpl_000001`` ids, numbered per type in signup order."""
        order = np.lexsort((np.arange(self.n), self.created, self.user_type))
        numbers = np.empty(self.n, dtype=np.int64)
        sorted_types = self.user_type[order]
        first_couple = int(np.searchsorted(sorted_types, COUPLE))
        numbers[order[:first_couple]] = np.arange(1, first_couple + 1)
        numbers[order[first_couple:]] = np.arange(1, self.n - first_couple + 1)
        suppliers = numbered("sup_", numbers, 6).to_numpy(zero_copy_only=False)
        couples = numbered("cpl_", numbers, 6).to_numpy(zero_copy_only=False)
        return pa.array(np.where(self.user_type == SUPPLIER, suppliers, couples), type=pa.string())

    def table(self, ids: pa.Array, plans: pa.Array) -> pa.Table:
        """The ``users`` table rows (every user), given their ``ids`` and current ``plans``."""
        created = timestamps(self.created)
        return pa.table({
            "user_id": ids,
            "user_type": coded(USER_TYPES, self.user_type),
            "created_at": created,
            "first_seen_at": created,
            "plan": plans,
            "acquisition_source": coded(SOURCES, self.source),
            "acquisition_campaign": coded(CAMPAIGNS, self.campaign),
            "country": coded(COUNTRIES, self.country),
            "device": coded(DEVICES, self.device),
            "supplier_kind": coded(SUPPLIER_KINDS, self.kind),
            "updated_at": created,
        })


def self_signup_times(rng: np.random.Generator, timeline: Timeline, count: int) -> np.ndarray:
    """Signup instants (``int64[count]``, sorted) of suppliers who find the platform themselves:
    monthly counts follow a 12 %-a-month growth curve (largest-remainder rounding, so they are
    exact and deterministic), spread uniformly inside each month."""
    shares = timeline.growth_weights(0.12) * count
    per_month = np.floor(shares).astype(np.int64)
    remainder = count - int(per_month.sum())
    per_month[np.argsort(-(shares - per_month), kind="stable")[:remainder]] += 1
    bounds = timeline.boundaries_us
    low = np.repeat(bounds[:-1], per_month)
    high = np.repeat(bounds[1:], per_month)
    return np.sort(low + (rng.random(count) * (high - low)).astype(np.int64))


def suppliers(rng: np.random.Generator, timeline: Timeline, created: np.ndarray, invited: bool) -> Users:
    """Suppliers who sign up at ``created`` (``int64[n]``): self-signup sources and campaigns, or
    ``invitation``/``couple_invite`` when ``invited``; kind, country, device, engagement, how long
    they stay (28 % leave within weeks, the rest stay about two years on average) and when they
    create their first form (78 % do, a median 14 hours after signup)."""
    n = len(created)
    if invited:
        source = np.full(n, INVITATION, dtype=np.int64)
        campaign = np.full(n, CAMPAIGNS.index("couple_invite"), dtype=np.int64)
    else:
        source = rng.choice(len(SELF_SIGNUP_SOURCE_SHARES), n, p=SELF_SIGNUP_SOURCE_SHARES)
        coin = rng.random(n) < 0.5
        campaign = np.select(
            [source == 0, source == 1, source == 2, source == 3],
            [-1, CAMPAIGNS.index("partner_referrals"),
             np.where(coin, CAMPAIGNS.index("brand_search"), CAMPAIGNS.index("wedding_software_search")),
             np.where(coin, CAMPAIGNS.index("instagram_wedding_pros"), CAMPAIGNS.index("facebook_suppliers"))],
        )
    short = rng.random(n) < 0.28
    stay_days = np.where(short, rng.exponential(12.0, n), rng.exponential(700.0, n))
    active_until = created + US_PER_HOUR + (stay_days * US_PER_DAY).astype(np.int64)
    first_form = created + (rng.lognormal(np.log(14.0), 1.0, n) * US_PER_HOUR).astype(np.int64)
    makes_form = (rng.random(n) < 0.78) & (first_form < np.minimum(active_until, timeline.end_us))
    return Users(
        user_type=np.full(n, SUPPLIER, dtype=np.int64),
        created=created,
        source=source,
        campaign=campaign,
        country=rng.choice(len(COUNTRIES), n, p=COUNTRY_SHARES),
        device=rng.choice(len(DEVICES), n, p=SUPPLIER_DEVICE_SHARES),
        kind=rng.choice(len(SUPPLIER_KINDS), n, p=SUPPLIER_KIND_SHARES),
        engagement=rng.gamma(2.0, 0.5, n),
        active_until=active_until,
        activated=np.where(makes_form, first_form, -1),
        wedding=np.full(n, -1, dtype=np.int64),
    )


def couples(
    rng: np.random.Generator, created: np.ndarray, activated: np.ndarray, wedding: np.ndarray, country: np.ndarray
) -> Users:
    """Couples who accepted a supplier's invitation at ``created`` (``int64[n]``), activated at
    ``activated`` (-1 never), marry on ``wedding`` and live in ``country`` (codes). They use the
    platform until three weeks after the wedding; a fifth drift away within weeks."""
    n = len(created)
    drift = rng.random(n) < 0.2
    until = np.where(drift, created + (rng.exponential(20.0, n) * US_PER_DAY).astype(np.int64),
                     wedding + 21 * US_PER_DAY)
    return Users(
        user_type=np.full(n, COUPLE, dtype=np.int64),
        created=created,
        source=np.full(n, INVITATION, dtype=np.int64),
        campaign=np.full(n, CAMPAIGNS.index("supplier_invite"), dtype=np.int64),
        country=country,
        device=rng.choice(len(DEVICES), n, p=COUPLE_DEVICE_SHARES),
        kind=np.full(n, -1, dtype=np.int64),
        engagement=rng.gamma(2.0, 0.5, n),
        active_until=np.maximum(until, created + US_PER_HOUR),
        activated=activated,
        wedding=wedding,
    )


def active_span(users: Users, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """Per user, the part of ``[low, high)`` during which they use the platform, as
    ``(start, stop)`` ``int64[n]`` arrays (``stop <= start`` when they do not)."""
    start = np.maximum(users.created, low)
    stop = np.minimum(users.active_until, high)
    return start, stop
