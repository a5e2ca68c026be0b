//! Where the scope index keeps what it learnt (색인 저장소): a SQLite database of its own, a file
//! beside the server's database or on the node's disk (`--scope-index`), or in memory for tests. It
//! is derived from the change log alone, so it holds ids and stamps, never what a record says, and
//! can always be rebuilt from the log: a file made by other index rules (its fingerprint differs),
//! or ahead of the log (a database restored from an older backup), is emptied and read again.
//!
//! Memory is SQLite's page cache ([`CACHE_KIB`]), whatever the size of the city; a node that
//! restarts opens the file and reads only the log after the position it saved.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use donghaeng_core::sync::snapshot::SnapshotOrder;
use donghaeng_core::sync::{Change, HlcTimestamp, RecordRef};
use donghaeng_core::{CoreError, CoreResult};

use super::super::placement::Placement;
use super::{session_named, HOUSEHOLD_BOUND};

/// The page cache of the index's connection, in KiB (our choice: the working set of a few 동's
/// requests; the rest stays on disk).
pub const CACHE_KIB: i64 = 32 * 1024;

/// Bump when the tables change shape (the fingerprint covers the rules' source too).
const FORMAT: u32 = 2;

const SCHEMA: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
-- The org tree (read into memory at open: it is walked for every record).
CREATE TABLE units (
    id BLOB PRIMARY KEY, kind TEXT, kind_hlc BLOB, parent BLOB, parent_hlc BLOB
) WITHOUT ROWID;
-- Values that follow the merge rule (a later stamp replaces them), one map per `Map`.
CREATE TABLE stamped (
    map INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, hlc BLOB NOT NULL,
    PRIMARY KEY (map, key)
) WITHOUT ROWID;
-- Every 동 a household has ever been in, and every 동 ever named.
CREATE TABLE dongs_ever (household BLOB NOT NULL, dong BLOB NOT NULL,
    PRIMARY KEY (household, dong)) WITHOUT ROWID;
CREATE TABLE dongs (dong BLOB PRIMARY KEY) WITHOUT ROWID;
-- (entity, record) → the household its `household_id` names.
CREATE TABLE record_household (entity TEXT NOT NULL, record BLOB NOT NULL, household BLOB NOT NULL,
    PRIMARY KEY (entity, record)) WITHOUT ROWID;
-- household → every record bound to it.
CREATE TABLE bound (household BLOB NOT NULL, entity TEXT NOT NULL, record BLOB NOT NULL,
    PRIMARY KEY (household, entity, record)) WITHOUT ROWID;
-- The same under every 동 the household was ever in, in snapshot order: a snapshot page of a 동
-- is one range of this index.
CREATE TABLE area_records (dong BLOB NOT NULL, entity TEXT NOT NULL, record BLOB NOT NULL,
    household BLOB NOT NULL, PRIMARY KEY (dong, entity, record, household)) WITHOUT ROWID;
-- visit → worker → assigned (merge rule per worker).
CREATE TABLE assignments (visit BLOB NOT NULL, worker BLOB NOT NULL, assigned INTEGER NOT NULL,
    hlc BLOB NOT NULL, PRIMARY KEY (visit, worker)) WITHOUT ROWID;
