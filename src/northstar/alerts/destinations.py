"""What a channel target or a rule recipient is, checked before anything is stored.

Kinds (``store/schema.py`` ``CHANNEL_TYPES``): ``email`` (addresses sent through the
``notifications.smtp_url`` server, or a ``mailto://``/``mailtos://`` Apprise URL), ``slack``,
``teams`` (Apprise's ``workflow://`` Power Automate URLs), ``sms`` (``twilio://``), ``webhook`` (an
``http(s)://`` URL receiving signed JSON), ``in_app`` (the dashboard's bell, no target) and
``apprise`` (any other Apprise URL). Errors are :class:`InvalidInput` naming ``field``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise

from northstar.config import NotificationSettings
from northstar.domain.errors import InvalidInput

EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")

# The Apprise plugin a target of each kind must load as.
_PLUGINS = {"slack": ("NotifySlack",), "teams": ("NotifyWorkflows",), "sms": ("NotifyTwilio",)}
_EXAMPLES = {
    "slack": "slack://TokenA/TokenB/TokenC/#channel or https://hooks.slack.com/services/...",
    "teams": "workflow://host:443/workflow/signature (a Teams Workflows webhook)",
    "sms": "twilio://AccountSID:AuthToken@FromPhone/ToPhone",
}


def apprise_plugin(url: str) -> apprise.plugins.NotifyBase | None:
    """The Apprise plugin object ``url`` loads as, or ``None`` when Apprise does not recognise it."""
    return apprise.Apprise.instantiate(url)


def split_addresses(target: str) -> list[str]:
    """The email addresses of a comma-, semicolon- or space-separated list (empty parts dropped)."""
    return [part for part in re.split(r"[,;\s]+", target) if part]


def is_http_url(value: str) -> bool:
    """Whether ``value`` is an ``http://`` or ``https://`` URL with a host."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_target(settings: NotificationSettings, kind: str, target: str | None, field: str = "target") -> str | None:
    """``target`` normalised (stripped) for a channel of ``kind``; ``None`` for ``in_app``.

    Raises ``InvalidInput(field, reason)`` for a target the kind cannot use: a missing target, a
    URL Apprise does not load as that service, a malformed webhook URL, email addresses without
    ``notifications.smtp_url``.
    """
    value = (target or "").strip()
    if kind == "in_app":
        if value:
            raise InvalidInput(field, "an in_app channel has no target")
        return None
    if not value:
        raise InvalidInput(field, f"a {kind} channel needs a target")
    if kind == "webhook":
        if not is_http_url(value):
            raise InvalidInput(field, "a webhook target is an http:// or https:// URL with a host")
        return value
    if kind == "email":
        return _check_email(settings, value, field)
    plugin = apprise_plugin(value)
    if plugin is None:
        raise InvalidInput(field, f"not a URL Apprise can notify: {_scheme(value)}")
    allowed = _PLUGINS.get(kind)
    if allowed and type(plugin).__name__ not in allowed:
        raise InvalidInput(field, f"not a {kind} URL; expected e.g. {_EXAMPLES[kind]}")
    return value


def _check_email(settings: NotificationSettings, value: str, field: str) -> str:
    if value.startswith(("mailto://", "mailtos://")):
        if apprise_plugin(value) is None:
            raise InvalidInput(field, "not a valid mailto:// or mailtos:// URL")
        return value
    addresses = split_addresses(value)
    bad = [address for address in addresses if not EMAIL.match(address)]
    if bad:
        raise InvalidInput(field, f"not email addresses: {', '.join(bad)}")
    if not settings.smtp_url:
        raise InvalidInput(field, "email addresses need the notifications.smtp_url setting (the SMTP server)")
    return ", ".join(addresses)


def recipient_kind(settings: NotificationSettings, recipient: str) -> str:
    """The kind a rule recipient is delivered as: ``email`` for an address (through
    ``notifications.smtp_url``), ``webhook`` for an http(s) URL that is no Apprise service's own
    (signed with ``notifications.webhook_secret`` when set), ``apprise`` for any Apprise URL.

    Raises ``InvalidInput("recipients", reason)`` for anything else, or an address without an SMTP
    server configured.
    """
    value = recipient.strip()
    if EMAIL.match(value):
        if not settings.smtp_url:
            raise InvalidInput("recipients", f"{value}: email recipients need the notifications.smtp_url setting")
        return "email"
    if is_http_url(value):
        return "apprise" if apprise_plugin(value) is not None else "webhook"
    if apprise_plugin(value) is not None:
        return "apprise"
    raise InvalidInput("recipients", f"{_scheme(value)}: not an email address, webhook URL or Apprise URL")


def email_url(settings: NotificationSettings, addresses: list[str]) -> str:
    """The Apprise URL that mails ``addresses`` through ``settings.smtp_url`` (its ``to`` replaced).

    Raises ``InvalidInput("notifications.smtp_url", ...)`` when no SMTP server is configured.
    """
    if not settings.smtp_url:
        raise InvalidInput("notifications.smtp_url", "no SMTP server is configured")
    parts = urlsplit(settings.smtp_url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "to"]
    query.append(("to", ",".join(addresses)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def masked(kind: str, target: str | None) -> str | None:
    """``target`` with its credentials hidden, for display: Apprise's private form of a URL, a
    webhook URL without its query string, email addresses as they are."""
    if target is None or (kind == "email" and not target.startswith(("mailto://", "mailtos://"))):
        return target
    if kind == "webhook":
        parts = urlsplit(target)
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, host, parts.path, "…" if parts.query else "", ""))
    plugin = apprise_plugin(target)
    return plugin.url(privacy=True) if plugin is not None else None


def _scheme(value: str) -> str:
    """A short, credential-free description of ``value`` for error messages."""
    scheme = urlsplit(value).scheme
    return f"{scheme}://…" if scheme else "the value"
