-- 12: the last sync's outcome, for the sync status the phone shows (docs/sync.md "Sync status"):
-- when a sync last went through, when one was last tried, and the error code of the last try if it
-- failed (NULL when it went through). The outcome of a sync is recorded whoever drives it.
ALTER TABLE sync_state ADD COLUMN last_success_ms INTEGER;
ALTER TABLE sync_state ADD COLUMN last_attempt_ms INTEGER;
ALTER TABLE sync_state ADD COLUMN last_error_code TEXT;
