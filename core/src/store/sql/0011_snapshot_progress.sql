-- 11: how far a snapshot initial sync went (docs/sync.md "Snapshot"): JSON
-- `{"after": {"entity": …, "record_id": …} | null, "feed_from": …}`, kept with the records of each
-- page, so a sync cut short goes on from the next page. NULL when no snapshot is under way.
ALTER TABLE sync_state ADD COLUMN snapshot_progress TEXT;
