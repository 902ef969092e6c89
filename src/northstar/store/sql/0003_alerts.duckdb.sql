-- Alerts (migration 0003, alerts/): rules (the specification's metric_alerts, extended), each rule's
-- state after its last evaluation, and the history of transitions, acknowledgements and resolutions.

CREATE TABLE alert_rules (
    rule_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    metric_name VARCHAR NOT NULL,
    alert_type VARCHAR NOT NULL,
    threshold_value DOUBLE,
    comparison VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    is_active BOOLEAN NOT NULL,
    notification_channels JSON,
    recipients JSON,
    definition JSON NOT NULL,
    default_key VARCHAR,
    trigger_count INTEGER NOT NULL,
    last_triggered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    PRIMARY KEY (rule_id)
);

CREATE TABLE alert_states (
    rule_id VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    document JSON NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (rule_id)
);

CREATE TABLE alert_history (
    event_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    alert_id VARCHAR,
    occurred_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,
    from_state VARCHAR,
    to_state VARCHAR,
    value_text VARCHAR,
    value_display VARCHAR,
    detail VARCHAR,
    note VARCHAR,
    PRIMARY KEY (event_id)
);
