"""Operations data: support tickets with CSAT answers, NPS answers, performance samples and
marketing spend. Tickets and surveys are drawn for the whole population at once; performance
samples and spend are drawn one month at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from northstar.demo.calendar import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND, Timeline
from northstar.demo.columns import coded, numbered, timestamps
from northstar.demo.population import COUPLE, Users

PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_SHARES = (0.30, 0.50, 0.15, 0.05)
TICKET_CHANNELS = ("email", "chat", "phone")
TICKET_CHANNEL_SHARES = (0.50, 0.40, 0.10)
CSAT_SHARES = (0.04, 0.06, 0.12, 0.33, 0.45)
NPS_SHARES = (0.02, 0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.12, 0.18, 0.24, 0.22)
PAGES = ("/dashboard", "/clients", "/forms", "/journeys", "/templates", "/wedding", "/timeline")
ENDPOINTS = ("GET /api/clients", "POST /api/forms", "GET /api/forms", "POST /api/invitations",
             "GET /api/timeline", "POST /api/messages")
SPEND_CHANNELS = (("paid_search", "brand_search", 0.15, 14_000), ("paid_search", "wedding_software_search", 0.15,
                                                                    16_000),
                  ("social", "instagram_wedding_pros", 0.10, 11_000), ("social", "facebook_suppliers", 0.10, 9_000),
                  ("referral", "partner_referrals", 0.15, 5_000))


@dataclass(slots=True)
class Support:
    """Tickets (``user``, ``opened``, ``first_response``, ``resolved`` µs with -1 for not yet,
    ``priority``/``channel`` codes) and survey answers (``survey_user``, ``survey_kind`` 0=NPS
    1=CSAT, ``score``, ``responded``, ``rated_ticket`` index or -1)."""

    user: np.ndarray
    opened: np.ndarray
    first_response: np.ndarray
    resolved: np.ndarray
    priority: np.ndarray
    channel: np.ndarray
    survey_user: np.ndarray
    survey_kind: np.ndarray
    score: np.ndarray
    responded: np.ndarray
    rated_ticket: np.ndarray


def support(rng: np.random.Generator, timeline: Timeline, users: Users) -> Support:
    """Tickets opened while users use the platform (suppliers 0.12 a month, couples 0.03), answered
    a median 50 minutes later and resolved a median 6 hours after that; 35 % of resolved tickets get
    a CSAT answer (1-5) and 30 % of suppliers and 20 % of couples an NPS answer (0-10) 3-17 weeks
    after signup. Anything that would happen at or after the end is left out."""
    end = timeline.end_us
    stop = np.minimum(users.active_until, end)
    months = np.maximum(stop - users.created, 0) / (30 * US_PER_DAY)
    rate = np.where(users.user_type == COUPLE, 0.03, 0.12)
    counts = rng.poisson(rate * months)
    user = np.repeat(np.arange(users.n), counts)
    opened = users.created[user] + (rng.random(len(user)) * (stop - users.created)[user]).astype(np.int64)
    first = opened + (rng.lognormal(np.log(50.0), 0.9, len(user)) * US_PER_MINUTE).astype(np.int64)
    resolved = first + (rng.lognormal(np.log(6.0), 1.1, len(user)) * US_PER_HOUR).astype(np.int64)
    order = np.lexsort((user, opened))
    user, opened, first, resolved = user[order], opened[order], first[order], resolved[order]

    rates = (rng.random(len(user)) < 0.35) & (resolved < end)
    csat_at = resolved + (rng.lognormal(np.log(3.0), 1.0, len(user)) * US_PER_HOUR).astype(np.int64)
    rates &= csat_at < end
    answers = rng.random(users.n) < np.where(users.user_type == COUPLE, 0.2, 0.3)
    nps_at = users.created + ((21 + rng.random(users.n) * 98) * US_PER_DAY).astype(np.int64)
    answers &= nps_at < np.minimum(users.active_until + 30 * US_PER_DAY, end)
    rated = np.flatnonzero(rates)
    nps_users = np.flatnonzero(answers)
    return Support(
        user=user,
        opened=opened,
        first_response=np.where(first < end, first, -1),
        resolved=np.where(resolved < end, resolved, -1),
        priority=rng.choice(len(PRIORITIES), len(user), p=PRIORITY_SHARES),
        channel=rng.choice(len(TICKET_CHANNELS), len(user), p=TICKET_CHANNEL_SHARES),
        survey_user=np.concatenate([nps_users, user[rated]]),
        survey_kind=np.concatenate([np.zeros(len(nps_users), np.int64), np.ones(len(rated), np.int64)]),
        score=np.concatenate([rng.choice(11, len(nps_users), p=NPS_SHARES), 1 + rng.choice(5, len(rated),
                                                                                          p=CSAT_SHARES)]),
        responded=np.concatenate([nps_at[nps_users], csat_at[rated]]),
        rated_ticket=np.concatenate([np.full(len(nps_users), -1, np.int64), rated]),
    )


def performance(rng: np.random.Generator, timeline: Timeline, month: int, users: int) -> pa.Table:
    """``performance_samples`` rows of month ``month``: an uptime check every 5 minutes (about one
    incident a month of 1-4 failed checks), and per day 48 + users/400 page loads (lognormal,
    median 1.1 s, 25 % slower on mobile pages) and four times as many API requests (median 110 ms,
    0.1 % failing). ``sample_id`` is ``perf_<month>_<n>``."""
    low, high = (int(value) for value in timeline.boundaries_us[month:month + 2])
    checks = np.arange(low, high, 5 * US_PER_MINUTE)
    checks = checks + rng.integers(0, 20 * US_PER_SECOND, len(checks))
    check_ok = np.ones(len(checks), dtype=bool)
    for first in rng.integers(0, len(checks), rng.poisson(1.0)):
        check_ok[first:first + int(rng.integers(1, 5))] = False
    days = (high - low) / US_PER_DAY
    loads = int((48 + users // 400) * days)
    requests = 4 * loads
    load_at = low + (rng.random(loads) * (high - low)).astype(np.int64)
    request_at = low + (rng.random(requests) * (high - low)).astype(np.int64)
    page = rng.integers(0, len(PAGES), loads)
    load_ms = rng.lognormal(np.log(1100.0), 0.45, loads) * np.where(rng.random(loads) < 0.5, 1.25, 1.0)
    kinds = np.concatenate([np.full(len(checks), 2), np.zeros(loads, np.int64), np.ones(requests, np.int64)])
    recorded = np.concatenate([checks, load_at, request_at])
    names = (["https://app.example/health"], list(PAGES), list(ENDPOINTS))
    name_codes = np.concatenate([np.zeros(len(checks), np.int64), 1 + page,
                                 1 + len(PAGES) + rng.integers(0, len(ENDPOINTS), requests)])
    duration = np.concatenate([rng.lognormal(np.log(80.0), 0.3, len(checks)), load_ms,
                               rng.lognormal(np.log(110.0), 0.6, requests)])
    ok = np.concatenate([check_ok, np.ones(loads, dtype=bool), rng.random(requests) >= 0.001])
    order = np.argsort(recorded, kind="stable")
    return pa.table({
        "sample_id": numbered(f"perf_{month:03d}_", np.arange(len(order)), 8),
        "kind": coded(("page_load", "api_request", "uptime_check"), kinds[order]),
        "recorded_at": timestamps(recorded[order]),
        "name": coded(names[0] + names[1] + names[2], name_codes[order]),
        "duration_ms": pa.array(np.round(duration[order], 1)),
        "ok": pa.array(ok[order]),
    })


def spend(rng: np.random.Generator, timeline: Timeline, month: int, self_signups: int) -> pa.Table:
    """``marketing_spend`` rows of month ``month``: one per day and campaign, in GBP minor units,
    sized to the day's expected self-signups times each campaign's share and cost per signup
    (e.g. brand search £140), with ±25 % day-to-day noise."""
    low, high = (int(value) for value in timeline.boundaries_us[month:month + 2])
    days = np.arange(low, high, US_PER_DAY)
    per_day = self_signups * timeline.growth_weights(0.12)[month] / len(days)
    rows: dict[str, list[object]] = {"spend_id": [], "spent_on": [], "channel": [], "campaign": [],
                                     "amount_minor": [], "currency": []}
    noise = rng.lognormal(0.0, 0.25, (len(days), len(SPEND_CHANNELS)))
    for index, day in enumerate(days.astype("datetime64[us]").astype("datetime64[D]").tolist()):
        for column, (channel, campaign, share, cost) in enumerate(SPEND_CHANNELS):
            rows["spend_id"].append(f"spend_{day.isoformat()}_{campaign}")
            rows["spent_on"].append(day)
            rows["channel"].append(channel)
            rows["campaign"].append(campaign)
            rows["amount_minor"].append(round(per_day * share * cost * noise[index, column]))
            rows["currency"].append("GBP")
    return pa.table(rows, schema=pa.schema([("spend_id", pa.string()), ("spent_on", pa.date32()),
                                            ("channel", pa.string()), ("campaign", pa.string()),
                                            ("amount_minor", pa.int64()), ("currency", pa.string())]))
