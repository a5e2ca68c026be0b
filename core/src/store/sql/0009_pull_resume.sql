-- 8: where a pull page stopped inside a backfill (protocol version 2, docs/sync.md "Pull pages"):
-- the server's resume point as JSON (`{"seq": …, "backfill_after": …}`), kept with the cursor and
-- sent back with the next pull. NULL when the last page had none.
ALTER TABLE sync_state ADD COLUMN pull_resume TEXT;
