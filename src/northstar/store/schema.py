"""The store's tables, declared once as data.

Everything about a table derives from its :class:`Table` entry here: the DDL of each backend
(``store/migrations.py``), the write policy on a key conflict (``store/writing.py``), the
validation of imported rows (``ingest/records.py``) and the import-column reference in
``docs/ingestion.md`` (generated, and checked by a test).

Conventions: instants are ``TIMESTAMP`` holding naive UTC; money is ``BIGINT`` minor units with a
``currency`` beside it; JSON documents are ``JSON`` (DuckDB) / ``JSONB`` (PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "bigint", "integer", "double", "boolean", "timestamp", "date", "json"]

# How a column is combined when a row with an existing key is written again:
#   new      - the incoming value replaces the stored one when it is not NULL (default);
#   keep     - the first value written wins (e.g. the time a record was first seen);
#   least / greatest - the smaller / larger of the two;
#   merge    - JSON objects are merged, incoming keys winning.
MergeRule = Literal["new", "keep", "least", "greatest", "merge"]

# What a second write of an existing key does to the row: ``ignore`` keeps the stored row as it
# is (idempotent facts such as events, by messageId); ``merge`` combines it by each column's rule
# (records that are completed over time, such as an invitation that is later accepted).
ConflictPolicy = Literal["ignore", "merge"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, type, whether a row needs it, its merge rule and the text that
    documents it for importers. ``choices`` restricts a text column to a closed set of values;
    ``importable=False`` marks columns Northstar fills itself."""

    name: str
    type: ColumnType
    required: bool = False
    doc: str = ""
    merge: MergeRule = "new"
    choices: tuple[str, ...] = ()
    importable: bool = True
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table: its columns, primary key, conflict policy and the import kind that feeds it."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    conflict: ConflictPolicy
    doc: str
    import_kind: str | None = None
    indexes: tuple[tuple[str, ...], ...] = field(default=())

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due", "canceled")
SEGMENT_TYPES = ("track", "identify", "page", "screen", "group", "alias")
PERFORMANCE_KINDS = ("page_load", "api_request", "uptime_check")
SURVEY_KINDS = ("nps", "csat")
DEVICE_TYPES = ("mobile", "tablet", "desktop", "other")

EVENTS = Table(
    name="events",
    doc="Every Segment-spec message as received (track, identify, page, screen, group, alias), "
    "one row per messageId, with the fields metrics read extracted into typed columns.",
    import_kind="events",
    key=("message_id",),
    conflict="ignore",
    columns=(
        Column("message_id", "text", True, "Segment `messageId`; the idempotency key. Derived from the "
               "row's content when a file has none, so a re-import adds nothing."),
        Column("type", "text", True, "Segment call type.", choices=SEGMENT_TYPES),
        Column("event", "text", doc="Event name of a `track` call (or `--event NAME`)."),
        Column("name", "text", doc="Page or screen name of a `page`/`screen` call."),
        Column("category", "text", doc="Event category (the specification's `event_category`)."),
        Column("user_id", "text", doc="Segment `userId`. A row needs `user_id` or `anonymous_id`."),
        Column("anonymous_id", "text", doc="Segment `anonymousId`."),
        Column("group_id", "text", doc="Segment `groupId` of a `group` call."),
        Column("previous_id", "text", doc="Segment `previousId` of an `alias` call."),
        Column("timestamp", "timestamp", True, "When the event happened, UTC, corrected for client "
               "clock skew: `timestamp + (receivedAt - sentAt)`."),
        Column("original_timestamp", "timestamp", doc="`timestamp` as the client sent it.", importable=False),
        Column("sent_at", "timestamp", doc="Segment `sentAt`."),
        Column("received_at", "timestamp", True, "When Northstar received it.", importable=False),
        Column("session_id", "text", doc="Explicit session id (`properties.session_id` or "
               "`context.session_id`); absent, sessions are cut at 30-minute gaps."),
        Column("device_type", "text", doc="`context.device.type`, else parsed from the user agent.",
               choices=DEVICE_TYPES),
        Column("revenue_minor", "bigint", doc="`properties.revenue` in minor units of `currency`."),
        Column("currency", "text", doc="ISO 4217 code of `revenue_minor` (default: the reporting currency)."),
        Column("context", "json", doc="Segment `context` object."),
        Column("properties", "json", doc="Segment `properties` object."),
        Column("traits", "json", doc="Segment `traits` object (identify, group)."),
        Column("source", "text", doc="Where it came from: `api:<key name>`, `import:<file>`, `demo`.",
               importable=False),
    ),
    indexes=(("timestamp",), ("user_id",)),
)

