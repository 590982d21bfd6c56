-- Webhooks: endpoints, the persisted delivery queue and per-attempt history.
-- Times are unix milliseconds (UTC). Secrets are stored sealed (AES-GCM with a
-- server-local key file) because the server must sign with them.
CREATE TABLE IF NOT EXISTS webhooks (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id),
    url                  TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,            -- active | paused | disabled
    disabled_reason      TEXT NOT NULL DEFAULT '',
    events               TEXT NOT NULL,            -- JSON array of event types
    max_retries          INTEGER NOT NULL,
    secret_sealed        BLOB NOT NULL,
    secret_prefix        TEXT NOT NULL,
    prev_secret_sealed   BLOB,
    prev_secret_until    INTEGER,
    secret_rotated_at    INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    created_by           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_tenant ON webhooks(tenant_id, created_at);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    tenant_id        TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    payload          BLOB NOT NULL,                -- the exact body that is signed and sent
    test             INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL,                -- pending | pending_retry | success | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    next_attempt_at  INTEGER,                      -- due time while pending/pending_retry
    claimed_at       INTEGER,                      -- set while a worker sends it
    response_status  INTEGER NOT NULL DEFAULT 0,
    latency_ms       INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    response_excerpt TEXT NOT NULL DEFAULT '',
    request_headers  TEXT NOT NULL DEFAULT '{}',   -- JSON object, signatures shortened
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook ON webhook_deliveries(webhook_id, created_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);

CREATE TABLE IF NOT EXISTS webhook_attempts (
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    response_status INTEGER NOT NULL DEFAULT 0,
    latency_ms      INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);
