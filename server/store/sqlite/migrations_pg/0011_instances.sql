-- Serving instances of this database, each beating every few seconds: an
-- instance whose rate limits live in its own memory refuses to start while
-- another is alive (their buckets would not add up). limiter names where an
-- instance's buckets live ("memory" or the Redis address and prefix).
CREATE TABLE IF NOT EXISTS instances (
    id         TEXT COLLATE "C" PRIMARY KEY,
    host       TEXT COLLATE "C" NOT NULL,
    pid        BIGINT NOT NULL,
    limiter    TEXT COLLATE "C" NOT NULL,
    started_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
