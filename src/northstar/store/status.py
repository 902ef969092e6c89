"""What is in the store: the facts ``northstar status`` prints."""

from __future__ import annotations

from typing import Any

from northstar.store.base import Store
from northstar.store.schema import TABLES


def store_status(store: Store) -> dict[str, Any]:
    """``{"backend", "location", "tables": {name: rows}, "newest_event", "rejected"}``.

    ``newest_event`` is the latest event ``timestamp`` (naive UTC) or ``None`` when there are none.
    """
    counts = {table.name: int(store.query(f"SELECT count(*) FROM {table.name}")[0][0]) for table in TABLES}
    newest = store.query("SELECT max(timestamp) FROM events")[0][0]
    return {
        "backend": store.dialect,
        "location": store.location,
        "tables": counts,
        "newest_event": newest,
        "rejected": counts["rejected_input"],
    }
