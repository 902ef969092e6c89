-- Alerts (migration 0003, alerts/): rules (the specification's metric_alerts, extended), each rule's
-- state after its last evaluation, and the history of transitions, acknowledgements and resolutions.

CREATE TABLE alert_rules (
    rule_id TEXT NOT NULL,
    name TEXT NOT NULL,
    metric_name TEXT NOT NULL,
    alert_type TEXT NOT NULL,
    threshold_value DOUBLE PRECISION,
    comparison TEXT NOT NULL,
    severity TEXT NOT NULL,
    is_active BOOLEAN NOT NULL,
    notification_channels JSONB,
    recipients JSONB,
    definition JSONB NOT NULL,
    default_key TEXT,
    trigger_count INTEGER NOT NULL,
    last_triggered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    PRIMARY KEY (rule_id)
);

CREATE TABLE alert_states (
    rule_id TEXT NOT NULL,
    state TEXT NOT NULL,
    document JSONB NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (rule_id)
);

CREATE TABLE alert_history (
    event_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    alert_id TEXT,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    value_text TEXT,
    value_display TEXT,
    detail TEXT,
    note TEXT,
    PRIMARY KEY (event_id)
);

CREATE INDEX alert_history_rule_id_occurred_at_idx ON alert_history (rule_id, occurred_at);