-- household → the sequence numbers of its records' changes.
CREATE TABLE household_seqs (household BLOB NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (household, seq)) WITHOUT ROWID;
-- Safety sessions, from their `started` event; each event's session.
CREATE TABLE sessions (session BLOB PRIMARY KEY, household BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE session_workers (session BLOB NOT NULL, worker BLOB NOT NULL,
    PRIMARY KEY (session, worker)) WITHOUT ROWID;
CREATE INDEX session_workers_by_worker ON session_workers (worker, session);
CREATE TABLE event_session (event BLOB PRIMARY KEY, session BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX event_session_by_session ON event_session (session, event);
-- volunteer activity → its worker.
CREATE TABLE activity_worker (activity BLOB PRIMARY KEY, worker BLOB NOT NULL) WITHOUT ROWID;
-- The first device that wrote a record of a kind (`First`): it alone may write it again.
CREATE TABLE first_writer (kind INTEGER NOT NULL, record BLOB NOT NULL, device BLOB NOT NULL,
    PRIMARY KEY (kind, record)) WITHOUT ROWID;
-- Sets of ids (`Set`): every device changes were written under, the admin's published workers.
CREATE TABLE id_sets (kind INTEGER NOT NULL, id BLOB NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
"#;

/// The maps of `stamped`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Map {
    HouseholdDong = 0,
    WorkerTeam = 1,
    ReportDong = 2,
    ReportReporter = 3,
    ConfigUnit = 4,
}

/// The kinds of `first_writer`.
#[derive(Debug, Clone, Copy)]
pub(super) enum First {
    Appended = 0,
    Sos = 1,
}

/// The kinds of `id_sets`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Set {
    Writers = 0,
    PublishedWorkers = 1,
}

/// The index's rules as compiled into this server: its source and table format, hashed (FNV-1a,
/// 64 bits). A file made under other rules is read again from the log.
pub(super) fn fingerprint() -> i64 {
    let sources = [
        include_str!("../index.rs"),
        include_str!("learn.rs"),
        include_str!("tables.rs"),
        include_str!("../placement.rs"),
        include_str!("../publish.rs"),
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sources
        .iter()
        .flat_map(|s| s.bytes())
        .chain(FORMAT.to_le_bytes())
    {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// Opens the index's database (`None`: in memory), emptied if it was made under other rules.
pub(super) fn open(path: Option<&Path>) -> CoreResult<Connection> {
    let mut conn = match path {
        Some(p) => Connection::open(p),
        None => Connection::open_in_memory(),
    }
    .map_err(|e| storage("open", e))?;
    conn.set_prepared_statement_cache_capacity(64);
    // A node that just stopped may hold the file a moment longer; past this the file is in use by
    // another process, and this one does not start.
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| storage("configure", e))?;
    // One connection of one process uses the file: held exclusively, a statement takes no file
    // lock and the WAL index lives in the heap (set before WAL is first used); a second node
    // configured on the same file fails to open it instead of sharing it. Derived data: a commit
    // need not reach the disk before the next (a lost tail is read again from the log), but the
    // file must stay whole (WAL).
    conn.execute_batch(&format!(
        "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{CACHE_KIB};"
    ))
    .map_err(|e| storage("configure", e))?;
    let made_by: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'fingerprint'",
            [],
            |r| r.get(0),
        )
        .optional()
        .unwrap_or(None);
    if made_by != Some(fingerprint()) {
        reset(&mut conn)?;
    }
    Ok(conn)
}

/// Drops everything and makes the tables anew (position 0: the log is read from the start).
pub(super) fn reset(conn: &mut Connection) -> CoreResult<()> {
    let tx = conn.transaction().map_err(|e| storage("reset", e))?;
    let tables: Vec<String> = {
        let mut st = tx
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .map_err(|e| storage("reset", e))?;
        let names = st
            .query_map([], |r| r.get(0))
            .map_err(|e| storage("reset", e))?
            .collect::<Result<_, _>>()
            .map_err(|e| storage("reset", e))?;
        names
    };
    for t in tables {
        tx.execute_batch(&format!("DROP TABLE \"{t}\""))
            .map_err(|e| storage("reset", e))?;
    }
    tx.execute_batch(SCHEMA).map_err(|e| storage("reset", e))?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('fingerprint', ?1), ('last_seq', 0)",
        params![fingerprint()],
    )
    .map_err(|e| storage("reset", e))?;
    tx.commit().map_err(|e| storage("reset", e))
}

/// The position saved with the last page read.
pub(super) fn last_seq(conn: &Connection) -> CoreResult<u64> {
    let seq: i64 = conn
        .query_row("SELECT value FROM meta WHERE key = 'last_seq'", [], |r| {
            r.get(0)
        })
        .map_err(|e| storage("read", e))?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

/// A stamp as bytes whose order is the stamps' order (wall clock, counter, node; big-endian).
pub(super) fn hlc_bytes(h: &HlcTimestamp) -> [u8; 26] {
    let mut out = [0u8; 26];
    out[..8].copy_from_slice(&h.wall_ms.to_be_bytes());
    out[8..10].copy_from_slice(&h.counter.to_be_bytes());
    out[10..].copy_from_slice(h.node.as_bytes());
    out
}

pub(super) fn hlc_of(bytes: &[u8]) -> Option<HlcTimestamp> {
    if bytes.len() != 26 {
        return None;
    }
    Some(HlcTimestamp {
        wall_ms: u64::from_be_bytes(bytes[..8].try_into().ok()?),
        counter: u16::from_be_bytes(bytes[8..10].try_into().ok()?),
        node: Uuid::from_slice(&bytes[10..]).ok()?,
    })
}

/// A uuid column.
pub(super) fn uuid(bytes: &[u8]) -> Option<Uuid> {
    Uuid::from_slice(bytes).ok()
}

pub(super) fn storage(what: &str, e: rusqlite::Error) -> CoreError {
    CoreError::storage(format!("scope index ({what}): {e}"))
}

pub(super) fn opt_uuid(bytes: Option<Vec<u8>>) -> Option<Uuid> {
    bytes.as_deref().and_then(uuid)
}

/// The index's statements over one connection (or transaction): the reads here, the writes in
/// `super::learn`.
pub(super) struct Tables<'c>(pub(super) &'c Connection);

impl Tables<'_> {
    /// The last change read (`anchor_bytes`), if any.
    pub(super) fn anchor(&self) -> rusqlite::Result<Option<(u64, Uuid)>> {
        let bytes: Option<Vec<u8>> = self
            .0
            .prepare_cached("SELECT value FROM meta WHERE key = 'anchor'")?
            .query_row([], |r| r.get(0))
            .optional()?;
        Ok(bytes.filter(|b| b.len() == 24).and_then(|b| {
            let seq = u64::from_be_bytes(b[..8].try_into().ok()?);
            Some((seq, uuid(&b[8..])?)).filter(|(seq, _)| *seq > 0)
        }))
    }

    pub(super) fn uuid_row(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
    ) -> rusqlite::Result<Option<Uuid>> {
        let found: Option<Vec<u8>> = self
            .0
            .prepare_cached(sql)?
            .query_row(p, |r| r.get(0))
            .optional()?;
        Ok(opt_uuid(found))
    }

    pub(super) fn exists(&self, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<bool> {
        self.0.prepare_cached(sql)?.exists(p)
    }

    pub(super) fn stamped(&self, map: Map, key: Uuid) -> rusqlite::Result<Option<Uuid>> {
        self.uuid_row(
            "SELECT value FROM stamped WHERE map = ?1 AND key = ?2",
            params![map as i64, key.as_bytes()],
        )
    }

    pub(super) fn first_writer(&self, kind: First, record: Uuid) -> rusqlite::Result<Option<Uuid>> {
        self.uuid_row(
            "SELECT device FROM first_writer WHERE kind = ?1 AND record = ?2",
            params![kind as i64, record.as_bytes()],
        )
    }

    pub(super) fn in_set(&self, set: Set, id: Uuid) -> rusqlite::Result<bool> {
        self.exists(
            "SELECT 1 FROM id_sets WHERE kind = ?1 AND id = ?2",
            params![set as i64, id.as_bytes()],
        )
    }

    pub(super) fn activity_worker(&self, activity: Uuid) -> rusqlite::Result<Option<Uuid>> {
        self.uuid_row(
            "SELECT worker FROM activity_worker WHERE activity = ?1",
            params![activity.as_bytes()],
        )
    }

    pub(super) fn session_household(&self, session: Uuid) -> rusqlite::Result<Option<Uuid>> {
        self.uuid_row(
            "SELECT household FROM sessions WHERE session = ?1",
            params![session.as_bytes()],
        )
    }

    pub(super) fn session_participants(
        &self,
        session: Uuid,
    ) -> rusqlite::Result<Option<HashSet<Uuid>>> {
        if self.session_household(session)?.is_none() {
            return Ok(None);
        }
        let mut st = self
            .0
            .prepare_cached("SELECT worker FROM session_workers WHERE session = ?1")?;
        let rows = st.query_map(params![session.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = HashSet::new();
        for w in rows {
            out.extend(uuid(&w?));
        }
        Ok(Some(out))
    }

    pub(super) fn in_session_of(&self, event: Uuid, worker: Uuid) -> rusqlite::Result<bool> {
        self.exists(
            "SELECT 1 FROM event_session e JOIN session_workers w ON w.session = e.session \
             WHERE e.event = ?1 AND w.worker = ?2",
            params![event.as_bytes(), worker.as_bytes()],
        )
    }

    pub(super) fn household_of(
        &self,
        entity: &str,
        record: Uuid,
    ) -> rusqlite::Result<Option<Uuid>> {
        if entity == "households" {
            return Ok(Some(record));
        }
        self.uuid_row(
            "SELECT household FROM record_household WHERE entity = ?1 AND record = ?2",
            params![entity, record.as_bytes()],
        )
    }

    pub(super) fn household_of_change(&self, c: &Change) -> rusqlite::Result<Option<Uuid>> {
        let fields = c.op.fields();
        self.household_of_record(&c.entity, c.record_id, || {
            session_named(fields.and_then(|f| f.get("session_id")))
        })
    }

    pub(super) fn household_of_record(
        &self,
        entity: &str,
        record_id: Uuid,
        named_session: impl FnOnce() -> Option<Uuid>,
    ) -> rusqlite::Result<Option<Uuid>> {
        match entity {
            "households" => Ok(Some(record_id)),
            "visit_workers" => self.household_of("visits", record_id),
            "safety_events" => {
                let session = self.uuid_row(
                    "SELECT session FROM event_session WHERE event = ?1",
                    params![record_id.as_bytes()],
                )?;
                match session.or_else(named_session) {
                    Some(s) => self.session_household(s),
                    None => Ok(None),
                }
            }
            // A new incident report is placed by its safety session, like the session's events.
            "incidents" => match self.household_of("incidents", record_id)? {
                Some(h) => Ok(Some(h)),
                None => match named_session() {
                    Some(s) => self.session_household(s),
                    None => Ok(None),
                },
            },
            e => self.household_of(e, record_id),
        }
    }

    pub(super) fn placement(
        &self,
        entity: &str,
        record: Uuid,
    ) -> rusqlite::Result<Option<Placement>> {
        let p = match entity {
            "households" => match self.stamped(Map::HouseholdDong, record)? {
                Some(dong) => Placement {
                    household: Some(record),
                    dong: Some(dong),
                    ..Placement::default()
                },
                None => return Ok(None),
            },
            "workers" => Placement {
                team: self.stamped(Map::WorkerTeam, record)?,
                ..Placement::default()
            },
            "crisis_reports" => Placement {
                household: self.household_of(entity, record)?,
                dong: self.stamped(Map::ReportDong, record)?,
                reporter: self.stamped(Map::ReportReporter, record)?,
                ..Placement::default()
            },
            "volunteer_activity" => Placement {
                household: self.household_of(entity, record)?,
                worker: self.activity_worker(record)?,
                ..Placement::default()
            },
            "visit_workers" => Placement {
                household: self.household_of("visits", record)?,
                ..Placement::default()
            },
            e if HOUSEHOLD_BOUND.contains(&e) => Placement {
                household: self.household_of(e, record)?,
                ..Placement::default()
            },
            _ => return Ok(None),
        };
        Ok((p != Placement::default()).then_some(p))
    }

    pub(super) fn dongs_ever(&self, household: Uuid) -> rusqlite::Result<Vec<Uuid>> {
        self.uuids(
            "SELECT dong FROM dongs_ever WHERE household = ?1",
            params![household.as_bytes()],
        )
    }

    pub(super) fn dongs(&self) -> rusqlite::Result<Vec<Uuid>> {
        self.uuids("SELECT dong FROM dongs", [])
    }

    pub(super) fn uuids(&self, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<Vec<Uuid>> {
        let mut st = self.0.prepare_cached(sql)?;
        let rows = st.query_map(p, |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for id in rows {
            out.extend(uuid(&id?));
        }
        Ok(out)
    }

    pub(super) fn assigned(
        &self,
        worker: Uuid,
        household: Uuid,
        now: bool,
    ) -> rusqlite::Result<bool> {
        self.exists(
            "SELECT 1 FROM bound b JOIN assignments a ON a.visit = b.record AND a.worker = ?2 \
             WHERE b.household = ?1 AND b.entity = 'visits' AND (a.assigned OR NOT ?3)",
            params![household.as_bytes(), worker.as_bytes(), now],
        )
    }

    pub(super) fn household_seqs(&self, household: Uuid, upto: u64) -> rusqlite::Result<Vec<u64>> {
        let mut st = self.0.prepare_cached(
            "SELECT seq FROM household_seqs WHERE household = ?1 AND seq <= ?2 ORDER BY seq",
        )?;
        let rows = st.query_map(
            params![
                household.as_bytes(),
                i64::try_from(upto).unwrap_or(i64::MAX)
            ],
            |r| r.get::<_, i64>(0),
        )?;
        let mut out = Vec::new();
        for seq in rows {
            out.push(u64::try_from(seq?).unwrap_or(0));
        }
        Ok(out)
    }

    pub(super) fn bound(&self, household: Uuid) -> rusqlite::Result<Vec<RecordRef>> {
        let mut st = self
            .0
            .prepare_cached("SELECT entity, record FROM bound WHERE household = ?1")?;
        let rows = st.query_map(params![household.as_bytes()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (entity, id) = row?;
            if let Some(record_id) = uuid(&id) {
                out.push(RecordRef { entity, record_id });
            }
        }
        Ok(out)
    }

    /// Up to `max` records of one entity listed under a 동, after `after` (a record and one of its
    /// households: a record listed under two is read on from the second), by record id, with their
    /// household.
    pub(super) fn area_chunk(
        &self,
        dong: Uuid,
        entity: &str,
        after: Option<(Uuid, Uuid)>,
        max: usize,
    ) -> rusqlite::Result<Vec<(Uuid, Uuid)>> {
        let (record, household) = after.map_or(([0u8; 16], [0u8; 16]), |(r, h)| {
            (*r.as_bytes(), *h.as_bytes())
        });
        let mut st = self.0.prepare_cached(
            "SELECT record, household FROM area_records \
             WHERE dong = ?1 AND entity = ?2 AND (record, household) > (?3, ?4) \
             ORDER BY record, household LIMIT ?5",
        )?;
        let rows = st.query_map(
            params![
                dong.as_bytes(),
                entity,
                &record[..],
                &household[..],
                i64::try_from(max).unwrap_or(i64::MAX)
            ],
            |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (record, household) = row?;
            if let (Some(record), Some(household)) = (uuid(&record), uuid(&household)) {
                out.push((record, household));
            }
        }
        Ok(out)
    }

    /// The records of no household a snapshot may hold (see `snapshot_candidates`), each list up to
    /// `max` after `after`; `true` if one was cut there.
    pub(super) fn loose(
        &self,
        order: SnapshotOrder,
        after: Option<&RecordRef>,
        user: Uuid,
        max: usize,
    ) -> rusqlite::Result<(Vec<RecordRef>, bool)> {
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        // Where an entity's list starts: none of an entity before `after`, all of one after it.
        let from_of = |entity: &str| -> Option<[u8; 16]> {
            match after {
                None => Some([0u8; 16]),
                Some(a) if a.entity == entity => Some(*a.record_id.as_bytes()),
                Some(a) if order.follows(entity, Uuid::nil(), Some(a)) => Some([0u8; 16]),
                Some(_) => None,
            }
        };
        let mut out = Vec::new();
        let mut cut = false;
        let mut take = |entity: &str, ids: Vec<Vec<u8>>| {
            cut |= ids.len() == max;
            out.extend(
                ids.iter()
                    .filter_map(|id| uuid(id))
                    .map(|record_id| RecordRef {
                        entity: entity.to_owned(),
                        record_id,
                    }),
            );
        };
        let maps = [
            ("workers", Map::WorkerTeam),
            ("config_documents", Map::ConfigUnit),
            ("crisis_reports", Map::ReportDong),
            ("crisis_reports", Map::ReportReporter),
        ];
        for (entity, map) in maps {
            if let Some(from) = from_of(entity) {
                let ids = self
                    .0
                    .prepare_cached(
                        "SELECT key FROM stamped WHERE map = ?1 AND key > ?2 ORDER BY key LIMIT ?3",
                    )?
                    .query_map(params![map as i64, &from[..], limit], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                take(entity, ids);
            }
        }
        if let Some(from) = from_of("volunteer_activity") {
            let ids = self
                .0
                .prepare_cached(
                    "SELECT activity FROM activity_worker WHERE activity > ?1 \
                     ORDER BY activity LIMIT ?2",
                )?
                .query_map(params![&from[..], limit], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            take("volunteer_activity", ids);
        }
        if let Some(from) = from_of("safety_events") {
            let ids = self
                .0
                .prepare_cached(
                    "SELECT e.event FROM session_workers w \
                     JOIN event_session e ON e.session = w.session \
                     WHERE w.worker = ?1 AND e.event > ?2 ORDER BY e.event LIMIT ?3",
                )?
                .query_map(params![user.as_bytes(), &from[..], limit], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            take("safety_events", ids);
        }
        Ok((out, cut))
    }
}
