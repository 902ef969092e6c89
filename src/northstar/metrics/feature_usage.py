"""Per-user feature usage: the specification's ``feature_usage`` rows (seed 000), derived from events
and the features declared in ``settings.features`` (METRICS.md, "Engagement": feature adoption and
``feature_completion_rate``).

A *use* of a feature is a qualifying event named by one of its declared event names, up to the end
of D. A *successful completion* is a use whose event name ends with ``Completed``, ``Purchased`` or
``Published``, or whose ``properties.success`` is JSON ``true``. ``completion_rate`` =
successful completions / uses (every use is a start), in ``[0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import ibis

from northstar.metrics.cohorts import context_for
from northstar.metrics.context import MetricContext
from northstar.metrics.engagement import completed_use
from northstar.metrics.results import exact
from northstar.metrics.service import MetricsService


@dataclass(frozen=True, slots=True)
class FeatureUsage:
    """One user's use of one declared feature up to the end of D: ``usage_count`` uses between
    ``first_used_at`` and ``last_used_at`` (naive UTC), of which ``successful_completions`` were
    successful; ``completion_rate`` = their share, exact. ``feature_category`` is the events'
    ``category`` (the alphabetically first when they differ), else the feature's name."""

    user_id: str
    feature_name: str
    feature_category: str
    usage_count: int
    first_used_at: datetime
    last_used_at: datetime
    successful_completions: int

    @property
    def completion_rate(self) -> Decimal:
        return exact(Fraction(self.successful_completions, self.usage_count))

    def as_row(self) -> dict[str, object]:
        """The columns of the specification's ``feature_usage`` table that events determine
        (``completion_rate`` rounded half-even to 3 places, the table's ``DECIMAL(4,3)``)."""
        return {
            "user_id": self.user_id, "feature_name": self.feature_name, "feature_category": self.feature_category,
            "usage_count": self.usage_count, "first_used_at": self.first_used_at, "last_used_at": self.last_used_at,
            "successful_completions": self.successful_completions,
            "completion_rate": self.completion_rate.quantize(Decimal("0.001")),
        }


def feature_usage(ctx: MetricContext, user_id: str | None = None) -> list[FeatureUsage]:
    """Every (user, declared feature) pair with at least one use up to the end of ``ctx.day``, for
    the registered users of ``ctx.users()`` (not deleted by then, matching ``ctx.filters``; only
    ``user_id`` when given), sorted by user then feature: one query. An event named by two
    features counts for both."""
    users = ctx.users()
    events = ctx.qualifying_events(None, ctx.end_of_day)
    events = events.semi_join(users, events.uid == users.user_id)
    if user_id is not None:
        events = events.filter(events.uid == user_id)
    parts = []
    for feature, names in ctx.settings.features.items():
        if not names:
            continue
        used = events.filter(events.event.isin(list(names)))
        parts.append(used.group_by("uid").aggregate(
            feature=ibis.literal(feature), uses=used.count(), first=used.timestamp.min(), last=used.timestamp.max(),
            completions=ibis.ifelse(completed_use(used), 1, 0).sum(), category=used.category.min(),
        ))
    if not parts:
        return []
    table = ibis.union(*parts, distinct=False).execute()
    rows = [
        FeatureUsage(
            user_id=str(uid), feature_name=str(feature), feature_category=category if isinstance(category, str)
            else str(feature), usage_count=int(uses), first_used_at=first.to_pydatetime(),
            last_used_at=last.to_pydatetime(), successful_completions=int(completions),
        )
        for uid, feature, uses, first, last, completions, category in table[
            ["uid", "feature", "uses", "first", "last", "completions", "category"]
        ].itertuples(index=False)
    ]
    return sorted(rows, key=lambda row: (row.user_id, row.feature_name))


def feature_usage_for(service: MetricsService, day: date, user_id: str | None = None) -> list[FeatureUsage]:
    """:func:`feature_usage` on reporting ``day`` over ``service``'s store and settings."""
    return feature_usage(context_for(service, day), user_id)
