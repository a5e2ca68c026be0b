//! The scope index (열람 범위 색인): from the change log, what each record belongs to — the org tree,
//! each household's 동, each record's household, who is assigned to which visit, who wrote which
//! crisis report — and which sequence numbers belong to each household (to backfill a device whose
//! scope grows and to list what it must purge when it shrinks).
//!
//! It is built only from [`ChangeStore::pull`], so it works the same over the embedded SQLite store
//! and over PostgreSQL with several nodes: before deciding anything, a node catches up on the log.
//! Values follow the merge rule (last writer by HLC wins), so every node agrees whatever order it
//! read the log in. What it learnt is kept in a database of its own ([`tables`]): a node's memory
//! holds the org tree and a page cache, not the city's records, and a restarted node reads only
//! the log after its saved position.
//!
//! A read of that database that fails answers "unknown" and marks the index failed: every decision
//! taken on it is refused before it acts ([`ScopeIndex::check`]).

mod learn;
mod tables;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use rusqlite::{params, Connection};
use serde_json::Value;
use uuid::Uuid;

use donghaeng_core::sync::snapshot::SnapshotOrder;
use donghaeng_core::sync::validate::MAX_PULL_LIMIT;
use donghaeng_core::sync::{
    Change, HlcTimestamp, Op, ProtocolVersion, PullRequest, RecordRef, SeqChange,
};
use donghaeng_core::{CoreError, CoreResult};

use super::placement::Placement;
use crate::store::ChangeStore;
use tables::{First, Map, Set, Tables};

/// Entities whose records belong to a household through their `household_id` field.
pub const HOUSEHOLD_BOUND: &[&str] = &[
    "persons",
    "visits",
    "cases",
    "referrals",
    "crisis_reports",
    "volunteer_activity",
    "wellness_checks",
    "case_notes",
    "incidents",
    "service_provisions",
    "outreach_attempts",
    "discharge_referrals",
];

/// The order in which a household's records are purged on a device: dependents before what they
/// point at (the device relaxes foreign keys while applying, but a clean order costs nothing).
const PURGE_ORDER: &[&str] = &[
    "discharge_referrals",
    "outreach_attempts",
    "case_notes",
    "service_provisions",
    "wellness_checks",
    "volunteer_activity",
    "safety_events",
    "incidents",
    "referrals",
    "visit_workers",
    "visits",
    "cases",
    "crisis_reports",
    "persons",
    "households",
];

/// Most households whose 동 the memo holds (our choice: a district's, about 2 MB).
const DONG_MEMO_MAX: usize = 50_000;

/// A value with the stamp that set it: a later stamp replaces it (the merge rule).
#[derive(Debug, Clone, Copy)]
struct Stamped<T> {
    hlc: HlcTimestamp,
    value: T,
}

fn set<T>(slot: &mut Option<Stamped<T>>, hlc: HlcTimestamp, value: T) -> bool {
    if slot.as_ref().is_some_and(|s| s.hlc >= hlc) {
        return false;
    }
    *slot = Some(Stamped { hlc, value });
    true
}

#[derive(Debug, Default, Clone)]
struct Unit {
    kind: Option<Stamped<String>>,
    parent: Option<Stamped<Option<Uuid>>>,
}

/// A change that can widen or narrow a device's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A household's 동 was set or moved.
    HouseholdDong(Uuid),
    /// A worker was assigned to or removed from a visit of this household.
    Assignment { household: Uuid, worker: Uuid },
}

/// See the module documentation.
pub struct ScopeIndex {
    db: Mutex<Connection>,
    /// Households' 동 as last read (every record a device reads asks for its household's): a
    /// bounded memo, emptied whenever the index learns.
    dong_memo: Mutex<HashMap<Uuid, Option<Uuid>>>,
    last_seq: u64,
    /// The org tree, also in the database (walked for every record a device reads).
    units: HashMap<Uuid, Unit>,
    /// A read of the database failed: decisions taken since are refused (`check`).
    failed: AtomicBool,
    /// Whether the log was found to be the one this index was read from (`catch_up`, once).
    verified: bool,
}

impl std::fmt::Debug for ScopeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeIndex")
            .field("last_seq", &self.last_seq)
            .field("units", &self.units.len())
            .finish_non_exhaustive()
    }
}

