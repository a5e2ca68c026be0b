-- 6: the audit trail (감사 기록), issue 10: who read or changed which household's record, when, from
-- which device. Append-only, synced to the server (the union of every device's entries and the
-- server's own); never edited or deleted, never sent back to phones. Codes and ids only: no names,
-- no addresses, no values. `at` in milliseconds UTC.
CREATE TABLE audit_entries (
    id           TEXT PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_id     TEXT,
    device_id    TEXT NOT NULL CHECK (length(device_id) > 0),
    action       TEXT NOT NULL,
    entity       TEXT,
    record_id    TEXT,
    household_id TEXT,
    detail       TEXT
) STRICT;
CREATE INDEX audit_entries_household ON audit_entries(household_id, at);
