//! The PostgreSQL schema and its migrations (스키마), forward-only and versioned like the SQLite one:
//! `schema_version` holds the version; a database from a newer server is refused untouched.
//!
//! Several nodes may start at once on an empty database: the migration runs under a
//! transaction-level advisory lock, so exactly one node creates the tables and the others wait and
//! then find the schema current. DDL is transactional in PostgreSQL, so a step and its version
//! number commit together or not at all.

use deadpool_postgres::Client;

use donghaeng_core::{CoreError, CoreResult};

use super::pg_error;

/// Key of the advisory lock held while migrating ("DHSCHEMA" in ASCII): a constant of our own so it
/// does not collide with locks of other applications sharing the database.
const MIGRATION_LOCK: i64 = 0x4448_5343_4845_4d41;

/// Each step takes the schema from version `i` to `i + 1`. Text columns that are sorted for the
/// canonical dump use the "C" collation: byte order, as Rust's `String` and SQLite sort, whatever the
/// database's locale is.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
-- The sequence counter: one row, locked for the whole of a push (see changes.rs for why).
CREATE TABLE seq_counter (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_seq bigint NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO seq_counter (id, last_seq) VALUES (true, 0);

-- Every accepted change, under its sequence number (1, 2, 3 … with no gaps). `body` is the change's
-- JSON exactly as the protocol serialises it (text, not jsonb, which would normalise it).
CREATE TABLE changes (
    seq       bigint PRIMARY KEY,
    id        uuid NOT NULL UNIQUE,
    entity    text COLLATE "C" NOT NULL,
    record_id uuid NOT NULL,
    hlc       text NOT NULL,
    device_id uuid NOT NULL,
    body      text NOT NULL
);

-- The merged state per record (the server's replica).
CREATE TABLE merged_records (
    entity    text COLLATE "C" NOT NULL,
    record_id uuid NOT NULL,
    state     text NOT NULL CHECK (state IN ('live', 'deleted', 'appended')),
    hlc       text,
    change_id uuid,
    record    text,
    PRIMARY KEY (entity, record_id)
);

-- Per field of a live mutable record: its value (JSON text) and the stamp and change that set it.
CREATE TABLE merged_fields (
    entity    text COLLATE "C" NOT NULL,
    record_id uuid NOT NULL,
    field     text COLLATE "C" NOT NULL,
    value     text NOT NULL,
    hlc       text NOT NULL,
    change_id uuid NOT NULL,
    PRIMARY KEY (entity, record_id, field)
);

-- Authentication (made by the admin command; not synced records). Only SHA-256 hashes of codes,
-- secrets and tokens.
CREATE TABLE auth_units (
    id        uuid PRIMARY KEY,
    kind      text NOT NULL,
    name      text NOT NULL,
    parent_id uuid REFERENCES auth_units(id)
);
CREATE TABLE auth_users (
    id      uuid PRIMARY KEY,
    unit_id uuid NOT NULL REFERENCES auth_units(id),
    name    text NOT NULL,
    role    text NOT NULL
);
CREATE TABLE enrolment_codes (
    code_hash     bytea PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES auth_users(id),
    expires_at_ms bigint NOT NULL,
    used_at_ms    bigint
);
CREATE TABLE devices (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES auth_users(id),
    secret_hash    bytea NOT NULL,
    enrolled_at_ms bigint NOT NULL,
    revoked_at_ms  bigint
);
CREATE TABLE access_tokens (
    token_hash    bytea PRIMARY KEY,
    device_id     uuid NOT NULL REFERENCES devices(id),
    expires_at_ms bigint NOT NULL
);
CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at_ms);
"#,
    r#"
-- 2: which device spent a code, so that the same phone may retry an enrolment whose answer it lost.
ALTER TABLE enrolment_codes ADD COLUMN device_id uuid;
"#,
    r#"
ALTER TABLE auth_users ADD COLUMN privilege text NOT NULL DEFAULT 'field'
    CHECK (privilege IN ('field', 'supervisor', 'admin'));
ALTER TABLE auth_users ADD COLUMN login text;
ALTER TABLE auth_users ADD COLUMN password_hash text;
ALTER TABLE auth_users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE auth_users ADD COLUMN locked_until_ms bigint;
CREATE UNIQUE INDEX auth_users_by_login ON auth_users(login) WHERE login IS NOT NULL;
CREATE TABLE web_sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES auth_users(id),
    csrf_token    text NOT NULL,
    created_at_ms bigint NOT NULL,
    last_seen_ms  bigint NOT NULL
);
CREATE INDEX web_sessions_by_last_seen ON web_sessions(last_seen_ms);
"#,
    r#"
