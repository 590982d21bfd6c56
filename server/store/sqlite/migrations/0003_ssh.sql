-- SSH public keys that sign users in to the console served over SSH.
-- A key belongs to exactly one user; the SHA256 fingerprint identifies it.
CREATE TABLE IF NOT EXISTS ssh_keys (
    fingerprint TEXT PRIMARY KEY,          -- "SHA256:…" as printed by ssh-keygen -l
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_type    TEXT NOT NULL,
    public_key  TEXT NOT NULL,             -- authorized_keys form, no options, no comment
    comment     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    last_used   INTEGER
);
CREATE INDEX IF NOT EXISTS ssh_keys_user ON ssh_keys(user_id);
