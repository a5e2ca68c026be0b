//! What each change teaches the scope index (색인 규칙): the rules by which it learns, one change at
//! a time in sequence order, over its tables. Values follow the merge rule (a later stamp
//! replaces them), so every node that reads the same log learns the same.

use std::collections::HashMap;

use rusqlite::params;
use serde_json::Value;
use uuid::Uuid;

use donghaeng_core::safety::EventKind;
use donghaeng_core::store::safety_events;
use donghaeng_core::sync::entity::{entity, EntityKind};
use donghaeng_core::sync::{Change, Fields, HlcTimestamp, Op, SeqChange};

use super::super::publish::ADMIN_NODE;
use super::tables::{hlc_bytes, First, Map, Set, Tables};
use super::{set, Unit, HOUSEHOLD_BOUND};

impl Tables<'_> {
    /// Learns from one stored change: the rules of the index, over its tables.
    pub(super) fn apply(
        &self,
        sc: &SeqChange,
        units: &mut HashMap<Uuid, Unit>,
    ) -> rusqlite::Result<()> {
        let c = &sc.change;
        let fields = c.op.fields();
        let uuid_field = |name: &str| -> Option<Uuid> {
            fields
                .and_then(|f| f.get(name))
                .and_then(Value::as_str)
                .and_then(|s| Uuid::try_parse(s).ok())
        };
        self.add_to_set(Set::Writers, c.device_id)?;
        if matches!(c.op, Op::Append { .. })
            && entity(&c.entity).is_some_and(|e| e.kind == EntityKind::AppendOnly)
        {
            self.first_write(First::Appended, c.record_id, c.device_id)?;
        }
        match c.entity.as_str() {
            "org_units" => {
                // Every unit the log names is known (a snapshot lists them all), whatever fields
                // its changes set.
                let unit = units.entry(c.record_id).or_default();
                if let Some(kind) = fields.and_then(|f| f.get("kind")).and_then(Value::as_str) {
                    set(&mut unit.kind, c.hlc, kind.to_owned());
                }
                if let Some(p) = fields.and_then(|f| f.get("parent_id")) {
                    let parent = p.as_str().and_then(|s| Uuid::try_parse(s).ok());
                    set(&mut unit.parent, c.hlc, parent);
                }
                self.save_unit(c.record_id, unit)?;
            }
            "safety_events" => {
                if let Some(fields) = fields {
                    self.learn_safety_event(c, fields)?;
                }
                if let Some(h) = self.household_of_change(c)? {
                    self.bind(c, h)?;
                }
            }
            "config_documents" => {
                if let Some(unit) = uuid_field("unit_id") {
                    self.set_stamped(Map::ConfigUnit, c.record_id, c.hlc, unit)?;
                }
            }
            "workers" => {
                if c.device_id == ADMIN_NODE {
                    self.add_to_set(Set::PublishedWorkers, c.record_id)?;
                }
                if let Some(team) = uuid_field("team_id") {
                    self.set_stamped(Map::WorkerTeam, c.record_id, c.hlc, team)?;
                }
            }
            "households" => {
                if let Some(dong) = uuid_field("dong_id") {
                    self.set_stamped(Map::HouseholdDong, c.record_id, c.hlc, dong)?;
                    self.add_dong(c.record_id, dong)?;
                }
                self.bind(c, c.record_id)?;
            }
            "visit_workers" => {
                if let Some(fields) = fields {
                    for (worker, v) in fields {
                        let (Ok(worker), Some(on)) = (Uuid::try_parse(worker), v.as_bool()) else {
                            continue;
                        };
                        self.set_assignment(c.record_id, worker, c.hlc, on)?;
                    }
                }
                if let Some(h) = self.household_of("visits", c.record_id)? {
                    self.bind(c, h)?;
                }
            }
            entity if HOUSEHOLD_BOUND.contains(&entity) => {
                if entity == "crisis_reports" {
                    if let Some(dong) = uuid_field("dong_id") {
                        self.set_stamped(Map::ReportDong, c.record_id, c.hlc, dong)?;
                    }
                    if let Some(reporter) = uuid_field("reporter_id") {
                        self.set_stamped(Map::ReportReporter, c.record_id, c.hlc, reporter)?;
                    }
                }
                if entity == "volunteer_activity" {
                    if let Some(w) = uuid_field("worker_id") {
                        self.0
                            .prepare_cached(
                                "INSERT OR REPLACE INTO activity_worker (activity, worker) \
                                 VALUES (?1, ?2)",
                            )?
                            .execute(params![c.record_id.as_bytes(), w.as_bytes()])?;
                    }
                }
                let named = match uuid_field("household_id") {
                    Some(h) => Some(h),
                    // An incident names no household: it belongs to its safety session's.
                    None if entity == "incidents" => match uuid_field("session_id") {
                        Some(s) => self.session_household(s)?,
                        None => None,
                    },
                    None => None,
                };
                if let Some(h) = named {
                    self.0
                        .prepare_cached(
                            "INSERT OR REPLACE INTO record_household (entity, record, household) \
                             VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![entity, c.record_id.as_bytes(), h.as_bytes()])?;
                }
                if let Some(h) = self.household_of(entity, c.record_id)? {
                    self.bind(c, h)?;
                }
            }
            _ => {}
        }
        // The change's sequence number under its household.
        if let Some(h) = self.household_of_change(c)? {
            self.0
                .prepare_cached(
                    "INSERT OR IGNORE INTO household_seqs (household, seq) VALUES (?1, ?2)",
                )?
                .execute(params![
                    h.as_bytes(),
                    i64::try_from(sc.seq).unwrap_or(i64::MAX)
                ])?;
        }
        Ok(())
    }

    /// A session's household and participants come with its `started` event; every event names
    /// its session. Events of a session whose start has not arrived yet stay unbound.
    fn learn_safety_event(&self, c: &Change, fields: &Fields) -> rusqlite::Result<()> {
        let Ok(event) = safety_events::from_fields(c.record_id, fields) else {
            return Ok(()); // malformed records reach nobody but their author
        };
        self.0
            .prepare_cached(
                "INSERT INTO event_session (event, session) VALUES (?1, ?2) \
                 ON CONFLICT (event) DO UPDATE SET session = excluded.session",
            )?
            .execute(params![c.record_id.as_bytes(), event.session_id.as_bytes()])?;
        match &event.kind {
            // The first start places the session; a later one (refused at push since the write
            // rules, but possible in an older log) can neither move it nor add participants.
            EventKind::Started(plan) => {
                let placed = self
                    .0
                    .prepare_cached(
                        "INSERT OR IGNORE INTO sessions (session, household) VALUES (?1, ?2)",
                    )?
                    .execute(params![
                        event.session_id.as_bytes(),
                        plan.household.household_id.as_bytes()
                    ])?;
                if placed == 1 {
                    let mut st = self.0.prepare_cached(
                        "INSERT OR IGNORE INTO session_workers (session, worker) VALUES (?1, ?2)",
                    )?;
                    for p in &plan.participants {
                        st.execute(params![event.session_id.as_bytes(), p.worker_id.as_bytes()])?;
                    }
                }
            }
            EventKind::Sos => self.first_write(First::Sos, c.record_id, c.device_id)?,
            _ => {}
        }
        Ok(())
    }

    // --- writes ---

    fn save_unit(&self, id: Uuid, unit: &Unit) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "INSERT OR REPLACE INTO units (id, kind, kind_hlc, parent, parent_hlc) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                id.as_bytes(),
                unit.kind.as_ref().map(|k| k.value.as_str()),
                unit.kind.as_ref().map(|k| hlc_bytes(&k.hlc).to_vec()),
                unit.parent
                    .as_ref()
                    .and_then(|p| p.value)
                    .map(|p| p.as_bytes().to_vec()),
                unit.parent.as_ref().map(|p| hlc_bytes(&p.hlc).to_vec()),
            ])?;
        Ok(())
    }

    /// Sets a value of `map` unless a later (or the same) stamp set it (the merge rule).
    fn set_stamped(
        &self,
        map: Map,
        key: Uuid,
        hlc: HlcTimestamp,
        value: Uuid,
    ) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO stamped (map, key, value, hlc) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (map, key) DO UPDATE SET value = excluded.value, hlc = excluded.hlc \
                 WHERE excluded.hlc > stamped.hlc",
            )?
            .execute(params![
                map as i64,
                key.as_bytes(),
                value.as_bytes(),
                &hlc_bytes(&hlc)[..]
            ])?;
        Ok(())
    }

    fn set_assignment(
        &self,
        visit: Uuid,
        worker: Uuid,
        hlc: HlcTimestamp,
        on: bool,
    ) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO assignments (visit, worker, assigned, hlc) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (visit, worker) DO UPDATE SET assigned = excluded.assigned, \
                 hlc = excluded.hlc WHERE excluded.hlc > assignments.hlc",
            )?
            .execute(params![
                visit.as_bytes(),
                worker.as_bytes(),
                on,
                &hlc_bytes(&hlc)[..]
            ])?;
        Ok(())
    }

    fn add_to_set(&self, set: Set, id: Uuid) -> rusqlite::Result<()> {
        self.0
            .prepare_cached("INSERT OR IGNORE INTO id_sets (kind, id) VALUES (?1, ?2)")?
            .execute(params![set as i64, id.as_bytes()])?;
        Ok(())
    }

    /// The first device to write `record` (of `kind`) stays its writer.
    fn first_write(&self, kind: First, record: Uuid, device: Uuid) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "INSERT OR IGNORE INTO first_writer (kind, record, device) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![kind as i64, record.as_bytes(), device.as_bytes()])?;
        Ok(())
    }

    /// A 동 the household is in (now, or once): its records are listed under it too.
    fn add_dong(&self, household: Uuid, dong: Uuid) -> rusqlite::Result<()> {
        let new = self
            .0
            .prepare_cached("INSERT OR IGNORE INTO dongs_ever (household, dong) VALUES (?1, ?2)")?
            .execute(params![household.as_bytes(), dong.as_bytes()])?;
        if new == 1 {
            self.0
                .prepare_cached("INSERT OR IGNORE INTO dongs (dong) VALUES (?1)")?
                .execute(params![dong.as_bytes()])?;
            self.0
                .prepare_cached(
                    "INSERT OR IGNORE INTO area_records (dong, entity, record, household) \
                     SELECT ?1, entity, record, household FROM bound WHERE household = ?2",
                )?
                .execute(params![dong.as_bytes(), household.as_bytes()])?;
        }
        Ok(())
    }

    /// The change's record belongs to `household`.
    fn bind(&self, c: &Change, household: Uuid) -> rusqlite::Result<()> {
        let new = self
            .0
            .prepare_cached(
                "INSERT OR IGNORE INTO bound (household, entity, record) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                household.as_bytes(),
                c.entity,
                c.record_id.as_bytes()
            ])?;
        if new == 1 {
            self.0
                .prepare_cached(
                    "INSERT OR IGNORE INTO area_records (dong, entity, record, household) \
                     SELECT dong, ?2, ?3, household FROM dongs_ever WHERE household = ?1",
                )?
                .execute(params![
                    household.as_bytes(),
                    c.entity,
                    c.record_id.as_bytes()
                ])?;
        }
        Ok(())
    }
}
