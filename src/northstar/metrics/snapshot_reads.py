"""Reading the daily snapshot back as measurements, and when a stored row is still valid
(DESIGN.md, "Computing metrics"; the refresh itself is ``metrics/snapshot.py``).

A ``metric_snapshots`` row holds metric M on reporting day D over the :data:`SNAPSHOT_TIMEFRAME`
ending on D, without filters, computed by a refresh that started at ``computed_at``. A metric on
day D reads only data dated before the end of D, so the row stays exact until data that can change
D is committed to a table M reads (:func:`metric_inputs`): an ``ingest_log`` entry of such a table
committed at or after ``computed_at`` less :data:`COMMIT_MARGIN` (a commit racing the refresh counts
as not seen) makes M's days from the reporting day of its ``min_time`` on stale; an entry without
dates, or of a table whose rows change the past without being dated there
(:data:`UNDATED_EFFECT_TABLES`, which every metric may read), makes every day stale. Entries of
tables M does not read change nothing of M. This is the reasoning the incremental refresh uses to
choose its metrics and days (:func:`stale_starts`, :func:`metric_stale_start`).

Every write of metric input goes through ``Store.write`` with a ``source`` (the façade's
``write`` always passes one), which appends the ``ingest_log`` entries this relies on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from northstar.domain.time import reporting_day
from northstar.metrics.registry import MetricSpec
from northstar.metrics.results import Measurement, Value
from northstar.store.base import Store
from northstar.store.schema import TIME_COLUMN

# The seed's success_metrics columns, in its order.
SEED_METRICS: tuple[str, ...] = (
    "mrr", "mrr_growth_rate", "total_users", "paid_users", "trial_to_paid_conversion", "cac",
    "payback_period_months", "monthly_churn_rate", "annual_churn_rate", "net_revenue_retention", "clv",
    "clv_cac_ratio", "k_factor", "supplier_invite_rate", "avg_invites_per_supplier", "couple_activation_rate",
    "time_to_first_invite_hours", "suppliers_per_couple", "couples_per_supplier", "supplier_dau_rate",
    "supplier_wau_rate", "couple_wau_rate", "avg_session_duration_minutes", "mobile_usage_rate", "forms_usage_rate",
    "journey_builder_adoption", "ai_features_usage", "template_marketplace_purchases", "avg_page_load_time_ms",
    "avg_api_response_time_ms", "uptime_percentage", "error_rate", "avg_first_response_minutes",
    "avg_resolution_hours", "csat_score", "nps_score",
)
# The other metrics the executive overview and the dashboard's cards show, so that their values
# and 30-day sparklines are read from the snapshot rather than computed on a page load.
DASHBOARD_METRICS: tuple[str, ...] = (
    "arr", "paying_customers", "revenue", "active_customers", "total_suppliers", "total_couples",
    "active_suppliers", "active_couples", "new_signups", "dau", "wau", "mau", "stickiness", "dau_rate", "wau_rate",
    "avg_invites_per_inviter", "invitation_conversion_rate", "p95_api_response_time_ms", "weddings_coordinated",
    "active_vendor_pairs", "vendors_collaborating", "avg_coordination_hours",
)
SNAPSHOT_METRICS: tuple[str, ...] = SEED_METRICS + DASHBOARD_METRICS
SNAPSHOT_TIMEFRAME = "30d"
SNAPSHOT_DAYS = 30
COMMIT_MARGIN = timedelta(seconds=60)
# Tables whose new rows can change days before their logged dates (see the module docstring).
UNDATED_EFFECT_TABLES = frozenset({"users", "user_aliases", "accounts", "account_members"})
# Tables metrics read; new rows of any other table change no snapshot day.
METRIC_INPUT_TABLES = frozenset(TIME_COLUMN) | UNDATED_EFFECT_TABLES
# Snapshot rows are read in aligned blocks of this many days (one query and one cache entry each).
BLOCK_DAYS = 64
_INTEGER = re.compile(r"^-?\d+$")
_INPUT_LIST = ", ".join(f"'{name}'" for name in sorted(METRIC_INPUT_TABLES))


def parse_value(text: str | None) -> Value | None:
    """A stored ``value_text`` back as the exact value: ``int`` for an integer, else ``Decimal``."""
    if text is None:
        return None
    return int(text) if _INTEGER.match(text) else Decimal(text)


def stale_start(table: str, min_time: datetime | None, undated_rows: int, zone: ZoneInfo) -> date:
    """The first reporting day (in ``zone``) that ``ingest_log`` entries of ``table`` — earliest
    ``min_time``, ``undated_rows`` of them without dates — can change: :data:`date.min <datetime.date>`
    (every day) when undated or of an :data:`UNDATED_EFFECT_TABLES` table."""
    if table in UNDATED_EFFECT_TABLES or min_time is None or undated_rows > 0:
        return date.min
    return reporting_day(min_time, zone)


def stale_starts(store: Store, since: datetime, zone: ZoneInfo) -> dict[str, date]:
    """Per metric input table with ``ingest_log`` entries committed at or after ``since`` (naive
    UTC): its :func:`stale_start`; empty when there is none."""
    rows = store.query(
        "SELECT table_name, min(min_time), count(*) - count(min_time) FROM ingest_log "
        f"WHERE committed_at >= ? AND table_name IN ({_INPUT_LIST}) GROUP BY table_name",
        [since],
    )
    return {table: stale_start(table, min_time, int(undated), zone) for table, min_time, undated in rows}


def metric_inputs(spec: MetricSpec) -> frozenset[str]:
    """The tables whose changes can change ``spec``'s values: those it requires or reads, and the
    :data:`UNDATED_EFFECT_TABLES` (users, aliases) any metric may read."""
    return frozenset(spec.requires) | frozenset(spec.reads) | UNDATED_EFFECT_TABLES


def metric_stale_start(starts: Mapping[str, date], inputs: Iterable[str] | None) -> date:
    """The first day of a metric reading ``inputs`` (every table when ``None``) that changes of
    tables from ``starts`` (:func:`stale_starts`) make stale: :data:`date.max <datetime.date>` when none."""
    chosen = starts.values() if inputs is None else (starts[table] for table in inputs if table in starts)
    return min(chosen, default=date.max)


def block_of(day: date) -> int:
    """The number of the :data:`BLOCK_DAYS`-day block holding ``day``."""
    return day.toordinal() // BLOCK_DAYS


def blocks(days: Iterable[date]) -> list[int]:
    """The blocks holding ``days``, ascending, each once."""
    return sorted({block_of(day) for day in days})


def valid_rows(store: Store, block: int, zone: ZoneInfo,
               inputs: Mapping[str, frozenset[str]]) -> dict[tuple[str, date], Measurement]:
    """The still-valid snapshot rows of ``block`` (see the module docstring), each metric judged by
    changes of its ``inputs`` (metric → :func:`metric_inputs`; every table for a metric not in it):
    ``(metric, day)`` → the stored measurement (exact value, or ``None`` with the stored reason).
    Two queries: the rows, and the input committed since each refresh that wrote them."""
    first = date.fromordinal(block * BLOCK_DAYS)
    last = first + timedelta(days=BLOCK_DAYS - 1)
    rows = store.query(
        "SELECT day, metric, value_text, reason, computed_at FROM metric_snapshots WHERE day >= ? AND day <= ?",
        [first, last],
    )
    if not rows:
        return {}
    changed = {computed_at: stale_starts(store, computed_at - COMMIT_MARGIN, zone)
               for computed_at in {row[4] for row in rows}}
    stale: dict[tuple[datetime, str], date] = {}
    out: dict[tuple[str, date], Measurement] = {}
    for day, metric, value_text, reason, computed_at in rows:
        key = (computed_at, metric)
        if key not in stale:
            stale[key] = metric_stale_start(changed[computed_at], inputs.get(metric))
        if day < stale[key]:
            out[(metric, day)] = Measurement(parse_value(value_text), reason)
    return out