USERS = Table(
    name="users",
    doc="People who use the customer's platform (suppliers, couples, ...), created or updated by "
    "`identify` and by imports.",
    import_kind="users",
    key=("user_id",),
    conflict="merge",
    columns=(
        Column("user_id", "text", True, "The platform's user id (Segment `userId`)."),
        Column("user_type", "text", doc="`supplier`, `couple` or another declared type."),
        Column("created_at", "timestamp", doc="Signup time (trait `created_at`)."),
        Column("first_seen_at", "timestamp", doc="First time Northstar saw the user; the signup time "
               "when `created_at` is unknown.", merge="least", importable=False),
        Column("email", "text", doc="Email address."),
        Column("name", "text", doc="Display name."),
        Column("plan", "text", doc="Current plan (dimension)."),
        Column("acquisition_source", "text", doc="Acquisition source, e.g. `organic`, `referral` (dimension)."),
        Column("acquisition_campaign", "text", doc="Acquisition campaign (dimension)."),
        Column("country", "text", doc="ISO country code (dimension)."),
        Column("device", "text", doc="Primary device (dimension)."),
        Column("supplier_kind", "text", doc="For suppliers: photographer, venue, florist, ..."),
        Column("account_id", "text", doc="The account (group) the user belongs to."),
        Column("deleted_at", "timestamp", doc="When the user was deleted; deleted users are not counted."),
        Column("traits", "json", doc="All traits as sent.", merge="merge"),
        Column("updated_at", "timestamp", doc="Last change.", merge="greatest", importable=False),
    ),
)

USER_ALIASES = Table(
    name="user_aliases",
    doc="Identity merges from `alias`: events of `alias_id` belong to `user_id`.",
    key=("alias_id",),
    conflict="ignore",
    columns=(
        Column("alias_id", "text", True, "The previous id (Segment `previousId`)."),
        Column("user_id", "text", True, "The canonical user id."),
        Column("created_at", "timestamp", True, "When the alias was made."),
    ),
)

ACCOUNTS = Table(
    name="accounts",
    doc="Accounts (Segment groups): a business or household that users belong to.",
    key=("account_id",),
    conflict="merge",
    columns=(
        Column("account_id", "text", True, "Segment `groupId`."),
        Column("name", "text", doc="Account name."),
        Column("traits", "json", doc="Group traits.", merge="merge"),
        Column("created_at", "timestamp", doc="First seen.", merge="least"),
        Column("updated_at", "timestamp", doc="Last change.", merge="greatest"),
    ),
)

ACCOUNT_MEMBERS = Table(
    name="account_members",
    doc="Which users belong to which accounts (from `group`).",
    key=("account_id", "user_id"),
    conflict="ignore",
    columns=(
        Column("account_id", "text", True),
        Column("user_id", "text", True),
        Column("joined_at", "timestamp", True),
    ),
)

SUBSCRIPTION_HISTORY = Table(
    name="subscription_history",
    doc="Subscriptions as a history of states: one row per change, effective from `effective_at` "
    "until the subscription's next row.",
    import_kind="subscriptions",
    key=("change_id",),
    conflict="ignore",
    columns=(
        Column("change_id", "text", True, "Id of this change; derived from subscription_id and "
               "effective_at when absent."),
        Column("subscription_id", "text", True, "The subscription."),
        Column("customer_id", "text", True, "The paying customer (a user or account id)."),
        Column("plan", "text", True, "Plan or tier name."),
        Column("status", "text", True, "State from `effective_at` on.", choices=SUBSCRIPTION_STATUSES),
        Column("amount_minor", "bigint", True, "Price per billing interval in minor units, after "
               "discounts, before tax.", minimum=0),
        Column("currency", "text", True, "ISO 4217 code."),
        Column("interval_months", "integer", True, "Billing interval in months: 1 (month), 3 (quarter), "
               "12 (year) or N.", minimum=1, maximum=120),
        Column("effective_at", "timestamp", True, "When this state starts (UTC)."),
        Column("period_end", "timestamp", doc="For a `canceled` row: the end of the paid period, when "
               "the cancellation takes effect under the default policy."),
        Column("recorded_at", "timestamp", True, "When Northstar stored the row.", importable=False),
    ),
    indexes=(("customer_id",),),
)

