-- Webhooks: endpoints, the persisted delivery queue and per-attempt history.
-- Times are unix milliseconds (UTC). Secrets are stored sealed (AES-GCM with a
-- server-local key file) because the server must sign with them.
CREATE TABLE IF NOT EXISTS webhooks (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    tenant_id            TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    url                  TEXT COLLATE "C" NOT NULL,
    description          TEXT COLLATE "C" NOT NULL DEFAULT '',
    status               TEXT COLLATE "C" NOT NULL,            -- active | paused | disabled
    disabled_reason      TEXT COLLATE "C" NOT NULL DEFAULT '',
    events               TEXT COLLATE "C" NOT NULL,            -- JSON array of event types
    max_retries          BIGINT NOT NULL,
    secret_sealed        BYTEA NOT NULL,
    secret_prefix        TEXT COLLATE "C" NOT NULL,
    prev_secret_sealed   BYTEA,
    prev_secret_until    BIGINT,
    secret_rotated_at    BIGINT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    created_by           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_tenant ON webhooks(tenant_id, created_at);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               TEXT COLLATE "C" PRIMARY KEY,
    webhook_id       TEXT COLLATE "C" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    tenant_id        TEXT COLLATE "C" NOT NULL,
    event_id         TEXT COLLATE "C" NOT NULL,
    event_type       TEXT COLLATE "C" NOT NULL,
    payload          BYTEA NOT NULL,                -- the exact body that is signed and sent
    test             BIGINT NOT NULL DEFAULT 0,
    status           TEXT COLLATE "C" NOT NULL,                -- pending | pending_retry | success | failed
    attempts         BIGINT NOT NULL DEFAULT 0,
    max_attempts     BIGINT NOT NULL,
    next_attempt_at  BIGINT,                      -- due time while pending/pending_retry
    claimed_at       BIGINT,                      -- set while a worker sends it
    response_status  BIGINT NOT NULL DEFAULT 0,
    latency_ms       BIGINT NOT NULL DEFAULT 0,
    error            TEXT COLLATE "C" NOT NULL DEFAULT '',
    response_excerpt TEXT COLLATE "C" NOT NULL DEFAULT '',
    request_headers  TEXT COLLATE "C" NOT NULL DEFAULT '{}',   -- JSON object, signatures shortened
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook ON webhook_deliveries(webhook_id, created_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);

CREATE TABLE IF NOT EXISTS webhook_attempts (
    delivery_id     TEXT COLLATE "C" NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt         BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    response_status BIGINT NOT NULL DEFAULT 0,
    latency_ms      BIGINT NOT NULL DEFAULT 0,
    error           TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);
