-- A counter per tenant that every usage write raises in its own
-- transaction. On PostgreSQL it names the analytics documents (ETags) of
-- all instances; SQLite keeps that count in the one process that writes,
-- and stores the table so both schemas stay alike.
CREATE TABLE IF NOT EXISTS usage_versions (
    tenant_id TEXT PRIMARY KEY,
    v INTEGER NOT NULL
) WITHOUT ROWID;
