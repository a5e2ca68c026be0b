//! The scope index (열람 범위 색인): from the change log, what each record belongs to — the org tree,
//! each household's 동, each record's household, who is assigned to which visit, who wrote which
//! crisis report — and which sequence numbers belong to each household (to backfill a device whose
//! scope grows and to list what it must purge when it shrinks).
//!
//! It is built only from [`ChangeStore::pull`], so it works the same over the embedded SQLite store
//! and over PostgreSQL with several nodes: before deciding anything, a node catches up on the log.
//! Values follow the merge rule (last writer by HLC wins), so every node agrees whatever order it
//! read the log in.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::ops::Bound;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use donghaeng_core::safety::EventKind;
use donghaeng_core::store::safety_events;
use donghaeng_core::sync::entity::{entity, EntityKind};
use donghaeng_core::sync::validate::MAX_PULL_LIMIT;
use donghaeng_core::sync::{
    Change, Fields, HlcTimestamp, Op, ProtocolVersion, PullRequest, RecordRef, SeqChange,
};
use donghaeng_core::CoreResult;

use super::placement::Placement;
use super::publish::ADMIN_NODE;
use crate::store::ChangeStore;

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

/// A value with the stamp that set it: a later stamp replaces it (the merge rule).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
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

#[derive(Debug, Default, Serialize, Deserialize)]
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

/// See the module documentation. Saved whole as a checkpoint ([`super::checkpoint`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScopeIndex {
    last_seq: u64,
    units: HashMap<Uuid, Unit>,
    household_dong: HashMap<Uuid, Stamped<Uuid>>,
    /// Every 동 a household has ever been in: the devices that may hold it (a purge goes only
    /// to them, so other 동s never learn a household's or its records' ids).
    household_dong_history: HashMap<Uuid, Vec<Uuid>>,
    /// The same the other way round: 동 → every household ever in it (a snapshot lists the
    /// households of the user's 동, not of the city; where each is now decides).
    dong_households_ever: HashMap<Uuid, HashSet<Uuid>>,
    /// (entity, record) → household, for household-bound records and visits.
    record_household: HashMap<(String, Uuid), Uuid>,
    /// Worker → team (`workers.team_id`).
    worker_team: HashMap<Uuid, Stamped<Uuid>>,
    /// `crisis_reports` → (동, reporter).
    report_dong: HashMap<Uuid, Stamped<Uuid>>,
    report_reporter: HashMap<Uuid, Stamped<Uuid>>,
    /// Safety sessions (from their `started` event): household and participants; and each
    /// `safety_events` record's session.
    session_household: HashMap<Uuid, Uuid>,
    session_workers: HashMap<Uuid, HashSet<Uuid>>,
    event_session: HashMap<Uuid, Uuid>,
    /// Session → its `safety_events` records, and participant → sessions (a snapshot's candidates).
    session_events: HashMap<Uuid, Vec<Uuid>>,
    worker_sessions: HashMap<Uuid, HashSet<Uuid>>,
    /// `volunteer_activity` → the worker whose activity it is (it may name no household).
    activity_worker: HashMap<Uuid, Uuid>,
    /// `config_documents` → the unit it is addressed to.
    config_unit: HashMap<Uuid, Stamped<Uuid>>,
    /// visit → worker → assigned.
    assignments: HashMap<Uuid, HashMap<Uuid, Stamped<bool>>>,
    /// household → every record bound to it.
    household_records: HashMap<Uuid, BTreeSet<(String, Uuid)>>,
    /// household → the sequence numbers of its records' changes, ascending.
    household_seqs: HashMap<Uuid, Vec<u64>>,
    /// Every device id changes were written under (phones, the server's nodes, the admin).
    writers: HashSet<Uuid>,
    /// Append-only record → the device that appended it: nobody else may append under its id
    /// (the merge keeps the earliest stamp, so a second append could replace the record).
    appended_by: HashMap<Uuid, Uuid>,
    /// SOS event → the device that pushed it (only that device may withdraw it).
    sos_raised_by: HashMap<Uuid, Uuid>,
    /// Workers the admin command published (users of the server): their team and roles are the
    /// administrator's, never a phone's.
    published_workers: HashSet<Uuid>,
}

