-- Webhook notices no request causes (api_key.expiring, rate_limit.threshold):
-- one row per key, kind and level (days before expiry, or percent spent)
-- records the last one sent, so a restart or a second instance on the same
-- database does not send it again. ref is the expires_at (unix ms) an expiry
-- notice was for: a new expiry re-arms its notices.
CREATE TABLE IF NOT EXISTS webhook_notices (
    kind    TEXT COLLATE "C" NOT NULL,      -- key_expiring | rate_limit
    key_id  TEXT COLLATE "C" NOT NULL,
    level   BIGINT NOT NULL,
    ref     BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (kind, key_id, level)
);
