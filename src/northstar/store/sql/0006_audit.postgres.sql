-- The audit trail (issue 6): who did what, when, to what and from which IP. Append-only: Northstar
-- only ever inserts (northstar/audit.py offers no update or delete), and the triggers below refuse
-- UPDATE, DELETE and TRUNCATE on the table to every client.

CREATE TABLE audit_log (
    id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    ip TEXT,
    detail JSONB,
    PRIMARY KEY (id)
);

CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);

-- The migration runner splits a file into statements at semicolons, so the one that ends the
-- RAISE statement inside the function body is written as the escape \x3B of an E'' string.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN RAISE EXCEPTION ''audit_log is append-only: % refused'', TG_OP USING ERRCODE = ''insufficient_privilege''\x3B END';

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
