-- Narrower usage rows on PostgreSQL. A per-key rollup row shrinks from 248
-- to 192 bytes and its primary-key entry from 136 to 120: res (at most
-- 86400) is an integer, status a smallint, and the histogram counts of one
-- key, route and status in one bucket fit an integer (a key's rate limit
-- bounds them; n and the latency sums stay BIGINT). The tenant-wide rows
-- sum every key and keep BIGINT. Each ALTER rewrites its table once.
ALTER TABLE usage_rollup ALTER COLUMN res TYPE INTEGER, ALTER COLUMN status TYPE SMALLINT,
    ALTER COLUMN h0 TYPE INTEGER, ALTER COLUMN h1 TYPE INTEGER, ALTER COLUMN h2 TYPE INTEGER,
    ALTER COLUMN h3 TYPE INTEGER, ALTER COLUMN h4 TYPE INTEGER, ALTER COLUMN h5 TYPE INTEGER,
    ALTER COLUMN h6 TYPE INTEGER, ALTER COLUMN h7 TYPE INTEGER, ALTER COLUMN h8 TYPE INTEGER,
    ALTER COLUMN h9 TYPE INTEGER;
ALTER TABLE usage_peak ALTER COLUMN res TYPE INTEGER;

-- The usage writer rewrites its rows every few seconds: each upsert leaves a
-- dead row version (and, when not HOT, index entries) until vacuum, and the
-- default thresholds (20 % of the table dead, throttled) let a large table
-- carry many of them. Vacuum these at 2 % unthrottled, so their space is
-- reused within about a minute.
ALTER TABLE usage_rollup SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE usage_key_total SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE usage_peak SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE usage_minute_total SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE api_keys SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);

ALTER TABLE usage_tenant_rollup SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);

-- A key's address rows are rewritten for as long as the key is busy, and no
-- indexed column changes: half of each page kept free makes every rewrite
-- HOT (the old version pruned in place, no index entry added). The bucketed
-- rows above are left full: they stop changing once their bucket is over,
-- and a page kept half empty would stay so.
ALTER TABLE key_ips SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
