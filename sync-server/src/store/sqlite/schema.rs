//! The server database schema and its migrations (스키마). `PRAGMA user_version` holds the version;
//! a file from a newer server is refused untouched.

use rusqlite::Connection;

use donghaeng_core::{CoreError, CoreResult};

/// Each step takes the schema from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
-- Every accepted change, under its sequence number (1, 2, 3 … with no gaps). `body` is the change's
-- JSON exactly as the protocol serialises it: a re-push is compared against it, and pulls send it.
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY,
    id        BLOB NOT NULL UNIQUE,
    entity    TEXT NOT NULL,
    record_id BLOB NOT NULL,
    hlc       TEXT NOT NULL,
    device_id BLOB NOT NULL,
    body      TEXT NOT NULL
);

-- The merged state per record (the server's replica): what `Replica` holds in memory.
-- state: live (fields in merged_fields), deleted (tombstone stamp), appended (whole record).
CREATE TABLE merged_records (
    entity    TEXT NOT NULL,
    record_id BLOB NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('live', 'deleted', 'appended')),
    hlc       TEXT,
    change_id BLOB,
    record    TEXT,
    PRIMARY KEY (entity, record_id)
) WITHOUT ROWID;

-- Per field of a live mutable record: its value (JSON) and the stamp and change that set it.
CREATE TABLE merged_fields (
    entity    TEXT NOT NULL,
    record_id BLOB NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    change_id BLOB NOT NULL,
    PRIMARY KEY (entity, record_id, field)
) WITHOUT ROWID;

-- Authentication (made by the admin command; not synced records).
CREATE TABLE auth_units (
    id        BLOB PRIMARY KEY,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    parent_id BLOB REFERENCES auth_units(id)
);
CREATE TABLE auth_users (
    id      BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES auth_units(id),
    name    TEXT NOT NULL,
    role    TEXT NOT NULL
);
CREATE TABLE enrolment_codes (
    code_hash     BLOB PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES auth_users(id),
    expires_at_ms INTEGER NOT NULL,
    used_at_ms    INTEGER
);
CREATE TABLE devices (
    id             BLOB PRIMARY KEY,
    user_id        BLOB NOT NULL REFERENCES auth_users(id),
    secret_hash    BLOB NOT NULL,
    enrolled_at_ms INTEGER NOT NULL,
    revoked_at_ms  INTEGER
);
CREATE TABLE access_tokens (
    token_hash    BLOB PRIMARY KEY,
    device_id     BLOB NOT NULL REFERENCES devices(id),
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at_ms);
"#,
    r#"
-- 2: which device spent a code, so that the same phone may retry an enrolment whose answer it lost.
ALTER TABLE enrolment_codes ADD COLUMN device_id BLOB;
"#,
    r#"
-- 3: the supervisor dashboard (issue 9) and web accounts (issue 10): a privilege per user, a web
-- login with an argon2id password hash, the failed-login counter and lock, and web sessions stored
-- by the SHA-256 of their cookie token.
ALTER TABLE auth_users ADD COLUMN privilege TEXT NOT NULL DEFAULT 'field'
    CHECK (privilege IN ('field', 'supervisor', 'admin'));
ALTER TABLE auth_users ADD COLUMN login TEXT;
ALTER TABLE auth_users ADD COLUMN password_hash TEXT;
ALTER TABLE auth_users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE auth_users ADD COLUMN locked_until_ms INTEGER;
CREATE UNIQUE INDEX auth_users_by_login ON auth_users(login) WHERE login IS NOT NULL;
CREATE TABLE web_sessions (
    token_hash    BLOB PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES auth_users(id),
    csrf_token    TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_last_seen ON web_sessions(last_seen_ms);
"#,
    r#"
-- 4: the SHA-256 of the retry key the spending device sent: a retry of the enrolment must present
-- the same key (src/store/auth/rules.rs).
ALTER TABLE enrolment_codes ADD COLUMN retry_key_hash BLOB;
"#,
    r#"
-- 5: feed keys (docs/sync.md, "Feed by scope"): the keys under which each change is read by the
-- devices' pulls, so that a pull reads its device's share of the log through this index rather than
-- the whole log. A change logged before the keys existed is read by every feed (the nil key; the
-- read rule then decides), except the audit trail, which no device receives.
CREATE TABLE change_scopes (
    scope BLOB NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (scope, seq)
) WITHOUT ROWID;
INSERT INTO change_scopes (scope, seq)
    SELECT zeroblob(16), seq FROM changes WHERE entity <> 'audit_entries';
"#,
    r#"
-- 6: checkpoints of the server's readers of the log, and the log by entity. Checkpoints (of the scope index, until step 8): the
-- reader's state as of a sequence number, so that a node starts from it and reads only the log
-- after it. `kind` names the reader and the version of its rules; one row per kind, the newest.
CREATE TABLE log_checkpoints (
    kind TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL CHECK (seq >= 0),
    body BLOB NOT NULL
);
-- The log of one entity, for the server's readers that follow one kind of record (the safety
-- monitor reads only safety events, not the whole log, when a node starts).
CREATE INDEX changes_by_entity ON changes (entity, seq);
"#,
    r#"
-- 7: the merged state packed, one value per record (`donghaeng_core::sync::packed`): a snapshot
-- page reads one row per record, not one per field. `legacy::pack_merged_state` fills it from the
-- per-field form and drops that form, in this step's transaction.
ALTER TABLE merged_records ADD COLUMN packed BLOB;
"#,
    r#"
-- 8: the scope index keeps its own database (src/scope/index/tables.rs), read only by its node:
-- the checkpoints of the whole index it replaced go.
DROP TABLE log_checkpoints;
"#,
];

/// The step after whose SQL the merged state is packed (`legacy::pack_merged_state`).
pub(super) const PACK_STEP: usize = 6;

/// Brings the schema to the newest version, in one transaction per step.
pub fn migrate(conn: &mut Connection) -> CoreResult<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let newest = MIGRATIONS.len() as i64;
    if current > newest {
        return Err(CoreError::schema_too_new(current, newest));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if i == PACK_STEP {
            super::legacy::pack_merged_state(&tx)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
