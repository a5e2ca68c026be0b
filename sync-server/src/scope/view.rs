//! One device's view of the log (기기별 열람): which changes of a pulled page it receives (and with
//! which fields), what it must backfill when its scope grew and purge when it shrank, and which of
//! its pushed changes it may write.

use std::collections::HashMap;

use uuid::Uuid;

use donghaeng_core::safety::EventKind;
use donghaeng_core::store::safety_events;
use donghaeng_core::sync::{Change, Fields, Op, RecordRef, SeqChange};

use super::index::{ScopeIndex, Trigger};
use super::rules::{class_of, companion_may_read, Class, COMPANION_WRITES};
use crate::store::TokenOwner;

/// The requesting device and what decides its scope.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub device_id: Uuid,
    /// The user; also their worker id (the server publishes each user as a worker record).
    pub user_id: Uuid,
    pub class: Class,
    /// The unit the user belongs to.
    pub unit: Uuid,
}

impl From<&TokenOwner> for Viewer {
    fn from(o: &TokenOwner) -> Self {
        Viewer {
            device_id: o.device_id,
            user_id: o.user_id,
            class: class_of(o.role),
            unit: o.unit_id,
        }
    }
}

/// What a page becomes for one device.
#[derive(Debug, Default)]
pub struct Filtered {
    pub changes: Vec<SeqChange>,
    /// Sequence numbers (at or before the device's cursor) to send again: households that just
    /// entered its scope.
    pub backfill: Vec<u64>,
    pub purge: Vec<RecordRef>,
}

impl Viewer {
    /// The area the user works in: their team's 동 (the nearest 동 above their unit), or the unit
    /// itself for district and city staff.
    pub fn area(&self, ix: &ScopeIndex) -> Uuid {
        let mut at = Some(self.unit);
        for _ in 0..16 {
            let Some(u) = at else { break };
            if ix.unit_kind(u) == Some("dong") {
                return u;
            }
            at = ix.unit_parent(u);
        }
        self.unit
    }

    fn in_area(&self, ix: &ScopeIndex, unit: Option<Uuid>) -> bool {
        unit.is_some_and(|u| ix.within(u, self.area(ix)))
    }

    /// Whether the device may hold the household's records now.
    pub fn sees_household(&self, ix: &ScopeIndex, household: Uuid) -> bool {
        let in_area = self.in_area(ix, ix.dong_of_household(household));
        match self.class {
            Class::Staff => in_area,
            Class::Companion => in_area && ix.assigned(self.user_id, household),
            Class::Reporter => false,
        }
    }

    /// Whether the device may hold the household's records from before (so a purge concerns it):
    /// staff whose area it was ever in, a companion assigned to it now or before. Others are never
    /// told its ids.
    fn may_hold(&self, ix: &ScopeIndex, household: Uuid) -> bool {
        let was_in_area = ix
            .dongs_ever_of_household(household)
            .iter()
            .any(|d| self.in_area(ix, Some(*d)));
        match self.class {
            Class::Staff => was_in_area,
            Class::Companion => was_in_area && ix.ever_assigned(self.user_id, household),
            Class::Reporter => false,
        }
    }

    /// The change as this device may receive it, or `None`.
    pub fn read(&self, ix: &ScopeIndex, c: &Change) -> Option<Change> {
        if c.device_id == self.device_id {
            // Its own change: it holds it already; sending it back keeps the cursor logic simple.
            return Some(c.clone());
        }
        let entity = c.entity.as_str();
        let visible = match entity {
            "org_units" => true,
            // The audit trail is read on the server by supervisors, never sent to other phones.
            "audit_entries" => false,
            // Configuration reaches every user at or under the unit it is addressed to (and the
            // staff of a district see what was addressed to the teams under it).
            "config_documents" => ix
                .config_unit(c.record_id)
                .is_some_and(|unit| ix.within(self.unit, unit) || ix.within(unit, self.area(ix))),
            "workers" => self.in_area(ix, ix.team_of_worker(c.record_id)),
            "crisis_reports" if self.class == Class::Reporter => {
                ix.crisis_report_reporter(c.record_id) == Some(self.user_id)
            }
            "crisis_reports" if self.class == Class::Staff => {
                match ix.household_of(entity, c.record_id) {
                    Some(h) => self.sees_household(ix, h),
                    None => self.in_area(ix, ix.crisis_report_dong(c.record_id)),
                }
            }
            _ if self.class == Class::Reporter => false,
            // An activity with no household belongs to its worker: theirs, and their area's staff.
            "volunteer_activity" if ix.household_of(entity, c.record_id).is_none() => {
                ix.activity_worker(c.record_id).is_some_and(|w| {
                    w == self.user_id
                        || (self.class == Class::Staff && self.in_area(ix, ix.team_of_worker(w)))
                })
            }
            // A session's events reach everyone on the visit, and the staff of the household's
            // area (the team lead among them).
            "safety_events" if ix.in_session_of(c.record_id, self.user_id) => true,
            _ => ix
                .household_of_change(c)
                .is_some_and(|h| self.sees_household(ix, h)),
        };
        if !visible {
            return None;
        }
        if self.class != Class::Companion {
            return Some(c.clone());
        }
        self.companion_copy(c)
    }