-- 4: the SHA-256 of the retry key the spending device sent: a retry of the enrolment must present
-- the same key (src/store/auth/rules.rs).
ALTER TABLE enrolment_codes ADD COLUMN retry_key_hash bytea;
"#,
    r#"
-- 5: feed keys (docs/sync.md, "Feed by scope"): the keys under which each change is read by the
-- devices' pulls, so that a pull reads its device's share of the log through this index rather than
-- the whole log. A change logged before the keys existed is read by every feed (the nil key; the
-- read rule then decides), except the audit trail, which no device receives.
CREATE TABLE change_scopes (
    scope uuid   NOT NULL,
    seq   bigint NOT NULL,
    PRIMARY KEY (scope, seq)
);
INSERT INTO change_scopes (scope, seq)
    SELECT '00000000-0000-0000-0000-000000000000'::uuid, seq FROM changes
     WHERE entity <> 'audit_entries';
"#,
    r#"
-- 6: checkpoints of the server's readers of the log, and the log by entity. Checkpoints (of the scope index, until step 8): the
-- reader's state as of a sequence number, so that a node starts from it and reads only the log
-- after it. `kind` names the reader and the version of its rules; one row per kind, the newest
-- (every node writes the same state for the same sequence number: the index follows the log).
CREATE TABLE log_checkpoints (
    kind text   PRIMARY KEY,
    seq  bigint NOT NULL CHECK (seq >= 0),
    body bytea  NOT NULL
);
-- The log of one entity, for the server's readers that follow one kind of record (the safety
-- monitor reads only safety events, not the whole log, when a node starts).
CREATE INDEX changes_by_entity ON changes (entity, seq);
"#,
    r#"
-- 7: the merged state packed, one value per record (`donghaeng_core::sync::packed`): a snapshot
-- page reads one row per record, not one per field. `legacy::pack_merged_state` fills it from the
-- per-field form and drops that form, in this step's transaction.
ALTER TABLE merged_records ADD COLUMN packed bytea;
"#,
    r#"
-- 8: the scope index keeps its own database on each node (src/scope/index/tables.rs): the
-- checkpoints of the whole index it replaced go.
DROP TABLE log_checkpoints;
"#,
];

/// The step after whose SQL the merged state is packed (`legacy::pack_merged_state`).
pub const PACK_STEP: i64 = 6;

/// The schema version this server writes.
pub const NEWEST: i64 = MIGRATIONS.len() as i64;

/// Brings the schema to the newest version, one transaction per step.
pub async fn migrate(client: &mut Client) -> CoreResult<()> {
    for _ in 0..MIGRATIONS.len() + 1 {
        let tx = client.transaction().await.map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg_error)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 id      boolean PRIMARY KEY DEFAULT true CHECK (id),
                 version bigint NOT NULL
             );
             INSERT INTO schema_version (id, version) VALUES (true, 0) ON CONFLICT (id) DO NOTHING;",
        )
        .await
        .map_err(pg_error)?;
        let current: i64 = tx
            .query_one("SELECT version FROM schema_version", &[])
            .await
            .map_err(pg_error)?
            .get(0);
        if current > NEWEST {
            return Err(CoreError::schema_too_new(current, NEWEST));
        }
        let Some(sql) = usize::try_from(current)
            .ok()
            .and_then(|i| MIGRATIONS.get(i))
        else {
            // Current (the transaction only created the version table if it was missing).
            tx.commit().await.map_err(pg_error)?;
            return Ok(());
        };
        tx.batch_execute(sql).await.map_err(pg_error)?;
        if current == PACK_STEP {
            super::legacy::pack_merged_state(&tx).await?;
        }
        tx.execute("UPDATE schema_version SET version = $1", &[&(current + 1)])
            .await
            .map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)?;
    }
    Err(CoreError::storage("the schema migration did not converge"))
}