/// An index in memory (tests, and servers started without `--scope-index`).
impl Default for ScopeIndex {
    fn default() -> Self {
        ScopeIndex::open(None).expect("an in-memory SQLite database opens")
    }
}

impl ScopeIndex {
    /// Opens the index kept at `path` (`None`: in memory), at the position it saved; one made under
    /// other rules is emptied (the log is read again).
    pub fn open(path: Option<&Path>) -> CoreResult<ScopeIndex> {
        let conn = tables::open(path)?;
        let last_seq = tables::last_seq(&conn)?;
        let units = load_units(&conn).map_err(|e| tables::storage("read units", e))?;
        Ok(ScopeIndex {
            db: Mutex::new(conn),
            dong_memo: Mutex::default(),
            last_seq,
            units,
            failed: AtomicBool::new(false),
            verified: false,
        })
    }

    /// Forgets everything (the log is read again from the start): for an index ahead of the log.
    pub fn reset(&mut self) -> CoreResult<()> {
        tables::reset(self.db.get_mut().unwrap_or_else(PoisonError::into_inner))?;
        self.last_seq = 0;
        self.units.clear();
        self.dong_memo
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.failed.store(false, Ordering::SeqCst);
        self.verified = true;
        Ok(())
    }

    /// Whether the log was checked to be the one this index was read from (its first catch-up).
    pub fn verified(&self) -> bool {
        self.verified
    }

