"""Who is on the other end: the client's IP address and whether it came over HTTPS, believing
``X-Forwarded-For`` / ``X-Forwarded-Proto`` only from the proxies listed in
``security.trusted_proxies``."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.requests import HTTPConnection

from northstar.config import Settings


@lru_cache(maxsize=64)
def _networks(proxies: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str | None, settings: Settings) -> bool:
    if not address or not settings.security.trusted_proxies:
        return False
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.security.trusted_proxies)))


def _settings(connection: HTTPConnection) -> Settings:
    return connection.app.state.northstar.settings


def client_ip(connection: HTTPConnection) -> str | None:
    """The client's IP address as text, ``None`` when the server does not know the peer.

    When the peer is a trusted proxy, the rightmost ``X-Forwarded-For`` address that is not
    itself a trusted proxy is the client (the left part of the header is whatever the client
    chose to send, so it is not believed).
    """
    peer = connection.client.host if connection.client else None
    settings = _settings(connection)
    if not _trusted(peer, settings):
        return peer
    forwarded = [part.strip() for part in connection.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, settings):
            return address
    return forwarded[0] if forwarded else peer


def is_https(connection: HTTPConnection) -> bool:
    """Whether the client reached Northstar over HTTPS: the request's own scheme, or the
    ``X-Forwarded-Proto`` of a trusted proxy."""
    if connection.url.scheme in ("https", "wss"):
        return True
    peer = connection.client.host if connection.client else None
    if _trusted(peer, _settings(connection)):
        proto = connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False
