//! Where a record is placed (기록의 소속): the fields that decide who may read and write it — a
//! household's 동, a child record's household, a worker's team, a crisis report's 동 and reporter, a
//! volunteer activity's worker. Write authority (`super::authority`) judges a change on the
//! placement the server holds now and on the placement the change would leave.

use serde_json::Value;
use uuid::Uuid;

use donghaeng_core::sync::Change;

use super::index::HOUSEHOLD_BOUND;

/// The placing fields of one record (`None`: not set, or not a field of its entity).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    /// The household it belongs to (a household: itself).
    pub household: Option<Uuid>,
    /// `dong_id` of a household or a crisis report.
    pub dong: Option<Uuid>,
    /// `team_id` of a worker.
    pub team: Option<Uuid>,
    /// `reporter_id` of a crisis report.
    pub reporter: Option<Uuid>,
    /// `worker_id` of a volunteer activity.
    pub worker: Option<Uuid>,
}

/// A placing field: its name on the wire and its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Household,
    Dong,
    Team,
    Reporter,
    Worker,
}

impl Slot {
    pub fn field(self) -> &'static str {
        match self {
            Slot::Household => "household_id",
            Slot::Dong => "dong_id",
            Slot::Team => "team_id",
            Slot::Reporter => "reporter_id",
            Slot::Worker => "worker_id",
        }
    }
}

/// The placing fields of an entity (empty: placed by another record, or by nothing).
pub fn placing_slots(entity: &str) -> &'static [Slot] {
    match entity {
        "households" => &[Slot::Dong],
        "workers" => &[Slot::Team],
        "crisis_reports" => &[Slot::Dong, Slot::Reporter, Slot::Household],
        "volunteer_activity" => &[Slot::Worker, Slot::Household],
        e if HOUSEHOLD_BOUND.contains(&e) && e != "incidents" => &[Slot::Household],
        _ => &[],
    }
}

impl Placement {
    pub fn get(&self, slot: Slot) -> Option<Uuid> {
        match slot {
            Slot::Household => self.household,
            Slot::Dong => self.dong,
            Slot::Team => self.team,
            Slot::Reporter => self.reporter,
            Slot::Worker => self.worker,
        }
    }

    fn slot_mut(&mut self, slot: Slot) -> &mut Option<Uuid> {
        match slot {
            Slot::Household => &mut self.household,
            Slot::Dong => &mut self.dong,
            Slot::Team => &mut self.team,
            Slot::Reporter => &mut self.reporter,
            Slot::Worker => &mut self.worker,
        }
    }

    /// The placement `change` would leave on a record placed as `self`: each placing field the
    /// change carries replaces the held one (an unreadable id or `null` clears it). A household
    /// is always its own household.
    pub fn after(&self, change: &Change) -> Placement {
        let mut next = *self;
        if change.entity == "households" {
            next.household = Some(change.record_id);
        }
        let fields = change.op.fields();
        if let Some(fields) = fields {
            for &slot in placing_slots(&change.entity) {
                if let Some(v) = fields.get(slot.field()) {
                    *next.slot_mut(slot) = uuid_value(v);
                }
            }
        }
        next
    }
}

/// A UUID carried as a JSON string.
pub fn uuid_value(v: &Value) -> Option<Uuid> {
    v.as_str().and_then(|s| Uuid::try_parse(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use donghaeng_core::sync::{HlcTimestamp, Op};
    use serde_json::json;

    fn upsert(entity: &str, fields: Value) -> Change {
        Change {
            id: Uuid::now_v7(),
            entity: entity.to_owned(),
            record_id: Uuid::now_v7(),
            op: Op::Upsert {
                fields: serde_json::from_value(fields).unwrap(),
            },
            hlc: HlcTimestamp {
                wall_ms: 1,
                counter: 0,
                node: Uuid::nil(),
            },
            device_id: Uuid::nil(),
        }
    }

    #[test]
    fn a_change_replaces_only_the_placing_fields_it_carries() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let held = Placement {
            household: Some(a),
            ..Placement::default()
        };
        let moved = held.after(&upsert("persons", json!({"household_id": b.to_string()})));
        assert_eq!(moved.household, Some(b));
        let renamed = held.after(&upsert("persons", json!({"name": "김○○"})));
        assert_eq!(renamed, held);
        let cleared = held.after(&upsert("persons", json!({"household_id": null})));
        assert_eq!(cleared.household, None);
        // `worker_id` places a volunteer activity, not a wellness check.
        let w = held.after(&upsert(
            "wellness_checks",
            json!({"worker_id": b.to_string()}),
        ));
        assert_eq!(w.worker, None);
        let c = upsert("households", json!({"dong_id": b.to_string()}));
        let h = Placement::default().after(&c);
        assert_eq!((h.household, h.dong), (Some(c.record_id), Some(b)));
    }
}