    /// The last sequence number read.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// `Err` if a read of the index's database failed: what was decided on it must not act.
    pub fn check(&self) -> CoreResult<()> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(CoreError::storage(
                "a read of the scope index failed; the decision is not acted on",
            ));
        }
        Ok(())
    }

    /// A read of the database: on failure "unknown" (`T::default()`), and the index is marked.
    fn read<T: Default>(&self, f: impl FnOnce(&Tables<'_>) -> rusqlite::Result<T>) -> T {
        let conn = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        match f(&Tables(&conn)) {
            Ok(v) => v,
            Err(e) => {
                self.failed.store(true, Ordering::SeqCst);
                // The error names a table or a statement, never a record's content.
                tracing::error!(error = %e, "scope index read failed");
                T::default()
            }
        }
    }

    /// Reads the log after what it has seen, page by page (each page saved whole, with the
    /// position after it). The first time, it checks that the log is the one it read: the change
    /// it saved last must be in the log under the same sequence number; if not (another database,
    /// or one restored from an older backup), it forgets everything and reads the log again.
    pub async fn catch_up(&mut self, store: &dyn ChangeStore, now_ms: i64) -> CoreResult<()> {
        if !self.verified {
            let anchor = self.read(|t| t.anchor());
            self.check()?;
            if let Some((seq, id)) = anchor {
                let page = store
                    .pull(
                        PullRequest {
                            protocol_version: ProtocolVersion::CURRENT,
                            after_seq: seq - 1,
                            limit: 1,
                            resume: None,
                        },
                        now_ms,
                    )
                    .await?;
                let same = page
                    .changes
                    .first()
                    .is_some_and(|c| c.seq == seq && c.change.id == id);
                if !same {
                    tracing::warn!(
                        seq,
                        "scope index read from another log (or ahead of it); reading the log again"
                    );
                    self.reset()?;
                }
            }
            self.verified = true;
        }
        loop {
            let page = store
                .pull(
                    PullRequest {
                        protocol_version: ProtocolVersion::CURRENT,
                        after_seq: self.last_seq,
                        limit: MAX_PULL_LIMIT,
                        resume: None,
                    },
                    now_ms,
                )
                .await?;
            self.apply_page(&page.changes, Some(page.next_seq))?;
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// Learns from one stored change (in sequence order); the position does not move.
    pub fn apply(&mut self, sc: &SeqChange) -> CoreResult<()> {
        self.apply_page(std::slice::from_ref(sc), None)
    }

    /// Learns from changes in one transaction, and saves the position `next_seq` with them.
    fn apply_page(&mut self, changes: &[SeqChange], next_seq: Option<u64>) -> CoreResult<()> {
        self.dong_memo
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let conn = self.db.get_mut().unwrap_or_else(PoisonError::into_inner);
        let last = next_seq.map_or(self.last_seq, |n| self.last_seq.max(n));
        let units = &mut self.units;
        let written = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            for sc in changes {
                Tables(&tx).apply(sc, units)?;
            }
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'last_seq'",
                params![i64::try_from(last).unwrap_or(i64::MAX)],
            )?;
            if let Some(sc) = changes.last() {
                // The last change read, by which the next start recognises its log.
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('anchor', ?1)",
                    params![anchor_bytes(sc.seq, sc.change.id)],
                )?;
            }
            tx.commit()
        })();
        match written {
            Ok(()) => {
                self.last_seq = last;
                Ok(())
            }
            Err(e) => {
                // The transaction rolled back: the org tree in memory goes back to the saved one.
                if let Ok(saved) = load_units(conn) {
                    self.units = saved;
                }
                Err(tables::storage("apply", e))
            }
        }
    }

    /// What a change may change about devices' scopes (evaluated against the current state).
    pub fn triggers(&self, c: &Change) -> Vec<Trigger> {
        let Op::Upsert { fields } = &c.op else {
            return Vec::new();
        };
        match c.entity.as_str() {
            "households" if fields.contains_key("dong_id") => {
                vec![Trigger::HouseholdDong(c.record_id)]
            }
            "visit_workers" => {
                let Some(household) = self.household_of("visits", c.record_id) else {
                    return Vec::new();
                };
                fields
                    .keys()
                    .filter_map(|w| Uuid::try_parse(w).ok())
                    .map(|worker| Trigger::Assignment { household, worker })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The first `max` records a user's snapshot may hold after `after`, in `order`, and whether
    /// more follow: every record of the households `sees_household` admits (looked for only among
    /// the households ever in a 동 `area_holds` admits: a household the user sees must be in one),
    /// and of the records that belong to no household those that could reach this user (units,
    /// workers, configuration, crisis reports, volunteer activity, the events of the user's own
    /// sessions). A superset: the caller passes each through the same read rule as the feed
    /// (`Viewer::read`), which alone decides.
    ///
    /// Each 동's records of an entity are one range of `area_records`: a page reads its own size
    /// from each 동 the user's area holds, entity by entity in `order`, not the whole share again.
    pub fn snapshot_candidates(
        &self,
        area_holds: impl Fn(Uuid) -> bool,
        sees_household: impl Fn(Uuid) -> bool,
        user: Uuid,
        order: SnapshotOrder,
        after: Option<&RecordRef>,
        max: usize,
    ) -> (Vec<RecordRef>, bool) {
        let dongs: Vec<Uuid> = self.read(|t| t.dongs());
        let mut seen: HashMap<Uuid, bool> = HashMap::new();
        let mut all: Vec<RecordRef> = Vec::new();
        let mut truncated = false;
        for dong in dongs.into_iter().filter(|d| area_holds(*d)) {
            let mut kept = 0;
            'dong: for entity in order.entities_from(after) {
                // Past every household of `after`'s record: the next record of its entity.
                let mut from = after
                    .filter(|a| a.entity == *entity)
                    .map(|a| (a.record_id, Uuid::max()));
                // Chunks read under the lock, filtered outside it (the rule reads the index too).
                loop {
                    let chunk = self.read(|t| t.area_chunk(dong, entity, from, max));
                    let exhausted = chunk.len() < max;
                    for (record, household) in chunk {
                        from = Some((record, household));
                        let sees = *seen
                            .entry(household)
                            .or_insert_with(|| sees_household(household));
                        if !sees {
                            continue;
                        }
                        if kept == max {
                            truncated = true;
                            break 'dong;
                        }
                        kept += 1;
                        all.push(RecordRef {
                            entity: (*entity).to_owned(),
                            record_id: record,
                        });
                    }
                    if exhausted {
                        break;
                    }
                }
            }
        }
        // Records of no household: few for one 동 (its units, workers, reports, activity, the
        // user's sessions), each list read after `after` up to `max`.
        let (loose, more) = self.read(|t| t.loose(order, after, user, max));
        truncated |= more;
        all.extend(loose);
        let mut units: Vec<RecordRef> = self
            .units
            .keys()
            .filter(|id| order.follows("org_units", **id, after))
            .map(|id| RecordRef {
                entity: "org_units".to_owned(),
                record_id: *id,
            })
            .collect();
        units.sort_unstable();
        if units.len() > max {
            units.truncate(max);
            truncated = true;
        }
        all.extend(units);
        all.sort_unstable_by(|a, b| {
            order
                .key(&a.entity, a.record_id)
                .cmp(&order.key(&b.entity, b.record_id))
        });
        // A record bound to two households (it moved), or a report listed twice, once.
        all.dedup();
        if all.len() > max {
            all.truncate(max);
            truncated = true;
        }
        (all, truncated)
    }

    /// Whether `worker` takes part in the session of a `safety_events` record.
    pub fn in_session_of(&self, event: Uuid, worker: Uuid) -> bool {
        self.read(|t| t.in_session_of(event, worker))
    }

    /// A safety session's household, from its start.
    pub fn session_household(&self, session: Uuid) -> Option<Uuid> {
        self.read(|t| t.session_household(session))
    }

    /// A safety session's participants, from its start (`None`: not started on the server).
    pub fn session_participants(&self, session: Uuid) -> Option<HashSet<Uuid>> {
        self.read(|t| t.session_participants(session))
    }

    /// The device that pushed an SOS event.
    pub fn sos_raised_by(&self, event: Uuid) -> Option<Uuid> {
        self.read(|t| t.first_writer(First::Sos, event))
    }

    /// The device that appended an append-only record, if it is stored.
    pub fn appended_by(&self, record: Uuid) -> Option<Uuid> {
        self.read(|t| t.first_writer(First::Appended, record))
    }

    /// Whether any change was ever written under `device` (by a phone, a node or the admin).
    pub fn has_writer(&self, device: Uuid) -> bool {
        self.read(|t| t.in_set(Set::Writers, device))
    }

    /// Whether the admin command published this worker (a user of the server).
    pub fn is_published_worker(&self, worker: Uuid) -> bool {
        self.read(|t| t.in_set(Set::PublishedWorkers, worker))
    }

    /// The household a change's record belongs to, if known.
    pub fn household_of_change(&self, c: &Change) -> Option<Uuid> {
        self.read(|t| t.household_of_change(c))
    }

    /// The household a record belongs to, if known. `named_session` reads the session a safety
    /// event's or an incident report's own `session_id` names; it is asked only when the index has
    /// not placed the record yet (an SOS pushed in a later sync than its session's start).
    pub fn household_of_record(
        &self,
        entity: &str,
        record_id: Uuid,
        named_session: impl FnOnce() -> Option<Uuid>,
    ) -> Option<Uuid> {
        self.read(|t| t.household_of_record(entity, record_id, named_session))
    }

    pub fn household_of(&self, entity: &str, record: Uuid) -> Option<Uuid> {
        self.read(|t| t.household_of(entity, record))
    }

    /// Where a stored record is placed, as far as the log tells (`None`: it says nothing of it).
    pub fn placement(&self, entity: &str, record: Uuid) -> Option<Placement> {
        self.read(|t| t.placement(entity, record))
    }

    /// Every 동 the household has ever been in.
    pub fn dongs_ever_of_household(&self, household: Uuid) -> Vec<Uuid> {
        self.read(|t| t.dongs_ever(household))
    }

    /// A household's 동.
    pub fn dong_of_household(&self, household: Uuid) -> Option<Uuid> {
        if let Some(dong) = self.memo().get(&household) {
            return *dong;
        }
        let dong = self.read(|t| t.stamped(Map::HouseholdDong, household));
        if self.check().is_ok() {
            let mut memo = self.memo();
            if memo.len() >= DONG_MEMO_MAX {
                memo.clear();
            }
            memo.insert(household, dong);
        }
        dong
    }

    fn memo(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Option<Uuid>>> {
        self.dong_memo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A worker's team.
    pub fn team_of_worker(&self, worker: Uuid) -> Option<Uuid> {
        self.read(|t| t.stamped(Map::WorkerTeam, worker))
    }

    /// The worker of a volunteer-activity record.
    pub fn activity_worker(&self, activity: Uuid) -> Option<Uuid> {
        self.read(|t| t.activity_worker(activity))
    }

    /// The unit a configuration document is addressed to.
    pub fn config_unit(&self, document: Uuid) -> Option<Uuid> {
        self.read(|t| t.stamped(Map::ConfigUnit, document))
    }

    pub fn crisis_report_dong(&self, report: Uuid) -> Option<Uuid> {
        self.read(|t| t.stamped(Map::ReportDong, report))
    }

    pub fn crisis_report_reporter(&self, report: Uuid) -> Option<Uuid> {
        self.read(|t| t.stamped(Map::ReportReporter, report))
    }

    /// A unit's kind (`city`, `district`, `dong`, `team`).
    pub fn unit_kind(&self, unit: Uuid) -> Option<&str> {
        self.units
            .get(&unit)
            .and_then(|u| u.kind.as_ref())
            .map(|k| k.value.as_str())
    }

    pub fn unit_parent(&self, unit: Uuid) -> Option<Uuid> {
        self.units
            .get(&unit)
            .and_then(|u| u.parent.as_ref())
            .and_then(|p| p.value)
    }

    /// Whether `unit` is `area` or lies under it (a bounded walk: a cycle cannot hang it).
    pub fn within(&self, unit: Uuid, area: Uuid) -> bool {
        let mut at = Some(unit);
        for _ in 0..16 {
            match at {
                Some(u) if u == area => return true,
                Some(u) => at = self.unit_parent(u),
                None => return false,
            }
        }
        false
    }

    /// The unit and every unit above it (a bounded walk).
    pub fn unit_and_above(&self, unit: Uuid) -> Vec<Uuid> {
        let mut out = Vec::new();
        let mut at = Some(unit);
        for _ in 0..16 {
            let Some(u) = at else { break };
            out.push(u);
            at = self.unit_parent(u);
        }
        out
    }

    /// Every unit at or under `area`.
    pub fn units_within(&self, area: Uuid) -> Vec<Uuid> {
        let mut out: Vec<Uuid> = self
            .units
            .keys()
            .copied()
            .filter(|u| self.within(*u, area))
            .collect();
        if !out.contains(&area) {
            out.push(area);
        }
        out
    }

    /// The area a unit's people work in: the nearest 동 at or above it (a team's 동), or the unit
    /// itself for district and city units (a bounded walk).
    pub fn area_of(&self, unit: Uuid) -> Uuid {
        let mut at = Some(unit);
        for _ in 0..16 {
            let Some(u) = at else { break };
            if self.unit_kind(u) == Some("dong") {
                return u;
            }
            at = self.unit_parent(u);
        }
        unit
    }

    /// Whether `worker` is or was ever named on a visit of `household` (it may hold the household).
    pub fn ever_assigned(&self, worker: Uuid, household: Uuid) -> bool {
        self.read(|t| t.assigned(worker, household, false))
    }

    /// Whether `worker` is assigned (now) to any visit of `household`.
    pub fn assigned(&self, worker: Uuid, household: Uuid) -> bool {
        self.read(|t| t.assigned(worker, household, true))
    }

    /// The sequence numbers of a household's changes up to `upto`, ascending.
    pub fn household_seqs_upto(&self, household: Uuid, upto: u64) -> Vec<u64> {
        self.read(|t| t.household_seqs(household, upto))
    }

    /// Every record of a household, in purge order.
    pub fn purge_list(&self, household: Uuid) -> Vec<RecordRef> {
        let mut out: Vec<RecordRef> = self.read(|t| t.bound(household));
        let rank = |e: &str| PURGE_ORDER.iter().position(|p| *p == e).unwrap_or(0);
        out.sort_by_key(|r| (rank(&r.entity), r.record_id));
        if !out.iter().any(|r| r.entity == "households") {
            out.push(RecordRef {
                entity: "households".to_owned(),
                record_id: household,
            });
        }
        out
    }
}

/// The session a `session_id` field's value names.
pub fn session_named(value: Option<&Value>) -> Option<Uuid> {
    value
        .and_then(Value::as_str)
        .and_then(|s| Uuid::try_parse(s).ok())
}

fn load_units(conn: &Connection) -> rusqlite::Result<HashMap<Uuid, Unit>> {
    let mut st = conn.prepare("SELECT id, kind, kind_hlc, parent, parent_hlc FROM units")?;
    let rows = st.query_map([], |r| {
        let id: Vec<u8> = r.get(0)?;
        let kind: Option<String> = r.get(1)?;
        let kind_hlc: Option<Vec<u8>> = r.get(2)?;
        let parent: Option<Vec<u8>> = r.get(3)?;
        let parent_hlc: Option<Vec<u8>> = r.get(4)?;
        let unit = Unit {
            kind: kind
                .zip(kind_hlc.as_deref().and_then(tables::hlc_of))
                .map(|(value, hlc)| Stamped { hlc, value }),
            parent: parent_hlc
                .as_deref()
                .and_then(tables::hlc_of)
                .map(|hlc| Stamped {
                    hlc,
                    value: parent.as_deref().and_then(tables::uuid),
                }),
        };
        Ok((tables::uuid(&id), unit))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        if let (Some(id), unit) = row? {
            out.insert(id, unit);
        }
    }
    Ok(out)
}

/// A change's sequence number and id, as the `anchor` of `meta` holds them.
fn anchor_bytes(seq: u64, id: Uuid) -> Vec<u8> {
    let mut out = seq.to_be_bytes().to_vec();
    out.extend_from_slice(id.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn upsert(seq: u64, entity: &str, record_id: Uuid, fields: Value) -> SeqChange {
        let Value::Object(fields) = fields else {
            panic!("fields are an object")
        };
        SeqChange {
            seq,
            change: Change {
                id: Uuid::from_u128(u128::from(seq)),
                entity: entity.to_owned(),
                record_id,
                op: Op::Upsert {
                    fields: fields.into_iter().collect(),
                },
                hlc: HlcTimestamp {
                    wall_ms: 1_000 + seq,
                    counter: 0,
                    node: Uuid::from_u128(7),
                },
                device_id: Uuid::from_u128(7),
            },
        }
    }

    /// An index reopened from its file answers every question as the index that wrote it, and
    /// as one kept in memory that read the same log: org tree, households and their 동 (moved
    /// ones too), records, assignments, sessions, first writers, sequence numbers, snapshot lists.
    #[test]
    fn an_index_reopened_from_its_file_answers_as_the_one_that_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ix");
        let (city, dong_a, dong_b, team) = (
            Uuid::from_u128(0xc),
            Uuid::from_u128(0xa),
            Uuid::from_u128(0xb),
            Uuid::from_u128(0x7ea),
        );
        let (h1, h2, visit, person, worker, report) = (
            Uuid::from_u128(0x100),
            Uuid::from_u128(0x200),
            Uuid::from_u128(0x101),
            Uuid::from_u128(0x102),
            Uuid::from_u128(0x300),
            Uuid::from_u128(0x400),
        );
        let log = [
            upsert(1, "org_units", city, json!({"kind": "city"})),
            upsert(
                2,
                "org_units",
                dong_a,
                json!({"kind": "dong", "parent_id": city}),
            ),
            upsert(
                3,
                "org_units",
                dong_b,
                json!({"kind": "dong", "parent_id": city}),
            ),
            upsert(
                4,
                "org_units",
                team,
                json!({"kind": "team", "parent_id": dong_a}),
            ),
            upsert(
                5,
                "org_units",
                Uuid::from_u128(0xd),
                json!({"name": "이름만"}),
            ),
            upsert(6, "workers", worker, json!({"team_id": team})),
            upsert(7, "households", h1, json!({"dong_id": dong_a})),
            upsert(8, "households", h2, json!({"dong_id": dong_a})),
            upsert(9, "visits", visit, json!({"household_id": h1})),
            upsert(
                10,
                "visit_workers",
                visit,
                json!({ worker.to_string(): true }),
            ),
            upsert(11, "persons", person, json!({"household_id": h2})),
            upsert(12, "households", h2, json!({"dong_id": dong_b})),
            upsert(
                13,
                "crisis_reports",
                report,
                json!({"dong_id": dong_b, "reporter_id": worker}),
            ),
        ];
        let mut memory = ScopeIndex::default();
        let mut written = ScopeIndex::open(Some(&file)).unwrap();
        for sc in &log {
            memory.apply(sc).unwrap();
        }
        written.apply_page(&log, Some(13)).unwrap();
        drop(written);
        let reopened = ScopeIndex::open(Some(&file)).unwrap();
        assert_eq!(reopened.last_seq(), 13);
        for ix in [&memory, &reopened] {
            assert_eq!(ix.area_of(team), dong_a);
            assert!(ix.within(team, city));
            assert_eq!(ix.unit_kind(Uuid::from_u128(0xd)), None);
            let mut units = ix.units_within(city);
            units.sort();
            assert_eq!(units.len(), 4, "{units:?}");
            assert_eq!(ix.team_of_worker(worker), Some(team));
            assert_eq!(ix.dong_of_household(h2), Some(dong_b));
            let mut ever = ix.dongs_ever_of_household(h2);
            ever.sort();
            assert_eq!(ever, vec![dong_a, dong_b]);
            assert_eq!(ix.household_of("visits", visit), Some(h1));
            assert_eq!(ix.household_of("visit_workers", visit), None);
            assert_eq!(
                ix.household_of_record("visit_workers", visit, || None),
                Some(h1)
            );
            assert!(ix.assigned(worker, h1) && ix.ever_assigned(worker, h1));
            assert!(!ix.assigned(worker, h2));
            assert_eq!(ix.crisis_report_dong(report), Some(dong_b));
            assert_eq!(ix.crisis_report_reporter(report), Some(worker));
            assert!(ix.has_writer(Uuid::from_u128(7)));
            assert_eq!(ix.household_seqs_upto(h2, 100), vec![8, 11, 12]);
            assert_eq!(ix.household_seqs_upto(h2, 11), vec![8, 11]);
            let purge: Vec<(String, Uuid)> = ix
                .purge_list(h1)
                .into_iter()
                .map(|r| (r.entity, r.record_id))
                .collect();
            assert_eq!(
                purge,
                vec![
                    ("visit_workers".to_owned(), visit),
                    ("visits".to_owned(), visit),
                    ("households".to_owned(), h1)
                ]
            );
        }
        let listing = |ix: &ScopeIndex, dong: Uuid| {
            ix.snapshot_candidates(
                |d| d == dong,
                |h| ix.dong_of_household(h) == Some(dong),
                worker,
                SnapshotOrder::ParentsFirst,
                None,
                100,
            )
        };
        let at = |entity: &str, record_id: Uuid| RecordRef {
            entity: entity.to_owned(),
            record_id,
        };
        for dong in [dong_a, dong_b] {
            assert_eq!(listing(&memory, dong), listing(&reopened, dong));
        }
        // h2 moved to b: its records are listed for b, not for a; the loose records for both.
        let (for_b, more) = listing(&reopened, dong_b);
        assert!(!more);
        assert!(for_b.contains(&at("persons", person)));
        assert!(!listing(&reopened, dong_a)
            .0
            .contains(&at("persons", person)));
        assert!(for_b.contains(&at("crisis_reports", report)));
        assert!(for_b.contains(&at("workers", worker)));
        assert_eq!(for_b.iter().filter(|r| r.entity == "org_units").count(), 5);
    }

    /// A read of the index's database that fails answers "unknown" and marks the index: every
    /// decision taken on it is refused from then on (`check`), whatever "unknown" would allow.
    #[test]
    fn a_failed_read_marks_the_index_and_every_decision_is_refused() {
        let mut ix = ScopeIndex::default();
        let (household, visit) = (Uuid::from_u128(0x100), Uuid::from_u128(0x101));
        ix.apply(&upsert(
            1,
            "households",
            household,
            json!({"dong_id": Uuid::from_u128(0xa)}),
        ))
        .unwrap();
        ix.apply(&upsert(
            2,
            "visits",
            visit,
            json!({"household_id": household}),
        ))
        .unwrap();
        assert_eq!(ix.household_of("visits", visit), Some(household));
        assert!(ix.check().is_ok());
        ix.db
            .get_mut()
            .unwrap()
            .execute_batch("DROP TABLE record_household")
            .unwrap();
        // Unknown: as if the visit were new, which the judge would let anyone create.
        assert_eq!(ix.household_of("visits", visit), None);
        let err = ix.check().unwrap_err();
        assert_eq!(err.kind, donghaeng_core::ErrorCode::Storage);
        // Reads that still work do not clear it.
        assert_eq!(ix.dong_of_household(household), Some(Uuid::from_u128(0xa)));
        assert!(ix.check().is_err());
    }

    /// A page of candidates: the households a user sees now are found through the 동 they were
    /// ever in; one moved away is not listed for its former 동, one listed under two 동 once.
    #[test]
    fn snapshot_candidates_follow_where_each_household_is_now_page_by_page() {
        let (a, b) = (Uuid::from_u128(0xa), Uuid::from_u128(0xb));
        let (stays_a, stays_b, moves) = (
            Uuid::from_u128(0x100),
            Uuid::from_u128(0x200),
            Uuid::from_u128(0x300),
        );
        let mut ix = ScopeIndex::default();
        let mut seq = 0;
        let mut next = || {
            seq += 1;
            seq
        };
        for (h, dong) in [(stays_a, a), (stays_b, b), (moves, a)] {
            ix.apply(&upsert(next(), "households", h, json!({"dong_id": dong})))
                .unwrap();
            let visit = Uuid::from_u128(h.as_u128() + 1);
            ix.apply(&upsert(next(), "visits", visit, json!({"household_id": h})))
                .unwrap();
        }
        ix.apply(&upsert(next(), "households", moves, json!({"dong_id": b})))
            .unwrap();

        for order in [SnapshotOrder::ByName, SnapshotOrder::ParentsFirst] {
            let list = |area: &[Uuid], after: Option<&RecordRef>, max: usize| {
                ix.snapshot_candidates(
                    |d| area.contains(&d),
                    |h| ix.dong_of_household(h).is_some_and(|d| area.contains(&d)),
                    Uuid::nil(),
                    order,
                    after,
                    max,
                )
            };
            let records_of = |hs: &[Uuid]| {
                let mut v: Vec<RecordRef> = hs
                    .iter()
                    .flat_map(|h| {
                        [
                            ("households", *h),
                            ("visits", Uuid::from_u128(h.as_u128() + 1)),
                        ]
                    })
                    .map(|(entity, record_id)| RecordRef {
                        entity: entity.to_owned(),
                        record_id,
                    })
                    .collect();
                v.sort_by(|a, b| {
                    order
                        .key(&a.entity, a.record_id)
                        .cmp(&order.key(&b.entity, b.record_id))
                });
                v
            };
            assert_eq!(list(&[a], None, 100), (records_of(&[stays_a]), false));
            assert_eq!(
                list(&[b], None, 100),
                (records_of(&[stays_b, moves]), false)
            );
            // Both 동 (a district): `moves` is under both, listed once.
            let all = records_of(&[stays_a, stays_b, moves]);
            assert_eq!(list(&[a, b], None, 100), (all.clone(), false));
            // Page by page, each starting after the last key sent.
            let mut paged = Vec::new();
            let mut after: Option<RecordRef> = None;
            loop {
                let (keys, more) = list(&[a, b], after.as_ref(), 2);
                assert!(keys.len() <= 2);
                after = keys.last().cloned();
                paged.extend(keys);
                if !more {
                    break;
                }
            }
            assert_eq!(paged, all, "{order:?}");
        }
    }

    /// A person who moved between two households of one 동 is listed under both: a user who sees
    /// only the second still gets the person when a chunk ends between the two listings.
    #[test]
    fn a_record_listed_under_two_households_is_found_across_a_chunk_boundary() {
        let dong = Uuid::from_u128(0xa);
        let (unseen, seen) = (Uuid::from_u128(0x100), Uuid::from_u128(0x200));
        let person = Uuid::from_u128(0x150);
        let mut ix = ScopeIndex::default();
        for (seq, h) in [(1, unseen), (2, seen)] {
            ix.apply(&upsert(seq, "households", h, json!({"dong_id": dong})))
                .unwrap();
        }
        for (seq, h) in [(3, unseen), (4, seen)] {
            ix.apply(&upsert(seq, "persons", person, json!({"household_id": h})))
                .unwrap();
        }
        for max in [1, 2, 10] {
            let mut got = Vec::new();
            let mut after: Option<RecordRef> = None;
            loop {
                let (keys, more) = ix.snapshot_candidates(
                    |d| d == dong,
                    |h| h == seen,
                    Uuid::nil(),
                    SnapshotOrder::ParentsFirst,
                    after.as_ref(),
                    max,
                );
                after = keys.last().cloned().or(after);
                got.extend(keys);
                if !more {
                    break;
                }
            }
            let persons: Vec<_> = got.iter().filter(|r| r.entity == "persons").collect();
            assert_eq!(persons.len(), 1, "max {max}: {got:?}");
            assert_eq!(persons[0].record_id, person);
        }
    }
}
