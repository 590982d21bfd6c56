-- Usage at scale. Per-key rollups are keyed key first, since every read of
-- them names a key; the tenant-wide analytics read usage_tenant_rollup and
-- the per-key breakdown reads usage_key_total, both written by the usage
-- writer next to the per-key rows. Existing rows are carried over.
CREATE TABLE IF NOT EXISTS usage_rollup_by_key (
    tenant_id TEXT COLLATE "C" NOT NULL, key_id TEXT COLLATE "C" NOT NULL, res BIGINT NOT NULL, t BIGINT NOT NULL,
    endpoint TEXT COLLATE "C" NOT NULL, status BIGINT NOT NULL,
    n BIGINT NOT NULL, lat_sum_us BIGINT NOT NULL,
    h0 BIGINT NOT NULL DEFAULT 0, h1 BIGINT NOT NULL DEFAULT 0, h2 BIGINT NOT NULL DEFAULT 0,
    h3 BIGINT NOT NULL DEFAULT 0, h4 BIGINT NOT NULL DEFAULT 0, h5 BIGINT NOT NULL DEFAULT 0,
    h6 BIGINT NOT NULL DEFAULT 0, h7 BIGINT NOT NULL DEFAULT 0, h8 BIGINT NOT NULL DEFAULT 0,
    h9 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, key_id, res, t, endpoint, status)
);
INSERT INTO usage_rollup_by_key SELECT tenant_id, key_id, res, t, endpoint, status, n, lat_sum_us, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9
    FROM usage_rollup ORDER BY tenant_id, key_id, res, t, endpoint, status;

-- The same rollups summed over every key of a tenant.
CREATE TABLE IF NOT EXISTS usage_tenant_rollup (
    tenant_id TEXT COLLATE "C" NOT NULL, res BIGINT NOT NULL, t BIGINT NOT NULL,
    endpoint TEXT COLLATE "C" NOT NULL, status BIGINT NOT NULL,
    n BIGINT NOT NULL, lat_sum_us BIGINT NOT NULL,
    h0 BIGINT NOT NULL DEFAULT 0, h1 BIGINT NOT NULL DEFAULT 0, h2 BIGINT NOT NULL DEFAULT 0,
    h3 BIGINT NOT NULL DEFAULT 0, h4 BIGINT NOT NULL DEFAULT 0, h5 BIGINT NOT NULL DEFAULT 0,
    h6 BIGINT NOT NULL DEFAULT 0, h7 BIGINT NOT NULL DEFAULT 0, h8 BIGINT NOT NULL DEFAULT 0,
    h9 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, res, t, endpoint, status)
);
INSERT INTO usage_tenant_rollup SELECT tenant_id, res, t, endpoint, status, SUM(n), SUM(lat_sum_us),
    SUM(h0), SUM(h1), SUM(h2), SUM(h3), SUM(h4), SUM(h5), SUM(h6), SUM(h7), SUM(h8), SUM(h9)
    FROM usage_rollup GROUP BY tenant_id, res, t, endpoint, status;

-- Requests and successes per key and bucket (also daily, res 86400): the
-- per-key breakdown of a window sums the few coarsest buckets that tile it.
CREATE TABLE IF NOT EXISTS usage_key_total (
    tenant_id TEXT COLLATE "C" NOT NULL, res BIGINT NOT NULL, t BIGINT NOT NULL, key_id TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL, ok BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, res, t, key_id)
);
INSERT INTO usage_key_total SELECT tenant_id, res, t, key_id, SUM(n), SUM(CASE WHEN status < 400 THEN n ELSE 0 END)
    FROM usage_rollup GROUP BY tenant_id, res, t, key_id;
INSERT INTO usage_key_total SELECT tenant_id, 86400, t - t % 86400, key_id, SUM(n), SUM(ok)
    FROM usage_key_total WHERE res = 21600 GROUP BY tenant_id, t - t % 86400, key_id;

DROP TABLE usage_rollup;
ALTER TABLE usage_rollup_by_key RENAME TO usage_rollup;

-- Pruning and the key list's sorts read through indexes.
CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS api_keys_tenant_created ON api_keys(tenant_id, created_at DESC, id);
CREATE INDEX IF NOT EXISTS api_keys_tenant_last_used ON api_keys(tenant_id, coalesce(last_used, -1) DESC, created_at DESC, id);
CREATE INDEX IF NOT EXISTS api_keys_tenant_name ON api_keys(tenant_id, name COLLATE nocase, created_at DESC, id);
DROP INDEX IF EXISTS api_keys_tenant;
