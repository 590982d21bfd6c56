-- Core schema: tenants, users, tokens, API keys, audit, usage.
-- Times are unix milliseconds (UTC). Secrets are stored only as SHA-256 digests.
CREATE TABLE IF NOT EXISTS tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    plan       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS tokens (
    digest     BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    minted     INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    environment   TEXT NOT NULL,
    digest        BLOB NOT NULL UNIQUE,
    display_head  TEXT NOT NULL,
    display_tail  TEXT NOT NULL,
    permissions   TEXT NOT NULL,      -- JSON array
    rate_limit    INTEGER NOT NULL,
    expires_at    INTEGER,
    allowed_ips   TEXT NOT NULL DEFAULT '[]', -- JSON array
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    last_used     INTEGER,
    last_used_ip  TEXT NOT NULL DEFAULT '',
    request_count INTEGER NOT NULL DEFAULT 0,
    error_count   INTEGER NOT NULL DEFAULT 0,
    revoked_at    INTEGER,
    replaced_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys(tenant_id, created_at);

CREATE TABLE IF NOT EXISTS audit_events (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL,
    key_id                TEXT NOT NULL,
    ts                    INTEGER NOT NULL,
    action                TEXT NOT NULL,
    actor                 TEXT NOT NULL,
    actor_key_fingerprint TEXT NOT NULL DEFAULT '',
    ip                    TEXT NOT NULL DEFAULT '',
    detail                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_key ON audit_events(key_id, ts);

CREATE TABLE IF NOT EXISTS key_ips (
    key_id    TEXT NOT NULL,
    ip        TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    requests  INTEGER NOT NULL,
    PRIMARY KEY (key_id, ip)
);

-- Failed requests, one row each (the recent-errors source); successful ones
-- are logged in usage_log_chunks (0004).
CREATE TABLE IF NOT EXISTS usage_events (
    id         INTEGER PRIMARY KEY,
    ts         INTEGER NOT NULL,
    tenant_id  TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    method     TEXT NOT NULL,
    route      TEXT NOT NULL,
    status     INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
    error_code TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS usage_events_errors ON usage_events(tenant_id, ts) WHERE status >= 400;

-- Rollups keep analytics fast: one row per resolution (60, 900, 3600 or 21600
-- seconds), bucket, key, endpoint and status. h0..h9 is a latency histogram
-- (bounds in Go: latencyBoundsUS) for p95.
CREATE TABLE IF NOT EXISTS usage_rollup (
    tenant_id TEXT NOT NULL, res INTEGER NOT NULL, t INTEGER NOT NULL, key_id TEXT NOT NULL,
    endpoint TEXT NOT NULL, status INTEGER NOT NULL,
    n INTEGER NOT NULL, lat_sum_us INTEGER NOT NULL,
    h0 INTEGER NOT NULL DEFAULT 0, h1 INTEGER NOT NULL DEFAULT 0, h2 INTEGER NOT NULL DEFAULT 0,
    h3 INTEGER NOT NULL DEFAULT 0, h4 INTEGER NOT NULL DEFAULT 0, h5 INTEGER NOT NULL DEFAULT 0,
    h6 INTEGER NOT NULL DEFAULT 0, h7 INTEGER NOT NULL DEFAULT 0, h8 INTEGER NOT NULL DEFAULT 0,
    h9 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, res, t, key_id, endpoint, status)
) WITHOUT ROWID;

-- Accepted (token-consuming) requests per minute, per key and for the tenant (key_id = '').
CREATE TABLE IF NOT EXISTS usage_minute_total (
    tenant_id TEXT NOT NULL, key_id TEXT NOT NULL, t INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key_id, t)
) WITHOUT ROWID;

-- Peak of usage_minute_total within each bucket of resolution res (900, 3600, 21600).
CREATE TABLE IF NOT EXISTS usage_peak (
    tenant_id TEXT NOT NULL, key_id TEXT NOT NULL, res INTEGER NOT NULL, t INTEGER NOT NULL, peak INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key_id, res, t)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS contacts (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    email      TEXT NOT NULL COLLATE NOCASE,
    attributes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, email)
);
