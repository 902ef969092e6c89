"""Signed JSON webhooks: the HMAC-SHA256 signature Northstar puts on every webhook, and its check.

A webhook is an HTTP ``POST`` of a JSON body with the headers

- ``X-Northstar-Timestamp``: the sending instant in Unix seconds;
- ``X-Northstar-Signature``: ``sha256=<hex>``, the HMAC-SHA256 under the channel's secret of
  ``"<timestamp>." + raw body`` (binding the timestamp so a captured request cannot be replayed
  later with a new one);
- ``X-Northstar-Delivery``: the delivery id, the same on every retry (receivers deduplicate on it);
- ``X-Northstar-Event``: ``firing``, ``resolved``, ``escalated`` or ``test``.

Receivers check the signature with :func:`verify_signature` (or the recipe in docs/alerts.md) and
refuse timestamps older than a tolerance (five minutes by default). Stripe and GitHub sign their
webhooks the same way.
"""

from __future__ import annotations

import hashlib
import hmac

import httpx

SIGNATURE_HEADER = "X-Northstar-Signature"
TIMESTAMP_HEADER = "X-Northstar-Timestamp"
DELIVERY_HEADER = "X-Northstar-Delivery"
EVENT_HEADER = "X-Northstar-Event"
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookError(Exception):
    """A webhook that was not accepted: a transport error or a non-2xx answer (the reason as text)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 under ``secret`` (UTF-8) of ``b"<timestamp>." + body``."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str, body: bytes, timestamp: str | None, signature_header: str | None, now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a received webhook is authentic and fresh.

    ``body`` is the raw request body, ``timestamp`` and ``signature_header`` the values of
    ``X-Northstar-Timestamp`` and ``X-Northstar-Signature``, ``now`` the receiver's clock in Unix
    seconds. False when a header is missing or malformed, the timestamp is more than
    ``tolerance_seconds`` away from ``now``, or the signature does not match (compared in
    constant time).
    """
    if not timestamp or not signature_header or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), signature_header)


def post(
    url: str, body: bytes, *, secret: str | None, timestamp: int, delivery_id: str, event: str,
    timeout_seconds: float,
) -> None:
    """POST ``body`` (JSON) to ``url`` with the Northstar headers, signed when ``secret`` is set.

    Returns on a 2xx answer; raises :class:`WebhookError` on a transport error, a timeout
    (``timeout_seconds`` for connect and read) or any other status. Redirects are not followed.
    """
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Northstar-Webhook/1",
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: event,
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, timestamp, body)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_seconds)
    except httpx.HTTPError as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}") from exc
    if not response.is_success:
        raise WebhookError(f"HTTP {response.status_code}: {response.text[:200]}")