    /// The change with only the fields a companion may read; `None` if none of it is readable.
    fn companion_copy(&self, c: &Change) -> Option<Change> {
        super::rules::companion_fields(&c.entity)?;
        let keep = |f: &Fields| -> Fields {
            f.iter()
                .filter(|(k, _)| companion_may_read(&c.entity, k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let op = match &c.op {
            Op::Delete => Op::Delete,
            Op::Upsert { fields } => {
                let kept = keep(fields);
                if kept.is_empty() && !fields.is_empty() {
                    return None;
                }
                Op::Upsert { fields: kept }
            }
            Op::Append { record } => Op::Append {
                record: keep(record),
            },
        };
        Some(Change { op, ..c.clone() })
    }

    /// What a trigger means for this device: backfill (the household entered its scope) or purge
    /// (it left). `cursor` is where the device's pull started.
    pub fn on_trigger(&self, ix: &ScopeIndex, t: &Trigger, cursor: u64, out: &mut Filtered) {
        let (household, concerns_me) = match t {
            Trigger::HouseholdDong(h) => (*h, self.class != Class::Reporter),
            Trigger::Assignment { household, worker } => (
                *household,
                self.class == Class::Companion && *worker == self.user_id,
            ),
        };
        if !concerns_me {
            return;
        }
        if self.sees_household(ix, household) {
            out.backfill
                .extend(ix.household_seqs_upto(household, cursor));
        } else if self.may_hold(ix, household) {
            out.purge.extend(ix.purge_list(household));
        }
    }

    /// Why the device may not write this change, or `None` if it may. `batch` knows the households
    /// and visits created earlier in the same push.
    pub fn write_refusal(
        &self,
        ix: &ScopeIndex,
        batch: &BatchOverlay,
        c: &Change,
    ) -> Option<&'static str> {
        let entity = c.entity.as_str();
        let fields = fields_of(c);
        let field_uuid = |name: &str| uuid_in(c, name);
        // The 동 the record lives in, from the change itself or from what the server knows.
        let household = household_of(ix, batch, c);
        let household_dong = |h: Uuid| {
            let own = (entity == "households")
                .then(|| field_uuid("dong_id"))
                .flatten();
            own.or_else(|| ix.dong_of_household(h))
                .or_else(|| batch.dong_of_household(h))
        };
        let allowed = match (self.class, entity) {
            // Org units and configuration come from the admin command only.
            (_, "org_units" | "config_documents") => false,
            // A phone records only its own entries, as its own user (or as nobody).
            (_, "audit_entries") => {
                let own_device = fields
                    .and_then(|f| f.get("device_id"))
                    .and_then(|v| v.as_str())
                    .is_some_and(|d| Uuid::try_parse(d).ok() == Some(c.device_id));
                let actor = fields.and_then(|f| f.get("actor_id"));
                let as_self = match actor {
                    None | Some(serde_json::Value::Null) => true,
                    Some(_) => field_uuid("actor_id") == Some(self.user_id),
                };
                own_device && as_self && matches!(c.op, Op::Append { .. })
            }
            (Class::Staff, "workers") => self.in_area(
                ix,
                field_uuid("team_id")
                    .or_else(|| ix.team_of_worker(c.record_id))
                    .or_else(|| batch.uuid_of("workers", c.record_id, "team_id")),
            ),
            (Class::Staff, "crisis_reports") => match household {
                Some(h) => self.in_area(ix, household_dong(h)),
                None => self.in_area(
                    ix,
                    field_uuid("dong_id")
                        .or_else(|| ix.crisis_report_dong(c.record_id))
                        .or_else(|| batch.uuid_of("crisis_reports", c.record_id, "dong_id")),
                ),
            },
            (_, "volunteer_activity") if household.is_none() => {
                let worker = field_uuid("worker_id").or_else(|| ix.activity_worker(c.record_id));
                worker.is_some_and(|w| {
                    let team = ix
                        .team_of_worker(w)
                        .or_else(|| batch.uuid_of("workers", w, "team_id"));
                    w == self.user_id || (self.class == Class::Staff && self.in_area(ix, team))
                })
            }
            // An incident away from any visit (at the 주민센터, on the way): no household places
            // it, so its reporter files it, as themself, in the district they work in. Phones
            // other than the reporter's never receive it (no household); the dashboard reads it.
            (Class::Staff | Class::Companion, "incidents") if household.is_none() => {
                field_uuid("reporter_id") == Some(self.user_id)
                    && field_uuid("district_id").is_some_and(|d| ix.within(self.unit, d))
                    && matches!(c.op, Op::Append { .. })
            }
            (Class::Staff, _) => household.is_some_and(|h| self.in_area(ix, household_dong(h))),
            (Class::Companion, e) if COMPANION_WRITES.contains(&e) => {
                household.is_some_and(|h| self.in_area(ix, household_dong(h)))
            }
            (Class::Reporter, "crisis_reports") => self.in_area(
                ix,
                field_uuid("dong_id")
                    .or_else(|| ix.crisis_report_dong(c.record_id))
                    .or_else(|| batch.uuid_of("crisis_reports", c.record_id, "dong_id")),
            ),
            _ => false,
        };
        (!allowed).then_some("out_of_scope")
    }
}

/// The fields an upsert or append carries (`None` for a delete).
fn fields_of(c: &Change) -> Option<&Fields> {
    match &c.op {
        Op::Upsert { fields } => Some(fields),
        Op::Append { record } => Some(record),
        Op::Delete => None,
    }
}

/// A UUID field of the change, if present and well formed.
fn uuid_in(c: &Change, name: &str) -> Option<Uuid> {
    fields_of(c)?
        .get(name)?
        .as_str()
        .and_then(|s| Uuid::try_parse(s).ok())
}

/// The household a pushed change belongs to: named in the change, known to the index, or placed by
/// a record created earlier in the same push.
pub fn household_of(ix: &ScopeIndex, batch: &BatchOverlay, c: &Change) -> Option<Uuid> {
    let field_uuid = |name: &str| uuid_in(c, name);
    field_uuid("household_id")
        .or_else(|| ix.household_of_change(c))
        .or_else(|| match c.entity.as_str() {
            "households" => Some(c.record_id),
            "visit_workers" => batch.household_of("visits", c.record_id),
            "safety_events" => {
                let session = field_uuid("session_id")?;
                batch.session_household.get(&session).copied()
            }
            e => batch.household_of(e, c.record_id),
        })
}

/// What a push batch itself says about the records it creates (their household, 동 or team), so
/// that a record and its later edits — or a household and its members — can travel in one push
/// before the scope index has seen any of them.
#[derive(Debug, Default)]
pub struct BatchOverlay {
    fields: HashMap<(String, Uuid), HashMap<&'static str, Uuid>>,
    /// Safety sessions started in the batch → their household.
    session_household: HashMap<Uuid, Uuid>,
}

/// The fields that place a record.
const PLACING: &[&str] = &["household_id", "dong_id", "team_id"];

impl BatchOverlay {
    pub fn of(changes: &[Change]) -> BatchOverlay {
        let mut o = BatchOverlay::default();
        for c in changes {
            let fields = match &c.op {
                Op::Upsert { fields } => fields,
                Op::Append { record } => record,
                Op::Delete => continue,
            };
            if c.entity == safety_events::ENTITY {
                if let Ok(event) = safety_events::from_fields(c.record_id, fields) {
                    if let EventKind::Started(plan) = &event.kind {
                        o.session_household
                            .insert(event.session_id, plan.household.household_id);
                    }
                }
            }
            for name in PLACING {
                let id = fields
                    .get(*name)
                    .and_then(|v| v.as_str())
                    .and_then(|s| Uuid::try_parse(s).ok());
                if let Some(id) = id {
                    o.fields
                        .entry((c.entity.clone(), c.record_id))
                        .or_default()
                        .insert(name, id);
                }
            }
        }
        o
    }

    /// A placing field of a record created in the batch.
    pub fn uuid_of(&self, entity: &str, record: Uuid, field: &str) -> Option<Uuid> {
        self.fields
            .get(&(entity.to_owned(), record))
            .and_then(|f| f.get(field))
            .copied()
    }

    fn household_of(&self, entity: &str, record: Uuid) -> Option<Uuid> {
        self.uuid_of(entity, record, "household_id")
    }

    fn dong_of_household(&self, household: Uuid) -> Option<Uuid> {
        self.uuid_of("households", household, "dong_id")
    }
}
