"""Settings: one pydantic-settings class, read from ``NORTHSTAR_*`` environment variables and an
optional ``northstar.toml`` (DESIGN.md, house practice 5).

No instance exists at import time; call :func:`get_settings` (cached) or build ``Settings(...)``
directly in tests and pass it to the :class:`northstar.app.Northstar` façade.
"""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from northstar.auth.roles import Role
from northstar.domain.time import known_zone

DEFAULT_FEATURES: dict[str, list[str]] = {
    "forms": ["Form Created", "Form Completed", "Form Submitted"],
    "journey_builder": ["Journey Created", "Journey Published"],
    "ai_features": ["AI Suggestion Used", "AI Content Generated"],
    "template_marketplace": ["Template Purchased"],
}


class TargetSetting(BaseModel):
    """A metric's target and zone thresholds, in the metric's own unit.

    ``value`` is the goal (money targets in minor units of the reporting currency); ``green`` and
    ``yellow`` are the zone boundaries: for a higher-is-better metric a value >= ``green`` is green,
    >= ``yellow`` yellow, else red (mirrored when lower is better). ``by`` optionally names when
    the target is due (e.g. ``"month 12"``), shown as text.
    """

    value: Decimal
    green: Decimal | None = None
    yellow: Decimal | None = None
    by: str | None = None


DEFAULT_TARGETS: dict[str, TargetSetting] = {
    # The specification's targets (seed 000): £50k MRR by month 12, K-factor 1.5+, churn < 5 %.
    "mrr": TargetSetting(value=Decimal(5_000_000), green=Decimal(5_000_000), yellow=Decimal(3_000_000),
                         by="month 12"),
    "k_factor": TargetSetting(value=Decimal("1.5"), green=Decimal("1.5"), yellow=Decimal("1.0")),
    "monthly_churn_rate": TargetSetting(value=Decimal("0.05"), green=Decimal("0.05"), yellow=Decimal("0.08")),
    "trial_to_paid_conversion": TargetSetting(value=Decimal("0.25"), green=Decimal("0.25"),
                                              yellow=Decimal("0.15")),
    "time_to_first_invite_hours": TargetSetting(value=Decimal(72), green=Decimal(72), yellow=Decimal(120)),
    "stickiness": TargetSetting(value=Decimal("0.40"), green=Decimal("0.40"), yellow=Decimal("0.20")),
    "uptime_percentage": TargetSetting(value=Decimal("0.999"), green=Decimal("0.999"), yellow=Decimal("0.99")),
    "error_rate": TargetSetting(value=Decimal("0.001"), green=Decimal("0.001"), yellow=Decimal("0.01")),
    "avg_page_load_time_ms": TargetSetting(value=Decimal(2000), green=Decimal(2000), yellow=Decimal(3000)),
}


class RevenuePolicies(BaseModel):
    """The named edges of revenue accounting (METRICS.md, "Revenue policies")."""

    past_due: Literal["count_until_canceled", "churn_after_days"] = "count_until_canceled"
    past_due_days: int = Field(default=30, ge=0)
    cancellation: Literal["period_end", "immediately"] = "period_end"
    reactivation_window_days: int | None = Field(default=None, ge=0)
    trial_grace_days: int = Field(default=7, ge=0)
    gross_margin: Decimal = Field(default=Decimal(1), gt=0, le=1)


DEFAULT_FAMILY_ROLES: dict[str, Role] = {
    "revenue": "executive", "users": "viewer", "engagement": "viewer", "viral": "viewer", "retention": "viewer",
    "onboarding": "viewer", "coordination": "viewer", "support": "viewer", "performance": "viewer",
}


class AuthSettings(BaseModel):
    """Access control (docs/security.md).

    ``anonymous_role`` gives visitors without credentials a role (``None``: login required);
    ``family_roles`` maps a metric family to the least role that sees its values (a family not
    listed needs ``viewer``; by default the revenue family needs ``executive``);
    ``session_max_age_seconds`` is how long a login lasts; ``cookie_secure`` marks the session
    cookie ``Secure`` always (``true``), never (``false``) or when the request came over HTTPS
    (``"auto"``). The secret that signs tokens is generated once and kept in the store.
    """

    anonymous_role: Role | None = None
    family_roles: dict[str, Role] = Field(default_factory=lambda: dict(DEFAULT_FAMILY_ROLES))
    session_max_age_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    cookie_secure: Literal["auto"] | bool = "auto"


class NotificationSettings(BaseModel):
    """How alert notifications are delivered (docs/alerts.md, "Notifications").

    ``base_url`` makes drill-down links absolute; ``smtp_url`` is the Apprise ``mailto://`` or
    ``mailtos://`` URL of the SMTP server that email addresses are sent through. A failed delivery
    is retried after ``retry_base_seconds`` doubling each attempt (at most ``retry_max_seconds``)
    until ``max_attempts``; each attempt gives up after ``timeout_seconds``. ``webhook_secret``
    signs webhooks sent to webhook-URL recipients (channels have their own secrets).
    """

    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    webhook_secret: str | None = None
    max_attempts: int = Field(default=8, ge=1)
    retry_base_seconds: int = Field(default=30, ge=1)
    retry_max_seconds: int = Field(default=3600, ge=1)
    timeout_seconds: float = Field(default=10.0, gt=0)