impl ScopeIndex {
    /// The last sequence number read.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Reads the log after what it has seen, page by page.
    pub async fn catch_up(&mut self, store: &dyn ChangeStore, now_ms: i64) -> CoreResult<()> {
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
            for sc in &page.changes {
                self.apply(sc);
            }
            self.last_seq = self.last_seq.max(page.next_seq);
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// Learns from one stored change (in sequence order).
    pub fn apply(&mut self, sc: &SeqChange) {
        let c = &sc.change;
        let fields = c.op.fields();
        let uuid_field = |name: &str| -> Option<Uuid> {
            fields
                .and_then(|f| f.get(name))
                .and_then(Value::as_str)
                .and_then(|s| Uuid::try_parse(s).ok())
        };
        self.writers.insert(c.device_id);
        if matches!(c.op, Op::Append { .. })
            && entity(&c.entity).is_some_and(|e| e.kind == EntityKind::AppendOnly)
        {
            self.appended_by.entry(c.record_id).or_insert(c.device_id);
        }
        match c.entity.as_str() {
            "org_units" => {
                let unit = self.units.entry(c.record_id).or_default();
                if let Some(kind) = fields.and_then(|f| f.get("kind")).and_then(Value::as_str) {
                    set(&mut unit.kind, c.hlc, kind.to_owned());
                }
                if let Some(p) = fields.and_then(|f| f.get("parent_id")) {
                    let parent = p.as_str().and_then(|s| Uuid::try_parse(s).ok());
                    set(&mut unit.parent, c.hlc, parent);
                }
            }
            "safety_events" => {
                if let Some(fields) = fields {
                    self.learn_safety_event(c, fields);
                }
                if let Some(h) = self.household_of_change(c) {
                    self.bind(c, h);
                }
            }
            "config_documents" => {
                if let Some(unit) = uuid_field("unit_id") {
                    set_map(&mut self.config_unit, c.record_id, c.hlc, unit);
                }
            }
            "workers" => {
                if c.device_id == ADMIN_NODE {
                    self.published_workers.insert(c.record_id);
                }
                if let Some(team) = uuid_field("team_id") {
                    set_map(&mut self.worker_team, c.record_id, c.hlc, team);
                }
            }
            "households" => {
                if let Some(dong) = uuid_field("dong_id") {
                    set_map(&mut self.household_dong, c.record_id, c.hlc, dong);
                    let seen = self.household_dong_history.entry(c.record_id).or_default();
                    if !seen.contains(&dong) {
                        seen.push(dong);
                        self.dong_households_ever
                            .entry(dong)
                            .or_default()
                            .insert(c.record_id);
                    }
                }
                self.bind(c, c.record_id);
            }
            "visit_workers" => {
                if let Some(fields) = fields {
                    let visit = self.assignments.entry(c.record_id).or_default();
                    for (worker, v) in fields {
                        let (Ok(worker), Some(on)) = (Uuid::try_parse(worker), v.as_bool()) else {
                            continue;
                        };
                        set_map(visit, worker, c.hlc, on);
                    }
                }
                if let Some(h) = self.household_of("visits", c.record_id) {
                    self.bind(c, h);
                }
            }
            entity if HOUSEHOLD_BOUND.contains(&entity) => {
                if entity == "crisis_reports" {
                    if let Some(dong) = uuid_field("dong_id") {
                        set_map(&mut self.report_dong, c.record_id, c.hlc, dong);
                    }
                    if let Some(reporter) = uuid_field("reporter_id") {
                        set_map(&mut self.report_reporter, c.record_id, c.hlc, reporter);
                    }
                }
                if entity == "volunteer_activity" {
                    if let Some(w) = uuid_field("worker_id") {
                        self.activity_worker.insert(c.record_id, w);
                    }
                }
                let key = (entity.to_owned(), c.record_id);
                if let Some(h) = uuid_field("household_id") {
                    self.record_household.insert(key, h);
                } else if entity == "incidents" {
                    // An incident names no household: it belongs to its safety session's.
                    if let Some(h) = uuid_field("session_id")
                        .and_then(|s| self.session_household.get(&s).copied())
                    {
                        self.record_household.insert(key, h);
                    }
                }
                if let Some(h) = self.household_of(entity, c.record_id) {
                    self.bind(c, h);
                }
            }
            _ => {}
        }
        self.note_seq(sc);
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

    /// A session's household and participants come with its `started` event; every event names
    /// its session. Events of a session whose start has not arrived yet stay unbound.
    fn learn_safety_event(&mut self, c: &Change, fields: &Fields) {
        let Ok(event) = safety_events::from_fields(c.record_id, fields) else {
            return; // malformed records reach nobody but their author
        };
        if self
            .event_session
            .insert(c.record_id, event.session_id)
            .is_none()
        {
            self.session_events
                .entry(event.session_id)
                .or_default()
                .push(c.record_id);
        }
        match &event.kind {
            // The first start places the session; a later one (refused at push since the write
            // rules, but possible in an older log) can neither move it nor add participants.
            EventKind::Started(plan) if !self.session_household.contains_key(&event.session_id) => {
                self.session_household
                    .insert(event.session_id, plan.household.household_id);
                self.session_workers.insert(
                    event.session_id,
                    plan.participants.iter().map(|p| p.worker_id).collect(),
                );
                for p in &plan.participants {
                    self.worker_sessions
                        .entry(p.worker_id)
                        .or_default()
                        .insert(event.session_id);
                }
            }
            EventKind::Sos => {
                self.sos_raised_by.entry(c.record_id).or_insert(c.device_id);
            }
            _ => {}
        }
    }

    /// The first `max` records a user's snapshot may hold after `after`, sorted, and whether more
    /// follow: every record of the households `sees_household` admits (looked for only among the
    /// households ever in a 동 `area_holds` admits: a household the user sees must be in one), and
    /// of the records that
    /// belong to no household those that could reach this user (units, workers, configuration,
    /// crisis reports, volunteer activity, the events of the user's own sessions). A superset: the
    /// caller passes each through the same read rule as the feed (`Viewer::read`), which alone
    /// decides.
    pub fn snapshot_candidates(
        &self,
        area_holds: impl Fn(Uuid) -> bool,
        sees_household: impl Fn(Uuid) -> bool,
        user: Uuid,
        after: Option<(&str, Uuid)>,
        max: usize,
    ) -> (Vec<(&str, Uuid)>, bool) {
        let after = after.map(|(entity, id)| (entity.to_owned(), id));
        let from = after.as_ref().map_or(Bound::Unbounded, Bound::Excluded);
        // Each household's records are kept in order: a page merges the visible households' runs
        // after `after` and stops at `max`, so a page costs its own size (and a heap of the
        // households), not the whole share again.
        let mut runs: Vec<Box<dyn Iterator<Item = (&str, Uuid)> + '_>> = Vec::new();
        let households = self
            .dong_households_ever
            .iter()
            .filter(|(dong, _)| area_holds(**dong))
            .flat_map(|(_, households)| households);
        for h in households {
            if sees_household(*h) {
                if let Some(records) = self.household_records.get(h) {
                    runs.push(Box::new(
                        records
                            .range::<(String, Uuid), _>((from, Bound::Unbounded))
                            .map(|(e, id)| (e.as_str(), *id)),
                    ));
                }
            }
        }
        // Records of no household: few for one 동 (its units, workers, reports, activity, the
        // user's sessions), listed and sorted together.
        let mut loose: Vec<(&str, Uuid)> = Vec::new();
        loose.extend(self.units.keys().map(|id| ("org_units", *id)));
        loose.extend(self.worker_team.keys().map(|id| ("workers", *id)));
        loose.extend(self.config_unit.keys().map(|id| ("config_documents", *id)));
        loose.extend(self.report_dong.keys().map(|id| ("crisis_reports", *id)));
        loose.extend(
            self.report_reporter
                .keys()
                .map(|id| ("crisis_reports", *id)),
        );
        loose.extend(
            self.activity_worker
                .keys()
                .map(|id| ("volunteer_activity", *id)),
        );
        for s in self.worker_sessions.get(&user).into_iter().flatten() {
            if let Some(events) = self.session_events.get(s) {
                loose.extend(events.iter().map(|id| ("safety_events", *id)));
            }
        }
        if let Some((entity, id)) = &after {
            loose.retain(|k| *k > (entity.as_str(), *id));
        }
        loose.sort_unstable();
        runs.push(Box::new(loose.into_iter()));

        let mut heads = BinaryHeap::with_capacity(runs.len());
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(k) = run.next() {
                heads.push(Reverse((k, i)));
            }
        }
        let mut out: Vec<(&str, Uuid)> = Vec::with_capacity(max.min(8_192));
        while let Some(Reverse((key, i))) = heads.pop() {
            if let Some(next) = runs[i].next() {
                heads.push(Reverse((next, i)));
            }
            // A record bound to two households (it moved), or a report listed twice, once.
            if out.last() == Some(&key) {
                continue;
            }
            if out.len() == max {
                return (out, true);
            }
            out.push(key);
        }
        (out, false)
    }

    /// Whether `worker` takes part in the session of a `safety_events` record.
    pub fn in_session_of(&self, event: Uuid, worker: Uuid) -> bool {
        self.event_session
            .get(&event)
            .and_then(|s| self.session_workers.get(s))
            .is_some_and(|w| w.contains(&worker))
    }

    /// A safety session's household, from its start.
    pub fn session_household(&self, session: Uuid) -> Option<Uuid> {
        self.session_household.get(&session).copied()
    }

    /// A safety session's participants, from its start (`None`: not started on the server).
    pub fn session_participants(&self, session: Uuid) -> Option<&HashSet<Uuid>> {
        self.session_workers.get(&session)
    }

    /// The device that pushed an SOS event.
    pub fn sos_raised_by(&self, event: Uuid) -> Option<Uuid> {
        self.sos_raised_by.get(&event).copied()
    }

    /// The device that appended an append-only record, if it is stored.
    pub fn appended_by(&self, record: Uuid) -> Option<Uuid> {
        self.appended_by.get(&record).copied()
    }

    /// Whether any change was ever written under `device` (by a phone, a node or the admin).
    pub fn has_writer(&self, device: Uuid) -> bool {
        self.writers.contains(&device)
    }

    /// Whether the admin command published this worker (a user of the server).
    pub fn is_published_worker(&self, worker: Uuid) -> bool {
        self.published_workers.contains(&worker)
    }

    fn bind(&mut self, c: &Change, household: Uuid) {
        self.household_records
            .entry(household)
            .or_default()
            .insert((c.entity.clone(), c.record_id));
    }

    /// Records the change's sequence number under its household.
    fn note_seq(&mut self, sc: &SeqChange) {
        if let Some(h) = self.household_of_change(&sc.change) {
            let seqs = self.household_seqs.entry(h).or_default();
            if seqs.last().is_none_or(|&l| l < sc.seq) {
                seqs.push(sc.seq);
            }
        }
    }

    /// The household a change's record belongs to, if known.
    pub fn household_of_change(&self, c: &Change) -> Option<Uuid> {
        let fields = c.op.fields();
        self.household_of_record(&c.entity, c.record_id, || {
            session_named(fields.and_then(|f| f.get("session_id")))
        })
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
        match entity {
            "households" => Some(record_id),
            "visit_workers" => self.household_of("visits", record_id),
            "safety_events" => self
                .event_session
                .get(&record_id)
                .copied()
                .or_else(named_session)
                .and_then(|s| self.session_household.get(&s))
                .copied(),
            // A new incident report is placed by its safety session, like the session's events.
            "incidents" => self.household_of("incidents", record_id).or_else(|| {
                named_session()
                    .and_then(|s| self.session_household.get(&s))
                    .copied()
            }),
            e => self.household_of(e, record_id),
        }
    }

    pub fn household_of(&self, entity: &str, record: Uuid) -> Option<Uuid> {
        if entity == "households" {
            return Some(record);
        }
        self.record_household
            .get(&(entity.to_owned(), record))
            .copied()
    }

    /// Where a stored record is placed, as far as the log tells (`None`: it says nothing of it).
    pub fn placement(&self, entity: &str, record: Uuid) -> Option<Placement> {
        let p = match entity {
            "households" => Placement {
                household: Some(record),
                dong: Some(self.dong_of_household(record)?),
                ..Placement::default()
            },
            "workers" => Placement {
                team: self.team_of_worker(record),
                ..Placement::default()
            },
            "crisis_reports" => Placement {
                household: self.household_of(entity, record),
                dong: self.crisis_report_dong(record),
                reporter: self.crisis_report_reporter(record),
                ..Placement::default()
            },
            "volunteer_activity" => Placement {
                household: self.household_of(entity, record),
                worker: self.activity_worker(record),
                ..Placement::default()
            },
            "visit_workers" => Placement {
                household: self.household_of("visits", record),
                ..Placement::default()
            },
            e if HOUSEHOLD_BOUND.contains(&e) => Placement {
                household: self.household_of(e, record),
                ..Placement::default()
            },
            _ => return None,
        };
        (p != Placement::default()).then_some(p)
    }

    /// Every 동 the household has ever been in.
    pub fn dongs_ever_of_household(&self, household: Uuid) -> &[Uuid] {
        self.household_dong_history
            .get(&household)
            .map_or(&[], Vec::as_slice)
    }

    /// A household's 동.
    pub fn dong_of_household(&self, household: Uuid) -> Option<Uuid> {
        self.household_dong.get(&household).map(|s| s.value)
    }

    /// A worker's team.
    pub fn team_of_worker(&self, worker: Uuid) -> Option<Uuid> {
        self.worker_team.get(&worker).map(|s| s.value)
    }

    /// The worker of a volunteer-activity record.
    pub fn activity_worker(&self, activity: Uuid) -> Option<Uuid> {
        self.activity_worker.get(&activity).copied()
    }

    /// The unit a configuration document is addressed to.
    pub fn config_unit(&self, document: Uuid) -> Option<Uuid> {
        self.config_unit.get(&document).map(|s| s.value)
    }

    pub fn crisis_report_dong(&self, report: Uuid) -> Option<Uuid> {
        self.report_dong.get(&report).map(|s| s.value)
    }

    pub fn crisis_report_reporter(&self, report: Uuid) -> Option<Uuid> {
        self.report_reporter.get(&report).map(|s| s.value)
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
        self.household_records
            .get(&household)
            .into_iter()
            .flatten()
            .filter(|(e, _)| e == "visits")
            .any(|(_, visit)| {
                self.assignments
                    .get(visit)
                    .is_some_and(|w| w.contains_key(&worker))
            })
    }

    /// Whether `worker` is assigned (now) to any visit of `household`.
    pub fn assigned(&self, worker: Uuid, household: Uuid) -> bool {
        self.household_records
            .get(&household)
            .into_iter()
            .flatten()
            .filter(|(e, _)| e == "visits")
            .any(|(_, visit)| {
                self.assignments
                    .get(visit)
                    .and_then(|w| w.get(&worker))
                    .is_some_and(|s| s.value)
            })
    }

    /// The sequence numbers of a household's changes up to `upto`, ascending.
    pub fn household_seqs_upto(&self, household: Uuid, upto: u64) -> Vec<u64> {
        self.household_seqs
            .get(&household)
            .map(|s| s.iter().copied().take_while(|&q| q <= upto).collect())
            .unwrap_or_default()
    }

    /// Every record of a household, in purge order.
    pub fn purge_list(&self, household: Uuid) -> Vec<RecordRef> {
        let Some(records) = self.household_records.get(&household) else {
            return vec![RecordRef {
                entity: "households".to_owned(),
                record_id: household,
            }];
        };
        let mut out: Vec<RecordRef> = records
            .iter()
            .map(|(entity, id)| RecordRef {
                entity: entity.clone(),
                record_id: *id,
            })
            .collect();
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

fn set_map<T: Copy>(
    map: &mut HashMap<Uuid, Stamped<T>>,
    key: Uuid,
    hlc: HlcTimestamp,
    value: T,
) -> bool {
    match map.get(&key) {
        Some(s) if s.hlc >= hlc => false,
        _ => {
            map.insert(key, Stamped { hlc, value });
            true
        }
    }
}

/// The session a `session_id` field's value names.
pub fn session_named(value: Option<&Value>) -> Option<Uuid> {
    value
        .and_then(Value::as_str)
        .and_then(|s| Uuid::try_parse(s).ok())
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
            ix.apply(&upsert(next(), "households", h, json!({"dong_id": dong})));
            let visit = Uuid::from_u128(h.as_u128() + 1);
            ix.apply(&upsert(next(), "visits", visit, json!({"household_id": h})));
        }
        ix.apply(&upsert(next(), "households", moves, json!({"dong_id": b})));

        let list = |area: &[Uuid], after: Option<(&str, Uuid)>, max: usize| {
            let (keys, more) = ix.snapshot_candidates(
                |d| area.contains(&d),
                |h| ix.dong_of_household(h).is_some_and(|d| area.contains(&d)),
                Uuid::nil(),
                after,
                max,
            );
            let keys: Vec<(String, Uuid)> =
                keys.into_iter().map(|(e, id)| (e.to_owned(), id)).collect();
            (keys, more)
        };
        let records_of = |hs: &[Uuid]| {
            let mut v: Vec<(String, Uuid)> = hs
                .iter()
                .flat_map(|h| {
                    [
                        ("households".to_owned(), *h),
                        ("visits".to_owned(), Uuid::from_u128(h.as_u128() + 1)),
                    ]
                })
                .collect();
            v.sort();
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
        let mut after: Option<(String, Uuid)> = None;
        loop {
            let (keys, more) = list(&[a, b], after.as_ref().map(|(e, id)| (e.as_str(), *id)), 2);
            assert!(keys.len() <= 2);
            after = keys.last().cloned();
            paged.extend(keys);
            if !more {
                break;
            }
        }
        assert_eq!(paged, all);
    }
}
