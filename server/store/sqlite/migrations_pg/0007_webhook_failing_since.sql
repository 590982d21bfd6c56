-- When the current run of failed attempts began (unix ms; NULL while the
-- last attempt succeeded): endpoints are disabled by how long they have been
-- failing, not by how many attempts failed.
ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS failing_since BIGINT;
