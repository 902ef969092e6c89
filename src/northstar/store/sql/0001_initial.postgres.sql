-- 0001 initial schema (postgres): every table of store/schema.py as first released.

CREATE TABLE events (
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    event TEXT,
    name TEXT,
    category TEXT,
    user_id TEXT,
    anonymous_id TEXT,
    group_id TEXT,
    previous_id TEXT,
    timestamp TIMESTAMP NOT NULL,
    original_timestamp TIMESTAMP,
    sent_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL,
    session_id TEXT,
    device_type TEXT,
    revenue_minor BIGINT,
    currency TEXT,
    context JSONB,
    properties JSONB,
    traits JSONB,
    source TEXT,
    PRIMARY KEY (message_id)
);

CREATE INDEX events_timestamp_idx ON events (timestamp);

CREATE INDEX events_user_id_idx ON events (user_id);

CREATE TABLE users (
    user_id TEXT NOT NULL,
    user_type TEXT,
    created_at TIMESTAMP,
    first_seen_at TIMESTAMP,
    email TEXT,
    name TEXT,
    plan TEXT,
    acquisition_source TEXT,
    acquisition_campaign TEXT,
    country TEXT,
    device TEXT,
    supplier_kind TEXT,
    account_id TEXT,
    deleted_at TIMESTAMP,
    traits JSONB,
    updated_at TIMESTAMP,
    PRIMARY KEY (user_id)
);

CREATE TABLE user_aliases (
    alias_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (alias_id)
);

CREATE TABLE accounts (
    account_id TEXT NOT NULL,
    name TEXT,
    traits JSONB,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    PRIMARY KEY (account_id)
);

CREATE TABLE account_members (
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, user_id)
);

CREATE TABLE subscription_history (
    change_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    plan TEXT NOT NULL,
    status TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    interval_months INTEGER NOT NULL,
    effective_at TIMESTAMP NOT NULL,
    period_end TIMESTAMP,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (change_id)
);

CREATE INDEX subscription_history_customer_id_idx ON subscription_history (customer_id);

CREATE TABLE invitations (
    invitation_id TEXT NOT NULL,
    inviter_id TEXT NOT NULL,
    inviter_type TEXT,
    invitee_id TEXT,
    invitee_type TEXT,
    channel TEXT,
    sent_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    activated_at TIMESTAMP,
    PRIMARY KEY (invitation_id)
);

CREATE TABLE collaborations (
    collaboration_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    partner_type TEXT,
    started_at TIMESTAMP NOT NULL,
    last_activity_at TIMESTAMP,
    PRIMARY KEY (collaboration_id)
);

CREATE TABLE support_tickets (
    ticket_id TEXT NOT NULL,
    user_id TEXT,
    opened_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    resolved_at TIMESTAMP,
    priority TEXT,
    channel TEXT,
    PRIMARY KEY (ticket_id)
);

CREATE TABLE survey_responses (
    response_id TEXT NOT NULL,
    survey TEXT NOT NULL,
    user_id TEXT,
    score INTEGER NOT NULL,
    responded_at TIMESTAMP NOT NULL,
    ticket_id TEXT,
    comment TEXT,
    PRIMARY KEY (response_id)
);

CREATE TABLE performance_samples (
    sample_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    name TEXT,
    duration_ms DOUBLE PRECISION,
    ok BOOLEAN,
    PRIMARY KEY (sample_id)
);

CREATE INDEX performance_samples_recorded_at_idx ON performance_samples (recorded_at);

CREATE TABLE marketing_spend (
    spend_id TEXT NOT NULL,
    spent_on DATE NOT NULL,
    channel TEXT,
    campaign TEXT,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (spend_id)
);

CREATE TABLE rejected_input (
    rejection_id TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    position INTEGER,
    field TEXT NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT,
    PRIMARY KEY (rejection_id)
);

CREATE TABLE api_keys (
    key_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    role TEXT,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (key_id)
);

CREATE TABLE ingest_log (
    commit_id TEXT NOT NULL,
    committed_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    table_name TEXT NOT NULL,
    rows_written BIGINT NOT NULL,
    min_time TIMESTAMP,
    max_time TIMESTAMP,
    PRIMARY KEY (commit_id)
);