INVITATIONS = Table(
    name="invitations",
    doc="Invitations from one user to another (supplier → couple, couple → supplier, ...).",
    import_kind="invitations",
    key=("invitation_id",),
    conflict="merge",
    columns=(
        Column("invitation_id", "text", True, "The invitation."),
        Column("inviter_id", "text", True, "Who sent it."),
        Column("inviter_type", "text", doc="The inviter's user type."),
        Column("invitee_id", "text", doc="The invitee's user id, once known."),
        Column("invitee_type", "text", doc="The invitee's user type."),
        Column("channel", "text", doc="email, sms, link, ..."),
        Column("sent_at", "timestamp", True, "When it was sent.", merge="least"),
        Column("accepted_at", "timestamp", doc="When the invitee signed up."),
        Column("activated_at", "timestamp", doc="When the invitee reached activation."),
    ),
)

COLLABORATIONS = Table(
    name="collaborations",
    doc="Vendor collaborations: two parties working together on one client (a wedding).",
    import_kind="collaborations",
    key=("collaboration_id",),
    conflict="merge",
    columns=(
        Column("collaboration_id", "text", True, "The collaboration."),
        Column("client_id", "text", True, "The client (wedding) they coordinate on."),
        Column("vendor_id", "text", True, "One vendor (user id)."),
        Column("partner_id", "text", True, "The other party (vendor or couple user id)."),
        Column("partner_type", "text", doc="The other party's user type."),
        Column("started_at", "timestamp", True, "Start of the collaboration.", merge="least"),
        Column("last_activity_at", "timestamp", doc="Last activity.", merge="greatest"),
    ),
)

SUPPORT_TICKETS = Table(
    name="support_tickets",
    doc="Support tickets.",
    import_kind="tickets",
    key=("ticket_id",),
    conflict="merge",
    columns=(
        Column("ticket_id", "text", True, "The ticket."),
        Column("user_id", "text", doc="Who opened it."),
        Column("opened_at", "timestamp", True, "When it was opened.", merge="least"),
        Column("first_response_at", "timestamp", doc="First answer from support."),
        Column("resolved_at", "timestamp", doc="When it was resolved."),
        Column("priority", "text", doc="low, normal, high, urgent."),
        Column("channel", "text", doc="email, chat, phone."),
    ),
)

SURVEY_RESPONSES = Table(
    name="survey_responses",
    doc="Answers to NPS (0-10) and CSAT (1-5) surveys.",
    import_kind="surveys",
    key=("response_id",),
    conflict="ignore",
    columns=(
        Column("response_id", "text", True, "The response; derived from the row when absent."),
        Column("survey", "text", True, "`nps` or `csat`.", choices=SURVEY_KINDS),
        Column("user_id", "text", doc="Who answered."),
        Column("score", "integer", True, "0-10 for NPS, 1-5 for CSAT.", minimum=0, maximum=10),
        Column("responded_at", "timestamp", True, "When."),
        Column("ticket_id", "text", doc="The ticket a CSAT answer rates."),
        Column("comment", "text", doc="Free text."),
    ),
)

PERFORMANCE_SAMPLES = Table(
    name="performance_samples",
    doc="Performance samples: page loads, API requests (latency and success) and uptime checks.",
    import_kind="performance",
    key=("sample_id",),
    conflict="ignore",
    columns=(
        Column("sample_id", "text", True, "The sample; derived from the row when absent."),
        Column("kind", "text", True, "`page_load`, `api_request` or `uptime_check`.", choices=PERFORMANCE_KINDS),
        Column("recorded_at", "timestamp", True, "When it was measured."),
        Column("name", "text", doc="Page, endpoint or check name."),
        Column("duration_ms", "double", doc="Load or response time in milliseconds.", minimum=0),
        Column("ok", "boolean", doc="Whether the request or check succeeded (default true)."),
    ),
    indexes=(("recorded_at",),),
)

MARKETING_SPEND = Table(
    name="marketing_spend",
    doc="Sales and marketing spend per day, channel and campaign (for CAC).",
    import_kind="spend",
    key=("spend_id",),
    conflict="ignore",
    columns=(
        Column("spend_id", "text", True, "Derived from spent_on, channel and campaign when absent."),
        Column("spent_on", "date", True, "The day of the spend."),
        Column("channel", "text", doc="paid_search, social, events, ..."),
        Column("campaign", "text", doc="Campaign name."),
        Column("amount_minor", "bigint", True, "Amount in minor units.", minimum=0),
        Column("currency", "text", True, "ISO 4217 code."),
    ),
)

