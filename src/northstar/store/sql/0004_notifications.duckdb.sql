-- Alert notifications (alerts/notify.py): the configured channels, one delivery per notification
-- and destination with its retry schedule, every attempt, and the in-app notifications under the bell.

CREATE TABLE notification_channels (
    channel_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    target VARCHAR,
    secret VARCHAR,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (channel_id)
);

CREATE TABLE notification_deliveries (
    delivery_id VARCHAR NOT NULL,
    alert_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    channel_id VARCHAR,
    kind VARCHAR NOT NULL,
    destination VARCHAR,
    notification JSON NOT NULL,
    quiet_hours JSON,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    last_error VARCHAR,
    PRIMARY KEY (delivery_id)
);

CREATE TABLE notification_attempts (
    delivery_id VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    ok BOOLEAN NOT NULL,
    error VARCHAR,
    PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE in_app_notifications (
    notification_id VARCHAR NOT NULL,
    alert_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    link VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    PRIMARY KEY (notification_id)
);
