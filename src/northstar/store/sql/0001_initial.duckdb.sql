-- 0001 initial schema (duckdb): every table of store/schema.py as first released.

CREATE TABLE events (
    message_id VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    event VARCHAR,
    name VARCHAR,
    category VARCHAR,
    user_id VARCHAR,
    anonymous_id VARCHAR,
    group_id VARCHAR,
    previous_id VARCHAR,
    timestamp TIMESTAMP NOT NULL,
    original_timestamp TIMESTAMP,
    sent_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL,
    session_id VARCHAR,
    device_type VARCHAR,
    revenue_minor BIGINT,
    currency VARCHAR,
    context JSON,
    properties JSON,
    traits JSON,
    source VARCHAR,
    PRIMARY KEY (message_id)
);

CREATE TABLE users (
    user_id VARCHAR NOT NULL,
    user_type VARCHAR,
    created_at TIMESTAMP,
    first_seen_at TIMESTAMP,
    email VARCHAR,
    name VARCHAR,
    plan VARCHAR,
    acquisition_source VARCHAR,
    acquisition_campaign VARCHAR,
    country VARCHAR,
    device VARCHAR,
    supplier_kind VARCHAR,
    account_id VARCHAR,
    deleted_at TIMESTAMP,
    traits JSON,
    updated_at TIMESTAMP,
    PRIMARY KEY (user_id)
);

CREATE TABLE user_aliases (
    alias_id VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (alias_id)
);

CREATE TABLE accounts (
    account_id VARCHAR NOT NULL,
    name VARCHAR,
    traits JSON,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    PRIMARY KEY (account_id)
);

CREATE TABLE account_members (
    account_id VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, user_id)
);

CREATE TABLE subscription_history (
    change_id VARCHAR NOT NULL,
    subscription_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    plan VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency VARCHAR NOT NULL,
    interval_months INTEGER NOT NULL,
    effective_at TIMESTAMP NOT NULL,
    period_end TIMESTAMP,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (change_id)
);

CREATE TABLE invitations (
    invitation_id VARCHAR NOT NULL,
    inviter_id VARCHAR NOT NULL,
    inviter_type VARCHAR,
    invitee_id VARCHAR,
    invitee_type VARCHAR,
    channel VARCHAR,
    sent_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    activated_at TIMESTAMP,
    PRIMARY KEY (invitation_id)
);

CREATE TABLE collaborations (
    collaboration_id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    vendor_id VARCHAR NOT NULL,
    partner_id VARCHAR NOT NULL,
    partner_type VARCHAR,
    started_at TIMESTAMP NOT NULL,
    last_activity_at TIMESTAMP,
    PRIMARY KEY (collaboration_id)
);

CREATE TABLE support_tickets (
    ticket_id VARCHAR NOT NULL,
    user_id VARCHAR,
    opened_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    resolved_at TIMESTAMP,
    priority VARCHAR,
    channel VARCHAR,
    PRIMARY KEY (ticket_id)
);

CREATE TABLE survey_responses (
    response_id VARCHAR NOT NULL,
    survey VARCHAR NOT NULL,
    user_id VARCHAR,
    score INTEGER NOT NULL,
    responded_at TIMESTAMP NOT NULL,
    ticket_id VARCHAR,
    comment VARCHAR,
    PRIMARY KEY (response_id)
);

CREATE TABLE performance_samples (
    sample_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    name VARCHAR,
    duration_ms DOUBLE,
    ok BOOLEAN,
    PRIMARY KEY (sample_id)
);

CREATE TABLE marketing_spend (
    spend_id VARCHAR NOT NULL,
    spent_on DATE NOT NULL,
    channel VARCHAR,
    campaign VARCHAR,
    amount_minor BIGINT NOT NULL,
    currency VARCHAR NOT NULL,
    PRIMARY KEY (spend_id)
);

CREATE TABLE rejected_input (
    rejection_id VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    position INTEGER,
    field VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    payload VARCHAR,
    PRIMARY KEY (rejection_id)
);

CREATE TABLE api_keys (
    key_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    role VARCHAR,
    prefix VARCHAR NOT NULL,
    key_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (key_id)
);

CREATE TABLE ingest_log (
    commit_id VARCHAR NOT NULL,
    committed_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    rows_written BIGINT NOT NULL,
    min_time TIMESTAMP,
    max_time TIMESTAMP,
    PRIMARY KEY (commit_id)
);