REJECTED_INPUT = Table(
    name="rejected_input",
    doc="Input that was refused, kept for inspection with the field and reason.",
    key=("rejection_id",),
    conflict="ignore",
    columns=(
        Column("rejection_id", "text", True),
        Column("received_at", "timestamp", True),
        Column("source", "text", True, "`api:<route>` or `import:<file>`."),
        Column("kind", "text", True, "What it was meant to be (events, users, ...)."),
        Column("position", "integer", doc="Index in the batch (0-based) or line in the file (1-based)."),
        Column("field", "text", True),
        Column("reason", "text", True),
        Column("payload", "text", doc="The refused item, as text (truncated to 32 KB)."),
    ),
)

API_KEYS = Table(
    name="api_keys",
    doc="Write keys (ingestion) and read keys (API), stored as hashes.",
    key=("key_id",),
    conflict="merge",
    columns=(
        Column("key_id", "text", True),
        Column("name", "text", True),
        Column("kind", "text", True, choices=("write", "read")),
        Column("role", "text"),
        Column("prefix", "text", True, "The first characters, to recognise a key without its secret."),
        Column("key_hash", "text", True),
        Column("created_at", "timestamp", True, merge="keep"),
        Column("revoked_at", "timestamp"),
    ),
)

INGEST_LOG = Table(
    name="ingest_log",
    doc="One row per committed write: what changed and which instants it touched, so caches and "
    "the daily snapshot refresh only what new data affects.",
    key=("commit_id",),
    conflict="ignore",
    columns=(
        Column("commit_id", "text", True),
        Column("committed_at", "timestamp", True),
        Column("source", "text", True),
        Column("table_name", "text", True),
        Column("rows_written", "bigint", True),
        Column("min_time", "timestamp"),
        Column("max_time", "timestamp"),
    ),
)

METRIC_SNAPSHOTS = Table(
    name="metric_snapshots",
    doc="The daily snapshot (the specification's `success_metrics`, long format): each catalog metric "
    "on each reporting day, written by `northstar refresh` (migration 0002).",
    key=("day", "metric"),
    conflict="ignore",
    columns=(
        Column("day", "date", True, "The reporting day."),
        Column("metric", "text", True, "The catalog name."),
        Column("value_text", "text", doc="The exact value as text (an integer or a decimal; money in minor "
               "units); NULL when undefined."),
        Column("reason", "text", doc="Why the value is NULL (`undefined: ...`, `no_data: ...`)."),
        Column("computed_at", "timestamp", True, "When the refresh that wrote the row started."),
    ),
)

SNAPSHOT_REFRESHES = Table(
    name="snapshot_refreshes",
    doc="One row per snapshot refresh: which days it recomputed; the last incremental or full "
    "refresh's start is the point from which new ingest-log entries count as unprocessed.",
    key=("refresh_id",),
    conflict="ignore",
    columns=(
        Column("refresh_id", "text", True),
        Column("mode", "text", True, "`incremental`, `rebuild` or `range` (`--since`).",
               choices=("incremental", "rebuild", "range")),
        Column("started_at", "timestamp", True),
        Column("finished_at", "timestamp", True),
        Column("first_day", "date", doc="First day recomputed (NULL when none)."),
        Column("last_day", "date", doc="Last day recomputed (NULL when none)."),
        Column("days", "integer", True, "Days recomputed."),
    ),
)

AUTH_USERS = Table(
    name="auth_users",
    doc="Northstar's own users (who may sign in to the dashboard), with their role; passwords are "
    "argon2 hashes (migration 0005).",
    key=("user_id",),
    conflict="merge",
    columns=(
        Column("user_id", "text", True),
        Column("email", "text", True, "Lower-cased; unique."),
        Column("role", "text", True, choices=("viewer", "analyst", "executive", "admin")),
        Column("password_hash", "text", True, "argon2 (pwdlib)."),
        Column("created_at", "timestamp", True, merge="keep"),
        Column("disabled", "boolean", True, "A disabled user cannot sign in; their sessions are revoked."),
    ),
)

AUTH_SESSIONS = Table(
    name="auth_sessions",
    doc="Server-side login sessions: the SHA-256 hash of the cookie's random token (migration 0005).",
    key=("session_hash",),
    conflict="ignore",
    columns=(
        Column("session_hash", "text", True),
        Column("user_id", "text", True),
        Column("created_at", "timestamp", True),
        Column("expires_at", "timestamp", True),
    ),
)

