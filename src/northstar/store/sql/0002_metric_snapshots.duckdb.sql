-- The daily snapshot (the specification's success_metrics, in long format): one row per reporting
-- day and metric, the exact value as text, and one row per snapshot refresh (metrics/snapshot.py).

CREATE TABLE metric_snapshots (
    day DATE NOT NULL,
    metric VARCHAR NOT NULL,
    value_text VARCHAR,
    reason VARCHAR,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (day, metric)
);

CREATE TABLE snapshot_refreshes (
    refresh_id VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    first_day DATE,
    last_day DATE,
    days INTEGER NOT NULL,
    PRIMARY KEY (refresh_id)
);
