//! Change capture (변경 기록): a repository's write and the change(s) it makes commit in one
//! transaction, so the outbox can never miss a write nor hold a change whose write was undone.
//!
//! The repository writes its row as before; [`Capture`] then reads the row back and records what
//! changed: every synced column for a create, only the columns whose value changed for an edit (so
//! concurrent edits of different fields both survive), the whole record for an append. Reading the
//! row (instead of trusting the repository's values) makes the change carry exactly what the store
//! holds. Each change is stamped with the hybrid logical clock on the corrected time, validated like
//! the server will, merged into the record's sync state with the shared merge function, and queued in
//! `sync_outbox`; the clock's last stamp is saved when the transaction ends.

use rusqlite::{params, Connection};
use serde_json::Value;
use uuid::Uuid;

use super::records;
use super::rows::{self, VISIT_WORKERS};
use super::state::{self, SyncState};
use crate::sync::merge::Skip;
use crate::sync::validate::validate_change;
use crate::sync::{Change, Fields, HybridClock, Op};
use crate::{CoreError, CoreResult};

/// A UUID v7 whose time part is `ms` (a change's id carries its stamp's wall time).
pub fn v7_at(ms: u64) -> Uuid {
    let secs = ms / 1000;
    let nanos = u32::try_from((ms % 1000) * 1_000_000).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

/// The capture context of one write transaction.
pub struct Capture {
    /// `false` only in the capture-overhead benchmark: every method is then a no-op.
    on: bool,
    state: SyncState,
    clock: HybridClock,
    now_ms: i64,
    made: usize,
}

impl Capture {
    /// Loads the device's clock at the start of a write transaction; `now_ms` is the device clock.
    pub fn begin(conn: &Connection, now_ms: i64) -> CoreResult<Capture> {
        let state = state::load(conn)?;
        let clock = state.clock();
        Ok(Capture {
            on: true,
            state,
            clock,
            now_ms,
            made: 0,
        })
    }

    /// A context that records nothing (see `Store::set_change_capture_for_benchmarks`).
    pub fn disabled() -> Capture {
        let device_id = Uuid::nil();
        Capture {
            on: false,
            state: SyncState {
                device_id,
                last_hlc: None,
                offset: Default::default(),
                cursor: 0,
                received_max: None,
                acked_max: None,
                resume: None,
                snapshot: None,
            },
            clock: HybridClock::new(device_id),
            now_ms: 0,
            made: 0,
        }
    }

    /// The synced columns of a record's row before an edit (`None`: no row).
    pub fn before(&self, conn: &Connection, entity: &str, id: Uuid) -> CoreResult<Option<Fields>> {
        if !self.on {
            return Ok(None);
        }
        rows::read(conn, records::spec(entity)?, id)
    }

    /// Records a create (`before` = `None`) or an edit of a mutable record, after the repository
    /// wrote the row. Only the fields whose value changed travel; nothing changed → no change.
    pub fn upsert(
        &mut self,
        conn: &Connection,
        entity: &str,
        id: Uuid,
        before: Option<Fields>,
    ) -> CoreResult<()> {
        if !self.on {
            return Ok(());
        }
        let spec = records::spec(entity)?;
        let after = rows::read(conn, spec, id)?.unwrap_or_default();
        let mut fields = Fields::new();
        match before {
            // A visit's assignments: added workers true, removed ones false.
            Some(before) if spec.name == VISIT_WORKERS => {
                for w in before.keys().filter(|w| !after.contains_key(*w)) {
                    fields.insert(w.clone(), Value::Bool(false));
                }
                for w in after.keys().filter(|w| !before.contains_key(*w)) {
                    fields.insert(w.clone(), Value::Bool(true));
                }
            }
            Some(before) => {
                for (k, v) in after {
                    if before.get(&k) != Some(&v) {
                        fields.insert(k, v);
                    }
                }
            }
            None => fields = after,
        }
        if fields.is_empty() {
            return Ok(());
        }
        self.emit(conn, entity, id, Op::Upsert { fields })
    }

    /// Records an append-only record, read whole from its row.
    pub fn append(&mut self, conn: &Connection, entity: &str, id: Uuid) -> CoreResult<()> {
        if !self.on {
            return Ok(());
        }
        let spec = records::spec(entity)?;
        let record = rows::read(conn, spec, id)?
            .ok_or_else(|| CoreError::storage(format!("capture: {entity} {id} was not written")))?;
        self.emit(conn, entity, id, Op::Append { record })
    }

    fn emit(&mut self, conn: &Connection, entity: &str, id: Uuid, op: Op) -> CoreResult<()> {
        let hlc = self.clock.send(self.state.offset.corrected(self.now_ms));
        let change = Change {
            id: v7_at(hlc.wall_ms),
            entity: entity.to_owned(),
            record_id: id,
            op,
            hlc,
            device_id: self.state.device_id,
        };
        // The server will run the same checks: a change it would refuse whole never enters the outbox.
        validate_change(&change, entity)?;
        if let records::Outcome::Unchanged(Skip::Deleted) = records::merge(conn, &change)? {
            // A delete is final (docs/sync.md): a write to a record deleted elsewhere is refused,
            // and the transaction leaves nothing behind. Only a record whose row outlives its
            // tombstone gets here (a visit's assignments); other rows are gone with the delete.
            return Err(CoreError::conflict(
                "record_deleted",
                format!("다른 기기에서 삭제된 기록은 바꿀 수 없습니다: {entity} {id}"),
                format!(
                    "this record was deleted on another device and cannot change: {entity} {id}"
                ),
            ));
        }
        super::outbox::insert(conn, &change)?;
        self.made += 1;
        Ok(())
    }

    /// Captures every row that has no sync state yet — the records of a file written before sync
    /// existed — as creates and appends, so that they reach the server like any other write.
    /// Returns how many changes were made.
    pub fn existing(&mut self, conn: &Connection) -> CoreResult<usize> {
        let before = self.made;
        for spec in crate::sync::ENTITIES {
            if !rows::has_table(spec) {
                continue;
            }
            let (table, key) = if spec.name == VISIT_WORKERS {
                ("visit_workers", "DISTINCT visit_id")
            } else {
                (spec.name, "id")
            };
            let ids: Vec<String> = conn
                .prepare(&format!("SELECT {key} FROM {table} ORDER BY 1"))?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in ids {
                let id = Uuid::try_parse(&id)
                    .map_err(|e| CoreError::storage(format!("{table}: {e}")))?;
                if records::load(conn, spec, id)?.is_some() {
                    continue;
                }
                match spec.kind {
                    crate::sync::EntityKind::Mutable => self.upsert(conn, spec.name, id, None)?,
                    crate::sync::EntityKind::AppendOnly => self.append(conn, spec.name, id)?,
                }
            }
        }
        Ok(self.made - before)
    }

    /// Saves the clock's last stamp (in the same transaction as the changes).
    pub fn finish(mut self, conn: &Connection) -> CoreResult<()> {
        if self.made > 0 {
            self.state.last_hlc = Some(self.clock.last());
            conn.prepare_cached("UPDATE sync_state SET last_hlc = ?1 WHERE id = 1")?
                .execute(params![self.state.last_hlc.map(|h| h.encode())])?;
        }
        Ok(())
    }
}
