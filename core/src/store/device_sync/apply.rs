//! Applying pulled changes (받은 변경 반영): each change is merged into its record's sync state with
//! the shared merge function and the row is brought in line; the derived columns are recomputed; the
//! clock receives the page's greatest stamp and the cursor moves — all in the caller's one
//! transaction, so a page is applied whole or not at all.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection};
use serde_json::Value;
use uuid::Uuid;

use super::records::{self, Outcome};
use super::rows;
use crate::sync::{Change, EntitySpec, Fields, HlcTimestamp, RecordState, SnapshotRecord};
use crate::CoreResult;

/// What applying a page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Changes that changed the state.
    pub changed: usize,
    /// Changes already held, superseded, or about a deleted record.
    pub unchanged: usize,
    /// Records whose merged state a table constraint refuses for now (their row waits for a later
    /// change; the sync state holds every field).
    pub pending_rows: usize,
    /// Records purged (the scope shrank).
    pub purged: usize,
}

/// Derived columns to recompute once per page.
#[derive(Default)]
pub struct Derived {
    search: BTreeSet<Uuid>,
    windows: BTreeSet<Uuid>,
    /// household → its latest contact in the page (one update per household, not per visit).
    contacts: BTreeMap<Uuid, i64>,
}

fn uuid_field(fields: &Fields, name: &str) -> Option<Uuid> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::try_parse(s).ok())
}

impl Derived {
    /// Notes what a merged change touches.
    fn note(
        &mut self,
        spec: &EntitySpec,
        id: Uuid,
        outcome: &Outcome,
        old_household: Option<Uuid>,
    ) {
        let fields = match outcome {
            Outcome::Live(f) | Outcome::Appended(f) => Some(f),
            _ => None,
        };
        match spec.name {
            "households" => {
                self.search.insert(id);
            }
            "persons" => {
                self.search.extend(old_household);
                self.search
                    .extend(fields.and_then(|f| uuid_field(f, "household_id")));
            }
            "visits" => {
                self.windows.insert(id);
                if let Some(f) = fields {
                    // Same rule as `Visits::complete`: a completed visit that met the household
                    // counts as contact.
                    let met = f.get("status").and_then(Value::as_str) == Some("completed")
                        && f.get("outcome").and_then(Value::as_str) == Some("met");
                    if let (true, Some(h), Some(at)) = (
                        met,
                        uuid_field(f, "household_id"),
                        f.get("completed_at").and_then(Value::as_i64),
                    ) {
                        self.contact(h, at);
                    }
                }
            }
            "wellness_checks" => {
                if let Some(f) = fields {
                    if let (Some(h), Some(at)) = (
                        uuid_field(f, "household_id"),
                        f.get("checked_at").and_then(Value::as_i64),
                    ) {
                        self.contact(h, at);
                    }
                }
            }
            _ => {}
        }
    }

    fn contact(&mut self, household: Uuid, at: i64) {
        let latest = self.contacts.entry(household).or_insert(at);
        *latest = (*latest).max(at);
    }

    /// Recomputes the derived columns touched by the page.
    pub fn refresh(self, conn: &Connection) -> CoreResult<()> {
        for (h, at) in &self.contacts {
            conn.prepare_cached(
                "UPDATE households SET last_contact_at = max(COALESCE(last_contact_at, ?2), ?2)
                  WHERE id = ?1",
            )?
            .execute(params![h.to_string(), at])?;
        }
        for h in self.search {
            crate::store::households::refresh_search_text(conn, h)?;
        }
        rows::refresh_assignment_windows(conn, &self.windows)
    }
}

/// Merges one pulled change and brings its row in line.
pub fn apply_one(
    conn: &Connection,
    change: &Change,
    derived: &mut Derived,
    stats: &mut ApplyStats,
) -> CoreResult<()> {
    let spec = records::spec(&change.entity)?;
    let old_household = if spec.name == "persons" {
        rows::household_of(conn, "persons", change.record_id)?
    } else {
        None
    };
    let outcome = records::merge(conn, change)?;
    let written = match &outcome {
        Outcome::Unchanged(_) => {
            stats.unchanged += 1;
            return Ok(());
        }
        Outcome::Live(fields) => rows::write_live(conn, spec, change.record_id, fields)?,
        Outcome::Appended(record) => rows::write_appended(conn, spec, change.record_id, record)?,
        Outcome::Deleted => {
            rows::delete(conn, spec, change.record_id)?;
            true
        }
    };
    stats.changed += 1;
    if !written {
        stats.pending_rows += 1;
    }
    derived.note(spec, change.record_id, &outcome, old_household);
    Ok(())
}

/// Takes one record of a snapshot. A record the device does not hold yet is stored as it came —
/// its merge state and its row, written once, with no merge to run (the usual case: a new phone);
/// one it holds (its own unsent work, or a snapshot started again) is merged change by change, as
/// if the changes the state is made of had been pulled.
pub fn apply_snapshot_record(
    conn: &Connection,
    rec: &SnapshotRecord,
    derived: &mut Derived,
    stats: &mut ApplyStats,
) -> CoreResult<()> {
    let spec = records::spec(&rec.entity)?;
    if records::load(conn, spec, rec.record_id)?.is_some() {
        for change in rec.changes() {
            apply_one(conn, &change, derived, stats)?;
        }
        return Ok(());
    }
    let state = rec.state.to_state();
    records::store(conn, spec, rec.record_id, &state)?;
    let outcome = match state {
        RecordState::Live { fields } => {
            Outcome::Live(fields.into_iter().map(|(k, v)| (k, v.value)).collect())
        }
        RecordState::Deleted { .. } => Outcome::Deleted,
        RecordState::Appended { record, .. } => Outcome::Appended(record),
    };
    let written = match &outcome {
        Outcome::Live(fields) => rows::write_live(conn, spec, rec.record_id, fields)?,
        Outcome::Appended(record) => rows::write_appended(conn, spec, rec.record_id, record)?,
        // A tombstone of a record never held: there is no row to remove.
        _ => true,
    };
    stats.changed += 1;
    if !written {
        stats.pending_rows += 1;
    }
    derived.note(spec, rec.record_id, &outcome, None);
    Ok(())
}

/// Removes a record the device may no longer hold: its row and its sync state, with no tombstone and
/// no change of its own.
pub fn purge(conn: &Connection, entity: &str, id: Uuid, derived: &mut Derived) -> CoreResult<()> {
    // An unknown entity in a purge list holds nothing here: nothing to remove.
    let Some(spec) = crate::sync::entity(entity) else {
        return Ok(());
    };
    let old_household = if spec.name == "persons" {
        rows::household_of(conn, "persons", id)?
    } else {
        None
    };
    rows::delete(conn, spec, id)?;
    records::remove(conn, spec.name, id)?;
    if spec.name == "persons" {
        derived.search.extend(old_household);
    }
    Ok(())
}

/// The greatest stamp of a page.
pub fn max_stamp<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Option<HlcTimestamp> {
    changes.into_iter().map(|c| c.hlc).max()
}
