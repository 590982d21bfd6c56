-- Manual retries are extra attempts outside the automatic schedule; the
-- history marks them so the schedule's own attempts stay countable.
ALTER TABLE webhook_attempts ADD COLUMN IF NOT EXISTS manual BIGINT NOT NULL DEFAULT 0;
