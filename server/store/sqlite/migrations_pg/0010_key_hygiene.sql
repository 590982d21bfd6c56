-- Key hygiene and the rotation cockpit. On a rotated-away key: when it was
-- rotated and its request counter then, so the cockpit counts the old
-- key's requests since the rotation. The new key is found through
-- replaced_by. The key list gains a requests sort.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS rotated_at BIGINT;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS requests_at_rotation BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS api_keys_replaced_by ON api_keys(replaced_by) WHERE replaced_by != '';
CREATE INDEX IF NOT EXISTS api_keys_tenant_requests ON api_keys(tenant_id, request_count DESC, created_at DESC, id);