APP_SECRETS = Table(
    name="app_secrets",
    doc="Secrets Northstar generates once and keeps, such as the key that signs tokens (migration 0005).",
    key=("name",),
    conflict="ignore",
    columns=(
        Column("name", "text", True),
        Column("value", "text", True),
        Column("created_at", "timestamp", True),
    ),
)

CHANNEL_TYPES = ("email", "slack", "teams", "sms", "webhook", "in_app", "apprise")
DELIVERY_STATUSES = ("pending", "held", "sending", "delivered", "failed")

NOTIFICATION_CHANNELS = Table(
    name="notification_channels",
    doc="Where alert notifications go: one Apprise URL, email addresses, a signed webhook or the "
    "in-app bell (migration 0004, alerts/channels.py).",
    key=("channel_id",),
    conflict="ignore",
    columns=(
        Column("channel_id", "text", True),
        Column("name", "text", True, "Unique name rules may refer to."),
        Column("type", "text", True, choices=CHANNEL_TYPES),
        Column("target", "text", doc="The Apprise URL, the email addresses or the webhook URL (NULL for in_app)."),
        Column("secret", "text", doc="The HMAC-SHA256 key of a webhook channel."),
        Column("enabled", "boolean", True),
        Column("created_at", "timestamp", True),
        Column("updated_at", "timestamp", True),
    ),
)

NOTIFICATION_DELIVERIES = Table(
    name="notification_deliveries",
    doc="One row per notification and destination: its state, attempts and schedule (migration 0004, "
    "alerts/delivery.py).",
    key=("delivery_id",),
    conflict="ignore",
    columns=(
        Column("delivery_id", "text", True, "Derived from the notification and the destination (idempotent)."),
        Column("alert_id", "text", True),
        Column("rule_id", "text", True),
        Column("event", "text", True, choices=("firing", "resolved", "escalated", "test")),
        Column("severity", "text", True, choices=("critical", "warning", "info")),
        Column("channel_id", "text", doc="The channel, when the destination is one (else a recipient)."),
        Column("kind", "text", True, choices=CHANNEL_TYPES),
        Column("destination", "text", doc="The recipient (address, webhook URL or Apprise URL) when not a channel."),
        Column("notification", "json", True, "The notification the message is rendered from."),
        Column("quiet_hours", "json", doc="`{start, end, timezone}` during which a non-critical one is held."),
        Column("status", "text", True, choices=DELIVERY_STATUSES),
        Column("attempts", "integer", True),
        Column("created_at", "timestamp", True),
        Column("next_attempt_at", "timestamp", True, "When it is due (the end of a lease while `sending`)."),
        Column("last_attempt_at", "timestamp"),
        Column("delivered_at", "timestamp"),
        Column("last_error", "text"),
    ),
    indexes=(("status", "next_attempt_at"),),
)

NOTIFICATION_ATTEMPTS = Table(
    name="notification_attempts",
    doc="Every delivery attempt and its outcome (migration 0004).",
    key=("delivery_id", "attempt"),
    conflict="ignore",
    columns=(
        Column("delivery_id", "text", True),
        Column("attempt", "integer", True, "1 for the first attempt."),
        Column("attempted_at", "timestamp", True),
        Column("ok", "boolean", True),
        Column("error", "text"),
    ),
)

IN_APP_NOTIFICATIONS = Table(
    name="in_app_notifications",
    doc="Notifications shown under the dashboard's bell, read or unread (migration 0004).",
    key=("notification_id",),
    conflict="ignore",
    columns=(
        Column("notification_id", "text", True, "The delivery's id."),
        Column("alert_id", "text", True),
        Column("rule_id", "text", True),
        Column("event", "text", True),
        Column("severity", "text", True),
        Column("title", "text", True),
        Column("body", "text", True),
        Column("link", "text", True),
        Column("created_at", "timestamp", True),
        Column("read_at", "timestamp"),
    ),
    indexes=(("created_at",),),
)

AUDIT_LOG = Table(
    name="audit_log",
    doc="The audit trail: who did what, when, to what and from which IP (migration 0006). "
    "Append-only: written by `northstar.audit.record`, never updated or deleted (PostgreSQL refuses it).",
    key=("id",),
    conflict="ignore",
    columns=(
        Column("id", "text", True, "Random id of the entry."),
        Column("occurred_at", "timestamp", True, "When it happened (UTC)."),
        Column("actor", "text", True, "Who: a user's email, a key's prefix, or `anonymous`."),
        Column("actor_kind", "text", True, "`user`, `read_key`, `write_key`, `anonymous` or `system` (CLI)."),
        Column("action", "text", True, "What, as `area.verb`: `login.success`, `export`, `key.create`, ..."),
        Column("target", "text", doc="What it was done to: a metric, a key id, a user's email, a rule id."),
        Column("ip", "text", doc="The client's IP address (NULL for the CLI)."),
        Column("detail", "json", doc="Further facts as a JSON object (format of an export, a changed field)."),
    ),
    indexes=(("occurred_at",),),
)

