-- The resumable window of the live streams (webhook events, request log):
-- the last events of each tenant and source, so a client resuming with
-- Last-Event-ID after a server restart misses nothing within the window.
CREATE TABLE IF NOT EXISTS stream_events (
    id        BIGINT PRIMARY KEY,
    tenant_id TEXT COLLATE "C" NOT NULL,
    source    TEXT COLLATE "C" NOT NULL,
    at        BIGINT NOT NULL,
    data      BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS stream_events_tenant ON stream_events(tenant_id, source, id);
CREATE INDEX IF NOT EXISTS stream_events_at ON stream_events(at);
