"""Subscriptions of suppliers as a history of states (the ``subscription_history`` table).

Every supplier starts a 14-day trial at signup (amount 0, status ``trialing``). Those still
around at its end convert with 70 % probability to Starter, Professional or Scale, monthly or
(one in five) annual at ten times the monthly price; the rest cancel (amount 0). At each renewal a
paying subscription may upgrade, downgrade or fall past due (70 % recover within 10 days, the
rest are canceled three weeks later); a customer who stops using the platform cancels, taking
effect at the end of the paid period (``period_end``), and 15 % of those come back 3-15 weeks later
on a new subscription. Months are 30 days, years 365.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from northstar.demo.calendar import US_PER_DAY, US_PER_HOUR, Timeline
from northstar.demo.population import Users

TIERS = ("starter", "professional", "scale")
TIER_SHARES = (0.50, 0.35, 0.15)
STATUSES = ("trialing", "active", "past_due", "canceled")
TRIALING, ACTIVE, PAST_DUE, CANCELED = range(4)
# Monthly price in minor units per currency (rows: GBP, USD, EUR as in population.CURRENCIES).
MONTHLY_PRICE = np.array([[1900, 4900, 9900], [2400, 5900, 11900], [2200, 5500, 11500]], dtype=np.int64)
ANNUAL_MULTIPLE = 10
TRIAL_DAYS = 14
PERIOD_DAYS = {1: 30, 12: 365}


@dataclass(slots=True)
class History:
    """Subscription history rows: ``subscription`` (number), ``customer`` (user index), ``tier``,
    ``status`` (codes), ``amount`` (minor units per interval, int64), ``currency`` (code),
    ``interval`` (months), ``effective`` and ``period_end`` (µs; -1 when not a cancellation)."""

    subscription: np.ndarray
    customer: np.ndarray
    tier: np.ndarray
    status: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    interval: np.ndarray
    effective: np.ndarray
    period_end: np.ndarray

    @property
    def n(self) -> int:
        return len(self.effective)


@dataclass(slots=True)
class _Paying:
    """Subscriptions paying at the start of a billing period."""

    subscription: np.ndarray
    customer: np.ndarray
    tier: np.ndarray
    interval: np.ndarray
    period_start: np.ndarray
    leaves: np.ndarray

    def take(self, mask: np.ndarray) -> _Paying:
        return _Paying(**{field.name: getattr(self, field.name)[mask] for field in fields(self)})

    @staticmethod
    def concat(parts: list[_Paying]) -> _Paying:
        return _Paying(**{field.name: np.concatenate([getattr(part, field.name) for part in parts])
                          for field in fields(_Paying)})


class _Rows:
    def __init__(self, currency: np.ndarray) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.currency = currency

    def add(self, subscription: np.ndarray, customer: np.ndarray, tier: np.ndarray, status: int,
            interval: np.ndarray, effective: np.ndarray, period_end: np.ndarray | None = None,
            paid: bool = True) -> None:
        currency = self.currency[customer]
        amount = MONTHLY_PRICE[currency, tier] * np.where(interval == 12, ANNUAL_MULTIPLE, 1) if paid \
            else np.zeros(len(customer), dtype=np.int64)
        end = period_end if period_end is not None else np.full(len(customer), -1, dtype=np.int64)
        self.parts.append((subscription, customer, tier, np.full(len(customer), status), amount, currency,
                           interval, effective, end))

    def history(self) -> History:
        columns = [np.concatenate([part[i] for part in self.parts]).astype(np.int64) for i in range(9)]
        order = np.lexsort((columns[7], columns[0]))
        return History(*(column[order] for column in columns))


def simulate(rng: np.random.Generator, timeline: Timeline, users: Users, suppliers: np.ndarray) -> tuple[History,
                                                                                                    np.ndarray]:
    """The history of every subscription of ``suppliers`` (user indices), ordered by subscription
    then effective time, and each user's ``active_until`` extended for customers who came back
    (``int64[users.n]``). Rows dated at or after the end are not produced."""
    end = timeline.end_us
    rows = _Rows(users.currency())
    active_until = users.active_until.copy()
    n = len(suppliers)
    created = users.created[suppliers]
    tier = rng.choice(len(TIERS), n, p=TIER_SHARES)
    interval = np.where(rng.random(n) < 0.2, 12, 1)
    numbers = np.arange(n, dtype=np.int64)
    rows.add(numbers, suppliers, tier, TRIALING, interval, created, paid=False)

    trial_end = created + TRIAL_DAYS * US_PER_DAY
    leaves = active_until[suppliers]
    converts = (leaves > trial_end) & (rng.random(n) < 0.7)
    quits = ~converts
    cancel_at = np.where(leaves < trial_end, np.maximum(leaves, created + US_PER_HOUR), trial_end)
    quit_rows = quits & (cancel_at < end)
    rows.add(numbers[quit_rows], suppliers[quit_rows], tier[quit_rows], CANCELED, interval[quit_rows],
             cancel_at[quit_rows], trial_end[quit_rows], paid=False)
    start = converts & (trial_end < end)
    rows.add(numbers[start], suppliers[start], tier[start], ACTIVE, interval[start], trial_end[start])

    paying = _Paying(numbers[start], suppliers[start], tier[start], interval[start], trial_end[start], leaves[start])
    next_number = n
    while len(paying.subscription):
        paying, returning, next_number = _renew(rng, end, rows, paying, active_until, next_number)
        paying = _Paying.concat([paying, returning])
    return rows.history(), active_until


def _renew(rng: np.random.Generator, end: int, rows: _Rows, paying: _Paying, active_until: np.ndarray,
           next_number: int) -> tuple[_Paying, _Paying, int]:
    """One billing period of every paying subscription: cancellations at its end, then the
    renewals' upgrades, downgrades and payment failures. Returns the subscriptions paying in the
    next period, the customers who come back on new subscriptions, and the next free number."""
    period = np.where(paying.interval == 12, PERIOD_DAYS[12], PERIOD_DAYS[1]) * US_PER_DAY
    boundary = paying.period_start + period
    leaving = paying.leaves < boundary
    earliest = paying.period_start + 11 * US_PER_DAY
    cancel_pressed = np.minimum(np.maximum(paying.leaves, earliest), boundary - US_PER_HOUR)
    recorded = leaving & (cancel_pressed < end)
    gone = paying.take(recorded)
    rows.add(gone.subscription, gone.customer, gone.tier, CANCELED, gone.interval, cancel_pressed[recorded],
             boundary[recorded])

    comes_back = rng.random(len(gone.subscription)) < 0.15
    back_at = boundary[recorded] + ((21 + rng.random(len(comes_back)) * 84) * US_PER_DAY).astype(np.int64)
    comes_back &= back_at < end
    back = gone.take(comes_back)
    back_at = back_at[comes_back]
    stays = (rng.exponential(500.0, len(back_at)) * US_PER_DAY).astype(np.int64) + 30 * US_PER_DAY
    numbers = np.arange(next_number, next_number + len(back_at), dtype=np.int64)
    rows.add(numbers, back.customer, back.tier, ACTIVE, back.interval, back_at)
    np.maximum.at(active_until, back.customer, back_at + stays)
    returning = _Paying(numbers, back.customer, back.tier, back.interval, back_at, back_at + stays)

    renewing = ~leaving & (boundary < end)
    subs = paying.take(renewing)
    at = boundary[renewing]
    draw = rng.random(len(at))
    fails = draw < 0.025
    upgrade = (draw >= 0.025) & (draw < 0.055) & (subs.tier < len(TIERS) - 1)
    downgrade = (draw >= 0.055) & (draw < 0.067) & (subs.tier > 0)
    subs.tier = subs.tier + upgrade - downgrade
    changed = upgrade | downgrade
    rows.add(subs.subscription[changed], subs.customer[changed], subs.tier[changed], ACTIVE,
             subs.interval[changed], at[changed])

    rows.add(subs.subscription[fails], subs.customer[fails], subs.tier[fails], PAST_DUE,
             subs.interval[fails], at[fails])
    recovers = rng.random(len(at)) < 0.7
    recovered_at = at + ((1 + rng.random(len(at)) * 9) * US_PER_DAY).astype(np.int64)
    back_ok = fails & recovers & (recovered_at < end)
    rows.add(subs.subscription[back_ok], subs.customer[back_ok], subs.tier[back_ok], ACTIVE,
             subs.interval[back_ok], recovered_at[back_ok])
    dunned_at = at + 21 * US_PER_DAY
    dunned = fails & ~recovers & (dunned_at < end)
    rows.add(subs.subscription[dunned], subs.customer[dunned], subs.tier[dunned], CANCELED,
             subs.interval[dunned], dunned_at[dunned], dunned_at[dunned])
    lost = fails & ~recovers
    np.minimum.at(active_until, subs.customer[lost], dunned_at[lost])

    subs.period_start = at
    return subs.take(~lost), returning, next_number + len(back_at)
