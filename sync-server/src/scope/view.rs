//! One device's view of the log (기기별 열람): which changes of a pulled page it receives (and with
//! which fields), what it must backfill when its scope grew and purge when it shrank, and which of
//! what it may write is judged in `super::authority`.

use uuid::Uuid;

use donghaeng_core::sync::packed::PackedRecord;
use donghaeng_core::sync::{Change, Fields, Op, RecordRef, SeqChange};
use donghaeng_core::CoreResult;

use super::index::{session_named, ScopeIndex, Trigger};
use super::rules::{class_of, companion_may_read, Class};
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
        ix.area_of(self.unit)
    }

    fn in_area(&self, ix: &ScopeIndex, unit: Option<Uuid>) -> bool {
        unit.is_some_and(|u| ix.within(u, self.area(ix)))
    }

    /// Whether the unit (a 동) lies in the user's area: no household outside one is seen
    /// (`sees_household`).
    pub fn area_holds(&self, ix: &ScopeIndex, unit: Uuid) -> bool {
        self.in_area(ix, Some(unit))
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
            // Its own change: it holds it already. Its feed never reads it (`Viewer::feed`); a
            // backfill may, and then it is harmless.
            return Some(c.clone());
        }
        let fields = c.op.fields();
        let session = || session_named(fields.and_then(|f| f.get("session_id")));
        if !self.sees_record(ix, &c.entity, c.record_id, session) {
            return None;
        }
        if self.class != Class::Companion {
            return Some(c.clone());
        }
        self.companion_copy(c)
    }

    /// Whether this device may receive the record at all (which of its fields: `read`).
    /// `named_session` reads the `session_id` the record's own fields name.
    fn sees_record(
        &self,
        ix: &ScopeIndex,
        entity: &str,
        record_id: Uuid,
        named_session: impl FnOnce() -> Option<Uuid>,
    ) -> bool {
        match entity {
            "org_units" => true,
            // The audit trail is read on the server by supervisors, never sent to other phones.
            "audit_entries" => false,
            // Configuration reaches every user at or under the unit it is addressed to (and the
            // staff of a district see what was addressed to the teams under it).
            "config_documents" => ix
                .config_unit(record_id)
                .is_some_and(|unit| ix.within(self.unit, unit) || ix.within(unit, self.area(ix))),
            "workers" => self.in_area(ix, ix.team_of_worker(record_id)),
            "crisis_reports" if self.class == Class::Reporter => {
                ix.crisis_report_reporter(record_id) == Some(self.user_id)
            }
            "crisis_reports" if self.class == Class::Staff => {
                match ix.household_of(entity, record_id) {
                    Some(h) => self.sees_household(ix, h),
                    None => self.in_area(ix, ix.crisis_report_dong(record_id)),
                }
            }
            _ if self.class == Class::Reporter => false,
            // An activity with no household belongs to its worker: theirs, and their area's staff.
            "volunteer_activity" if ix.household_of(entity, record_id).is_none() => {
                ix.activity_worker(record_id).is_some_and(|w| {
                    w == self.user_id
                        || (self.class == Class::Staff && self.in_area(ix, ix.team_of_worker(w)))
                })
            }
            // A session's events reach everyone on the visit, and the staff of the household's
            // area (the team lead among them).
            "safety_events" if ix.in_session_of(record_id, self.user_id) => true,
            _ => ix
                .household_of_record(entity, record_id, named_session)
                .is_some_and(|h| self.sees_household(ix, h)),
        }
    }

    /// Writes a record's merged state as this device may hold it — a snapshot entry — into `out`,
    /// or returns `false` and writes nothing: the read rule of the feed ([`Viewer::read`]) applied
    /// to the record as one change that sets its whole state, so a snapshot and the feed can never
    /// disagree on what a device holds. The entry is written straight from the stored state: a
    /// snapshot page passes thousands of records through here.
    pub fn read_record(
        &self,
        ix: &ScopeIndex,
        record_id: Uuid,
        rec: &PackedRecord<'_>,
        out: &mut Vec<u8>,
    ) -> CoreResult<bool> {
        let entity = rec.entity();
        let session = || {
            // The one value the rule reads is parsed; the others go on as they are stored.
            let text = rec.field("session_id")?;
            session_named(serde_json::from_str(text).ok().as_ref())
        };
        if !self.sees_record(ix, entity, record_id, session) {
            return Ok(false);
        }
        if self.class == Class::Companion {
            // As `companion_copy` reads a change: only the allow-listed fields, version by
            // version; nothing of an entity that has none, or of a record none of whose fields is.
            if super::rules::companion_fields(entity).is_none() {
                return Ok(false);
            }
            return rec.write_snapshot(record_id, |name| companion_may_read(entity, name), out);
        }
        rec.write_snapshot(record_id, |_| true, out)
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
    /// (it left). `upto` is the last change before the trigger: the household's earlier changes
    /// are under the keys of where it was then, so this device's feed did not read them
    /// (`super::feed`); the caller leaves out those it sent already.
    pub fn on_trigger(&self, ix: &ScopeIndex, t: &Trigger, upto: u64, out: &mut Filtered) {
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
            out.backfill.extend(ix.household_seqs_upto(household, upto));
        } else if self.may_hold(ix, household) {
            // A participant keeps her session's events (she still receives them, see `read`).
            let keep = |r: &RecordRef| {
                r.entity == "safety_events" && ix.in_session_of(r.record_id, self.user_id)
            };
            out.purge
                .extend(ix.purge_list(household).into_iter().filter(|r| !keep(r)));
        }
    }
}
