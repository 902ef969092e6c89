"""Cohort tables: users grouped by signup month (or week) and user type (METRICS.md, "Retention and
cohorts"), in the shape of the specification's ``user_cohorts`` table (seed 000).

Periods are calendar months, or ISO weeks (Monday to Sunday), of the reporting timezone. A cohort's
period ``k`` is its signup period + k; the table runs from k = 0 to the period of D (the last one
still in progress). The cohort members are ``ctx.users(user_type)``: registered and not deleted by
the end of D. Three queries build the whole table, whatever the number of cohorts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from northstar.domain.errors import InvalidInput
from northstar.domain.money import Money, currency_exponent
from northstar.domain.time import Window, day_start_utc, reporting_day
from northstar.metrics.context import MetricContext
from northstar.metrics.fx import to_reporting_minor
from northstar.metrics.results import exact
from northstar.metrics.retention import EPOCH, day_index, day_number, local_clock
from northstar.metrics.revenue import paying_subscriptions
from northstar.metrics.service import MetricsService, check_filter_value

CohortGrain = Literal["month", "week"]
GRAINS: tuple[str, ...] = ("month", "week")
# The months of the specification's user_cohorts columns (month_0_retained, ..., month_12_revenue).
USER_COHORT_MONTHS: tuple[int, ...] = (0, 1, 3, 6, 12)
CohortKey = tuple[int, str | None]  # (cohort period, user type)
PeriodKey = tuple[int, str | None, int]  # (cohort period, user type, k)
Engagement = tuple[int, Decimal | None, Decimal, Decimal | None]  # size and the three averages


def period_of_day(day: date, grain: CohortGrain) -> int:
    """The index of ``day``'s period: months since year 0, or Monday-to-Sunday weeks since 1970."""
    if grain == "month":
        return day.year * 12 + day.month - 1
    return (day_index(day) + 3) // 7


