-- Alert notifications (alerts/notify.py): the configured channels, one delivery per notification
-- and destination with its retry schedule, every attempt, and the in-app notifications under the bell.

CREATE TABLE notification_channels (
    channel_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    target TEXT,
    secret TEXT,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (channel_id)
);

CREATE TABLE notification_deliveries (
    delivery_id TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    event TEXT NOT NULL,
    severity TEXT NOT NULL,
    channel_id TEXT,
    kind TEXT NOT NULL,
    destination TEXT,
    notification JSONB NOT NULL,
    quiet_hours JSONB,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    last_error TEXT,
    PRIMARY KEY (delivery_id)
);

CREATE INDEX notification_deliveries_status_next_attempt_at_idx ON notification_deliveries (status, next_attempt_at);

CREATE TABLE notification_attempts (
    delivery_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    ok BOOLEAN NOT NULL,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE in_app_notifications (
    notification_id TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    event TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    PRIMARY KEY (notification_id)
);

CREATE INDEX in_app_notifications_created_at_idx ON in_app_notifications (created_at);
