"""Make room for the demo in the configured store without ever touching someone's real data.

The demo writes only into an empty store or one that holds nothing but an earlier demo (every
ingest-log entry has ``source = 'demo'``); an earlier demo is replaced (its rows, its ``demo``
write key and its demo admin are deleted; other users, keys and secrets stay). Anything else is
refused.
"""

from __future__ import annotations

from typing import Literal

from northstar.domain.errors import NorthstarError
from northstar.store.base import Store
from northstar.store.schema import TABLES

DEMO_SOURCE = "demo"
DEMO_KEY_NAME = "demo"
DEMO_ADMIN_EMAIL = "demo@northstar.local"
# Tables that are not data. Configuration and the audit trail (append-only) are kept when a demo
# is replaced; what was derived from the old data (snapshots, alert states, notifications) is cleared.
_KEPT = ("api_keys", "auth_users", "auth_sessions", "app_secrets", "audit_log", "alert_rules",
         "notification_channels")
_DERIVED = ("ingest_log", "rejected_input", "metric_snapshots", "snapshot_refreshes", "alert_states",
            "alert_history", "notification_deliveries", "notification_attempts", "in_app_notifications")
_BOOKKEEPING = (*_DERIVED, *_KEPT)


class DemoRefused(NorthstarError):
    """The store holds data that did not come from the demo; the message says where and what to do."""


def prepare_store(store: Store) -> Literal["empty", "replaced"]:
    """Check ``store`` and clear an earlier demo from it.

    Returns ``"empty"`` when there was nothing to clear and ``"replaced"`` when an earlier demo was
    deleted. Raises :class:`DemoRefused` when the store holds data from another source (an import,
    the ingestion API, or rows written without a source).
    """
    foreign = int(store.query("SELECT count(*) FROM ingest_log WHERE source <> ?", [DEMO_SOURCE])[0][0])
    demo = int(store.query("SELECT count(*) FROM ingest_log WHERE source = ?", [DEMO_SOURCE])[0][0])
    data_tables = [table.name for table in TABLES if table.name not in _BOOKKEEPING]
    rows = sum(int(store.query(f"SELECT count(*) FROM {name}")[0][0]) for name in data_tables)
    if foreign or (rows and not demo):
        raise DemoRefused(
            f"{store.location} already holds data that is not demo data; the demo will not write into it. "
            "Point NORTHSTAR_DATABASE at a new file (e.g. NORTHSTAR_DATABASE=./demo.duckdb northstar demo)."
        )
    if not demo and not rows:
        return "empty"
    for table in TABLES:
        if table.name not in _KEPT:
            store.execute_write(f"DELETE FROM {table.name}")
    store.execute_write("DELETE FROM api_keys WHERE name = ?", [DEMO_KEY_NAME])
    store.execute_write("DELETE FROM auth_sessions WHERE user_id IN (SELECT user_id FROM auth_users WHERE email = ?)",
                        [DEMO_ADMIN_EMAIL])
    store.execute_write("DELETE FROM auth_users WHERE email = ?", [DEMO_ADMIN_EMAIL])
    return "replaced"
