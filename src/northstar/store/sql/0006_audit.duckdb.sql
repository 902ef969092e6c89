-- The audit trail (issue 6): who did what, when, to what and from which IP. Append-only: Northstar
-- only ever inserts (northstar/audit.py offers no update or delete).

CREATE TABLE audit_log (
    id VARCHAR NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    actor_kind VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR,
    ip VARCHAR,
    detail JSON,
    PRIMARY KEY (id)
);
