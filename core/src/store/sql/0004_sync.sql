-- 4: the device's side of sync (docs/sync.md, "Device side").
-- One row of sync state: this device's id, the hybrid logical clock's last stamp (so a restarted app
-- never stamps lower), the learnt clock offset, the pull cursor and the two stamps the re-stamp floor
-- needs (every stamp ever received, the highest own stamp the server acknowledged).
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    device_id       TEXT NOT NULL,
    last_hlc        TEXT,
    clock_offset_ms INTEGER NOT NULL DEFAULT 0,
    cursor          INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
    received_max    TEXT,
    acked_max       TEXT
) STRICT;

-- Changes made here and not yet acknowledged by the server, as their JSON (one id = one content).
CREATE TABLE sync_outbox (
    seq       INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,
    hlc       TEXT NOT NULL,
    body      TEXT NOT NULL
) STRICT;
CREATE INDEX sync_outbox_hlc ON sync_outbox(hlc);

-- Changes the server refused for a reason other than the clock (e.g. out_of_scope): kept for support
-- staff instead of being pushed again for ever.
CREATE TABLE sync_refused (
    change_id  TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    code       TEXT NOT NULL,
    ko         TEXT NOT NULL,
    en         TEXT NOT NULL,
    refused_at INTEGER NOT NULL
) STRICT;

-- The merge state of every synced record: for a live mutable record its per-field versions
-- (JSON {field: {"v": value, "h": hlc, "c": change_id}}); for a tombstone the stamp and change id
-- of the delete kept; for an append-only record its content, stamp and change id. The tables'
-- rows are a projection of this state.
CREATE TABLE sync_records (
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('live', 'deleted', 'appended')),
    hlc       TEXT,
    change_id TEXT,
    body      TEXT,
    PRIMARY KEY (entity, record_id)
) STRICT, WITHOUT ROWID;

-- Re-derive the columns each replica computes itself, as applying pulled changes will: a file
-- written by an older build, or rows written around the repositories, start consistent.
UPDATE households SET search_text =
    head_name || ' ' || address || ' ' ||
    COALESCE((SELECT group_concat(name, ' ') FROM persons p WHERE p.household_id = households.id), '');
UPDATE households SET last_contact_at = (
    SELECT max(t) FROM (
        SELECT last_contact_at AS t
        UNION ALL
        SELECT completed_at FROM visits v
         WHERE v.household_id = households.id AND v.status = 'completed'
        UNION ALL
        SELECT checked_at FROM wellness_checks w WHERE w.household_id = households.id
    )
);
