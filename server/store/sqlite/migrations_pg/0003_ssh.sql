-- SSH public keys that sign users in to the console served over SSH.
-- A key belongs to exactly one user; the SHA256 fingerprint identifies it.
CREATE TABLE IF NOT EXISTS ssh_keys (
    fingerprint TEXT COLLATE "C" PRIMARY KEY,          -- "SHA256:…" as printed by ssh-keygen -l
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_type    TEXT COLLATE "C" NOT NULL,
    public_key  TEXT COLLATE "C" NOT NULL,             -- authorized_keys form, no options, no comment
    comment     TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    last_used   BIGINT,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY -- SQLite's insertion order
);
CREATE INDEX IF NOT EXISTS ssh_keys_user ON ssh_keys(user_id);
