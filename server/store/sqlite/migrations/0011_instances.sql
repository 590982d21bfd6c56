-- Serving instances of this database, each beating every few seconds: an
-- instance whose rate limits live in its own memory refuses to start while
-- another is alive (their buckets would not add up). limiter names where an
-- instance's buckets live ("memory" or the Redis address and prefix).
CREATE TABLE IF NOT EXISTS instances (
	id TEXT PRIMARY KEY,
	host TEXT NOT NULL,
	pid INTEGER NOT NULL,
	limiter TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	seen_at INTEGER NOT NULL
);
