-- 16: the merge state of a synced record in binary (docs/store.md "Merge state on disk"): a stamp
-- and change id in at most 42 bytes instead of 88 characters, a listed field's name in one or two.
-- Rows written before keep their JSON body and are read as before; each record moves to the
-- packed form the next time its state is written. An older build refuses the file (its schema
-- version is newer), so it never reads a record whose body it cannot see.
ALTER TABLE sync_records ADD COLUMN packed BLOB;