def period_start(index: int, grain: CohortGrain) -> date:
    """The first day of period ``index`` (see :func:`period_of_day`)."""
    if grain == "month":
        return date(index // 12, index % 12 + 1, 1)
    return EPOCH + timedelta(days=index * 7 - 3)


def period_number(local: ir.TimestampValue, grain: CohortGrain) -> ir.IntegerValue:
    """The period index of a local wall-clock timestamp (the database twin of :func:`period_of_day`)."""
    if grain == "month":
        return (local.year() * 12 + local.month() - 1).cast("int64")
    return ((day_number(local) + 3) // 7).cast("int64")


@dataclass(frozen=True, slots=True)
class CohortRow:
    """One cohort: users of ``user_type`` (``None`` for users without one) who signed up in the
    period starting ``cohort_start``.

    ``retained[k]`` = members with a qualifying event in period k (k = 0 .. the period of D);
    ``revenue[k]`` = MRR of the members (as customers) at the end of period k, or of D for the
    period in progress: exact minor units of ``currency``. ``avg_forms_created`` = form-creation
    events per member (``None`` when the ``forms`` feature declares no ``… Created`` event);
    ``avg_invitations_sent`` = invitations sent per member; ``avg_feature_adoption`` = the mean,
    over members, of the share of declared features they used (``None`` without declared features).
    All counts and averages cover data up to the end of D."""

    cohort_start: date
    grain: CohortGrain
    user_type: str | None
    cohort_size: int
    retained: tuple[int, ...]
    revenue: tuple[Decimal, ...]
    currency: str
    avg_forms_created: Decimal | None
    avg_invitations_sent: Decimal
    avg_feature_adoption: Decimal | None

    @property
    def retention(self) -> tuple[Decimal, ...]:
        """``retained[k] / cohort_size`` for each k, exact fractions in ``[0, 1]``."""
        return tuple(exact(Fraction(kept, self.cohort_size)) for kept in self.retained)

    def as_user_cohorts_row(self) -> dict[str, object]:
        """The row of the specification's ``user_cohorts`` table: ``cohort_month``, ``user_type``,
        ``cohort_size``, ``month_k_retained`` and ``month_k_revenue`` for k = 0, 1, 3, 6, 12 (``None``
        for a month not reached yet), ``avg_forms_created``, ``avg_invitations_sent`` (2 places) and
        ``avg_feature_adoption`` (3 places). Revenue is in MAJOR units of ``currency`` (the table's
        ``DECIMAL(10,2)``), rounded half-even once, here. Raises :class:`InvalidInput` for a
        weekly cohort."""
        if self.grain != "month":
            raise InvalidInput("grain", "the user_cohorts table has monthly cohorts only")
        row: dict[str, object] = {
            "cohort_month": self.cohort_start, "user_type": self.user_type, "cohort_size": self.cohort_size,
        }
        for month in USER_COHORT_MONTHS:
            observed = month < len(self.retained)
            row[f"month_{month}_retained"] = self.retained[month] if observed else None
            row[f"month_{month}_revenue"] = self._major(self.revenue[month]) if observed else None
        row["avg_forms_created"] = _places(self.avg_forms_created, 2)
        row["avg_invitations_sent"] = _places(self.avg_invitations_sent, 2)
        row["avg_feature_adoption"] = _places(self.avg_feature_adoption, 3)
        return row

    def _major(self, minor: Decimal) -> Decimal:
        return Decimal(Money(minor, self.currency).rounded()).scaleb(-currency_exponent(self.currency))


def _places(value: Decimal | None, places: int) -> Decimal | None:
    return None if value is None else value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _check(grain: str, periods: int | None) -> None:
    if grain not in GRAINS:
        raise InvalidInput("grain", f"{grain!r} is not one of {', '.join(GRAINS)}")
    if periods is not None and periods < 1:
        raise InvalidInput("periods", "must be at least 1")


def _first_instant(ctx: MetricContext, members: ir.Table, grain: CohortGrain, periods: int | None) -> datetime | None:
    """The naive-UTC start of the earliest cohort period shown, ``None`` when there is no member."""
    if periods is not None:
        first = period_of_day(ctx.day, grain) - periods + 1
        return day_start_utc(period_start(first, grain), ctx.settings.timezone)
    earliest = ctx.scalar(members.signup_at.min())
    if pd.isna(earliest):
        return None
    first_day = reporting_day(pd.Timestamp(earliest).to_pydatetime(), ctx.settings.timezone)
    return day_start_utc(period_start(period_of_day(first_day, grain), grain), ctx.settings.timezone)


def cohort_table(
    ctx: MetricContext, user_type: str | None = None, grain: CohortGrain = "month", periods: int | None = None
) -> list[CohortRow]:
    """The cohort table on ``ctx.day``: one :class:`CohortRow` per (signup period, user type) with at
    least one member, oldest first, then by user type. ``user_type`` keeps one type (default: every
    type, one row each); ``periods`` keeps the cohorts of the last ``periods`` periods up to the
    period of D (default: every cohort).

    Raises :class:`InvalidInput` naming ``grain`` or ``periods``, and
    :class:`northstar.metrics.fx.MissingRate` when a paying subscription's currency has no rate."""
    _check(grain, periods)
    zone = ctx.settings.timezone
    end = ctx.end_of_day
    users = ctx.users(user_type)
    start = _first_instant(ctx, users, grain, periods)
    if start is None:
        return []
    users = users.filter(users.signup_at >= start)
    members = users.select(
        "user_id", "user_type", cohort=period_number(local_clock(users.signup_at, zone, start, end), grain)
    )
    sizes = _engagement(ctx, members)
    if not sizes:
        return []
    retained = _retained(ctx, members, grain, start)
    revenue = (_revenue(ctx, members, grain, min(cohort for cohort, _type in sizes))
               if ctx.has_rows("subscription_history") else {})
    current = period_of_day(ctx.day, grain)
    rows = []
    for key in sorted(sizes, key=lambda key: (key[0], key[1] or "")):
        cohort, kind = key
        size, forms, invitations, adoption = sizes[key]
        span = range(current - cohort + 1)
        rows.append(CohortRow(
            cohort_start=period_start(cohort, grain), grain=grain, user_type=kind, cohort_size=size,
            retained=tuple(retained.get((cohort, kind, k), 0) for k in span),
            revenue=tuple(exact(revenue.get((cohort, kind, k), Fraction(0))) for k in span),
            currency=ctx.settings.reporting_currency,
            avg_forms_created=forms, avg_invitations_sent=invitations, avg_feature_adoption=adoption,
        ))
    return rows


def _engagement(ctx: MetricContext, members: ir.Table) -> dict[CohortKey, Engagement]:
    """Per cohort: size, forms created per member, invitations sent per member and mean feature
    adoption, from events and invitations up to the end of D (one query)."""
    features = [names for names in ctx.settings.features.values() if names]
    creations = [name for name in ctx.settings.features.get("forms", []) if name.endswith(" Created")]
    events = ctx.qualifying_events(None, ctx.end_of_day)
    events = events.mutate(created=ibis.ifelse(events.event.isin(creations), 1, 0) if creations else ibis.literal(0))
    used = {f"f{index}": ibis.ifelse(events.event.isin(names), 1, 0).max() for index, names in enumerate(features)}
    per_user = events.group_by("uid").aggregate(forms=events.created.sum(), **used)
    per_user = per_user.mutate(features_used=sum((per_user[column] for column in used), ibis.literal(0)))
    sent = ctx.table("invitations")
    sent = sent.filter(sent.sent_at < ibis.literal(ctx.end_of_day))
    sent = sent.group_by(inviter="inviter_id").aggregate(invitations=sent.count())
    joined = members.left_join(per_user, members.user_id == per_user.uid)
    joined = joined.left_join(sent, joined.user_id == sent.inviter)
    table = joined.group_by(["cohort", "user_type"]).aggregate(
        size=joined.count(), forms=joined.forms.fill_null(0).sum(),
        invitations=joined.invitations.fill_null(0).sum(), adopted=joined.features_used.fill_null(0).sum(),
    ).execute()
    result: dict[CohortKey, Engagement] = {}
    for cohort, kind, size, forms, invitations, adoption in table[
        ["cohort", "user_type", "size", "forms", "invitations", "adopted"]
    ].itertuples(index=False):
        size = int(size)
        result[(int(cohort), _type(kind))] = (
            size,
            exact(Fraction(int(forms), size)) if creations else None,
            exact(Fraction(int(invitations), size)),
            exact(Fraction(int(adoption), size * len(features))) if features else None,
        )
    return result


def _type(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _retained(ctx: MetricContext, members: ir.Table, grain: CohortGrain, start: datetime) -> dict[PeriodKey, int]:
    """Members active in each period k ≥ 0 after their cohort's, per cohort (one query)."""
    end = ctx.end_of_day
    events = ctx.qualifying_events(start, end)
    active = events.select(
        "uid", period=period_number(local_clock(events.timestamp, ctx.settings.timezone, start, end), grain)
    ).distinct()
    joined = members.join(active, [members.user_id == active.uid, active.period >= members.cohort])
    offset = (joined.period - joined.cohort).name("offset")
    table = joined.group_by([joined.cohort, joined.user_type, offset]).aggregate(
        retained=joined.user_id.nunique()
    ).execute()
    return {(int(cohort), _type(kind), int(offset)): int(count)
            for cohort, kind, offset, count in table[["cohort", "user_type", "offset", "retained"]].itertuples(
                index=False)}


def _revenue(ctx: MetricContext, members: ir.Table, grain: CohortGrain, first: int) -> dict[PeriodKey, Fraction]:
    """MRR of each cohort's members at the end of every period from ``first`` to the period of D
    (the end of D for that one): one query, a union of one MRR selection per period."""
    current = period_of_day(ctx.day, grain)
    parts = []
    for period in range(first, current + 1):
        last_day = min(period_start(period + 1, grain) - timedelta(days=1), ctx.day)
        paying = paying_subscriptions(ctx.at(last_day))
        cohort = members.filter(members.cohort <= period)
        joined = paying.join(cohort, paying.customer_id == cohort.user_id)
        parts.append(joined.group_by(["cohort", "user_type", "currency", "interval_months"]).aggregate(
            amount=joined.amount_minor.sum()
        ).mutate(period=ibis.literal(period, type="int64")))
    table = ibis.union(*parts, distinct=False).execute()
    revenue: dict[PeriodKey, Fraction] = defaultdict(Fraction)
    for cohort, kind, currency, interval, amount, period in table[
        ["cohort", "user_type", "currency", "interval_months", "amount", "period"]
    ].itertuples(index=False):
        minor = to_reporting_minor(Fraction(int(amount), int(interval)), currency, ctx.settings)
        revenue[(int(cohort), _type(kind), int(period) - int(cohort))] += minor
    return revenue


def cohort_table_for(
    service: MetricsService, day: date, user_type: str | None = None, grain: CohortGrain = "month",
    periods: int | None = None,
) -> list[CohortRow]:
    """:func:`cohort_table` on reporting ``day`` over ``service``'s store and settings (what the
    ``/api/v1/metrics/cohorts`` route calls). Same errors, and :class:`InvalidInput` naming
    ``user_type`` for an empty value or one with control characters."""
    if user_type is not None:
        check_filter_value("user_type", "user_type", user_type)
    return cohort_table(context_for(service, day), user_type, grain, periods)


def context_for(service: MetricsService, day: date) -> MetricContext:
    """A one-day context on reporting ``day`` over ``service``'s store reader and settings."""
    return MetricContext(service.store.reader(), service.settings, day, Window.ending_on(day, 1))
