-- Successful requests are logged in chunks: one row per usage-writer batch and
-- key, holding tab-separated lines "unix_ms method route status latency_us ip".
-- Every request stays recorded without a row insert per request (failed ones
-- keep their own rows in usage_events).
CREATE TABLE IF NOT EXISTS usage_log_chunks (
    id        INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    first_ts  INTEGER NOT NULL,
    last_ts   INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    lines     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_log_chunks_key ON usage_log_chunks(key_id, first_ts);
