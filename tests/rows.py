"""Row builders for hand-made store fixtures shared by several test modules."""

from __future__ import annotations

from datetime import datetime
from itertools import count

_ids = count()


def user_row(user_id: str, user_type: str, signup: datetime) -> dict[str, object]:
    """A ``users`` row signed up at ``signup`` (both ``created_at`` and ``first_seen_at``)."""
    return {"user_id": user_id, "user_type": user_type, "created_at": signup, "first_seen_at": signup}


def track_row(user: str, event: str, at: datetime) -> dict[str, object]:
    """An ``events`` row: ``user``'s track call ``event`` at ``at``, with a fresh message id."""
    return {"message_id": f"m{next(_ids)}", "type": "track", "event": event, "user_id": user, "timestamp": at,
            "received_at": at}
