-- The usage writer rewrites every row of a busy bucket in one transaction
-- every few seconds. A rewrite is HOT (the row's new version on the same
-- page, no index entry, the old one pruned in place) only when the page has
-- room for it, and every row of a page is rewritten at once: half of each
-- page is kept free. Applies to pages written from now on.
ALTER TABLE usage_rollup SET (fillfactor = 50);
ALTER TABLE usage_peak SET (fillfactor = 50);
ALTER TABLE usage_minute_total SET (fillfactor = 50);
ALTER TABLE usage_key_total SET (fillfactor = 50);
