-- Audit records cover more than API keys (webhook endpoints too): target_type
-- says what key_id names. Rows written before this migration are key events.
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS target_type TEXT COLLATE "C" NOT NULL DEFAULT 'api_key';
CREATE INDEX IF NOT EXISTS audit_target ON audit_events(tenant_id, target_type, key_id, ts);