class AlertSettings(BaseModel):
    """Alert evaluation (docs/alerts.md).

    ``northstar serve`` evaluates every active rule every ``evaluation_interval_seconds`` (0: only
    after snapshot refreshes and ``northstar alerts check``), then delivers due notifications.
    ``install_defaults`` installs the shipped default rules once, the first time alerts start on a
    store (a deleted default is never reinstalled).
    """

    evaluation_interval_seconds: int = Field(default=60, ge=0, le=86400)
    install_defaults: bool = True


class SecuritySettings(BaseModel):
    """Hardened HTTP, rate limits and the audit trail (docs/security.md, "Hardening").

    ``trusted_proxies`` lists the IP addresses or CIDR networks of reverse proxies whose
    ``X-Forwarded-For`` / ``X-Forwarded-Proto`` headers are believed (none by default: the peer's
    address is the client). ``cors_origins`` lists the origins allowed to call the API from a
    browser (none by default: CORS closed). Rate limits are ``limits`` strings such as
    ``"100/hour"`` or ``"5 per 10 seconds"``, counted in a moving window per user, per key or,
    for anonymous requests, per IP: ``rate_limit_financial`` for API requests that read
    financial metrics (the specification's 100 requests/hour for executives), ``rate_limit_default`` for
    every other API request and page, ``rate_limit_ingest`` for ingestion; ``login_attempts``
    caps failed logins per account and per IP. ``rate_limit_storage`` is ``memory://`` (one
    process) or a ``redis://`` URL shared by several processes. ``hsts_max_age_seconds`` is the
    ``Strict-Transport-Security`` lifetime sent over HTTPS.
    """

    trusted_proxies: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit_storage: str = "memory://"
    rate_limit_default: str = "3600/hour"
    rate_limit_financial: str = "100/hour"
    rate_limit_ingest: str = "100000/minute"
    login_attempts: str = "5/minute"
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)

    @field_validator("rate_limit_default", "rate_limit_financial", "rate_limit_ingest", "login_attempts")
    @classmethod
    def _limit(cls, value: str) -> str:
        from limits import parse

        parse(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        from ipaddress import ip_network

        for network in value:
            ip_network(network, strict=False)
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("must be memory:// or a redis:// URL")
        return value


class DashboardSettings(BaseModel):
    """The dashboard pages (docs/dashboard.md): open pages refresh their values every
    ``refresh_seconds`` seconds, and at once when new data is committed or a snapshot refresh ends."""

    refresh_seconds: int = Field(default=30, ge=5, le=3600)


class Settings(BaseSettings):
    """Every setting of Northstar.

    Sources, highest priority first: keyword arguments, ``NORTHSTAR_*`` environment variables
    (nested with ``__``, e.g. ``NORTHSTAR_REVENUE__CANCELLATION=immediately``), then the TOML file
    named by ``NORTHSTAR_CONFIG`` (default ``./northstar.toml``, ignored when absent).

    Raises ``pydantic.ValidationError`` naming the offending field on a bad value.
    """

    model_config = SettingsConfigDict(env_prefix="NORTHSTAR_", env_nested_delimiter="__", extra="ignore")

    database: str = Field(
        default="./northstar.duckdb",
        description="A DuckDB file path (default) or a postgresql:// URL.",
    )
    reporting_timezone: str = Field(default="UTC", description="IANA zone that defines reporting days.")
    reporting_currency: str = Field(default="GBP", min_length=3, max_length=3)
    fx_rates: dict[str, Decimal] = Field(
        default_factory=lambda: {"USD": Decimal("0.79"), "EUR": Decimal("0.85")},
        description="Units of the reporting currency per one unit of each other currency.",
    )
    user_types: list[str] = Field(default_factory=lambda: ["supplier", "couple"])
    user_dimensions: list[str] = Field(
        default_factory=lambda: ["plan", "acquisition_source", "country", "device"],
        description="User traits that metrics may be split by.",
    )
    features: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_FEATURES))
    non_qualifying_events: list[str] = Field(
        default_factory=lambda: ["Email Delivered", "Email Opened", "Automated Email Sent"],
        description="Events that do not make a user active (METRICS.md, Conventions).",
    )
    session_gap_minutes: int = Field(default=30, ge=1)
    targets: dict[str, TargetSetting] = Field(default_factory=lambda: dict(DEFAULT_TARGETS))
    revenue: RevenuePolicies = Field(default_factory=RevenuePolicies)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    cache_ttl_seconds: int = Field(default=300, ge=0)
    max_event_bytes: int = 32 * 1024
    max_batch_bytes: int = 500 * 1024

    @field_validator("reporting_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("reporting_currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        return value.upper()

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.reporting_timezone)

    @property
    def backend(self) -> Literal["duckdb", "postgres"]:
        """Which store the ``database`` setting selects."""
        return "postgres" if self.database.startswith(("postgresql://", "postgres://")) else "duckdb"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("NORTHSTAR_CONFIG", "northstar.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests build ``Settings(...)`` instead."""
    return Settings()