ALERT_STATES_NAMES = ("ok", "pending", "firing", "resolved", "no_data")

ALERT_RULES = Table(
    name="alert_rules",
    doc="Alert rules (the specification's `metric_alerts`, extended): the spec's columns, the whole "
    "rule as a JSON `definition`, and a soft delete (migration 0003, alerts/repository.py).",
    key=("rule_id",),
    conflict="ignore",
    columns=(
        Column("rule_id", "text", True),
        Column("name", "text", True),
        Column("metric_name", "text", True, "A catalog metric."),
        Column("alert_type", "text", True, choices=("threshold", "change", "trend", "anomaly", "target")),
        Column("threshold_value", "double", doc="The condition's number (see docs/alerts.md)."),
        Column("comparison", "text", True),
        Column("severity", "text", True, choices=("critical", "warning", "info")),
        Column("is_active", "boolean", True),
        Column("notification_channels", "json"),
        Column("recipients", "json"),
        Column("definition", "json", True, "The whole rule (alerts/model.py `Rule`)."),
        Column("default_key", "text", doc="Set on the shipped default rules."),
        Column("trigger_count", "integer", True),
        Column("last_triggered_at", "timestamp"),
        Column("created_at", "timestamp", True),
        Column("updated_at", "timestamp", True),
        Column("deleted_at", "timestamp", doc="A deleted rule is kept so a deleted default is not reinstalled."),
    ),
)

ALERT_STATES = Table(
    name="alert_states",
    doc="Each rule's state after its last evaluation (alerts/model.py `AlertState` as JSON) (migration 0003).",
    key=("rule_id",),
    conflict="merge",
    columns=(
        Column("rule_id", "text", True),
        Column("state", "text", True, choices=ALERT_STATES_NAMES),
        Column("document", "json", True),
        Column("updated_at", "timestamp", True),
    ),
)

ALERT_HISTORY = Table(
    name="alert_history",
    doc="Every state transition of every rule with the value that caused it, acknowledgements, manual "
    "resolutions and rule changes (migration 0003).",
    key=("event_id",),
    conflict="ignore",
    columns=(
        Column("event_id", "text", True),
        Column("rule_id", "text", True),
        Column("alert_id", "text", doc="The alert episode."),
        Column("occurred_at", "timestamp", True),
        Column("kind", "text", True, choices=("transition", "ack", "resolve", "created", "updated")),
        Column("from_state", "text"),
        Column("to_state", "text"),
        Column("value_text", "text", doc="The exact value as text."),
        Column("value_display", "text"),
        Column("detail", "text"),
        Column("note", "text"),
    ),
    indexes=(("rule_id", "occurred_at"),),
)

TABLES: tuple[Table, ...] = (
    EVENTS, USERS, USER_ALIASES, ACCOUNTS, ACCOUNT_MEMBERS, SUBSCRIPTION_HISTORY, INVITATIONS,
    COLLABORATIONS, SUPPORT_TICKETS, SURVEY_RESPONSES, PERFORMANCE_SAMPLES, MARKETING_SPEND,
    REJECTED_INPUT, API_KEYS, INGEST_LOG, METRIC_SNAPSHOTS, SNAPSHOT_REFRESHES,
    ALERT_RULES, ALERT_STATES, ALERT_HISTORY,
    NOTIFICATION_CHANNELS, NOTIFICATION_DELIVERIES, NOTIFICATION_ATTEMPTS, IN_APP_NOTIFICATIONS,
    AUTH_USERS, AUTH_SESSIONS, APP_SECRETS, AUDIT_LOG,
)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}
IMPORT_KINDS: dict[str, Table] = {table.import_kind: table for table in TABLES if table.import_kind}

# The instant column that dates a table's rows, for the ingest log and incremental refresh.
TIME_COLUMN: dict[str, str] = {
    "events": "timestamp", "users": "first_seen_at", "subscription_history": "effective_at",
    "invitations": "sent_at", "collaborations": "started_at", "support_tickets": "opened_at",
    "survey_responses": "responded_at", "performance_samples": "recorded_at", "marketing_spend": "spent_on",
}
