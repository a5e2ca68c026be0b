//! An in-memory replica (참조 모델): the state of every synced record, held in B-tree maps and changed
//! only through [`super::merge::apply`]. Tests use it as the device and the server, and it is the
//! reference the SQLite implementation must agree with (same changes in → same canonical dump out).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::change::{Change, Fields};
use super::entity::{entity, known_entity};
use super::hlc::HlcTimestamp;
use super::merge::{self, Applied};
use crate::CoreResult;

/// One field of a mutable record: its value and the change that set it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldVersion {
    pub value: Value,
    pub hlc: HlcTimestamp,
    pub change_id: Uuid,
}

/// What a replica holds about one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RecordState {
    /// A mutable record: field name → version.
    Live {
        fields: BTreeMap<String, FieldVersion>,
    },
    /// A deleted mutable record (its fields are dropped; the tombstone stays so that older edits
    /// arriving later are not applied).
    Deleted { hlc: HlcTimestamp, change_id: Uuid },
    /// An append-only record.
    Appended {
        record: Fields,
        hlc: HlcTimestamp,
        change_id: Uuid,
    },
}

/// The state of all records of one replica.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replica {
    records: BTreeMap<(&'static str, Uuid), RecordState>,
}

impl Replica {
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges one change. Errors (`unknown_entity`, `op_not_allowed`) leave the replica unchanged.
    pub fn apply(&mut self, change: &Change) -> CoreResult<Applied> {
        let spec = known_entity(&change.entity, "entity")?;
        let key = (spec.name, change.record_id);
        let mut held = self.records.remove(&key);
        let applied = merge::apply(spec, &mut held, change);
        if let Some(state) = held {
            self.records.insert(key, state);
        }
        applied
    }

    /// Merges changes in order; stops at the first error.
    pub fn apply_all<'a>(
        &mut self,
        changes: impl IntoIterator<Item = &'a Change>,
    ) -> CoreResult<()> {
        for c in changes {
            self.apply(c)?;
        }
        Ok(())
    }

    /// Removes a record without a tombstone (a purge when the device's scope shrinks: the record is
    /// not deleted, this replica just may not hold it any more).
    pub fn purge(&mut self, entity_name: &str, record_id: Uuid) {
        if let Some(spec) = entity(entity_name) {
            self.records.remove(&(spec.name, record_id));
        }
    }

    pub fn get(&self, entity_name: &str, record_id: Uuid) -> Option<&RecordState> {
        let spec = entity(entity_name)?;
        self.records.get(&(spec.name, record_id))
    }

    /// Ids of the live (not deleted) records of an entity, ascending.
    pub fn live_ids(&self, entity_name: &str) -> Vec<Uuid> {
        self.records
            .iter()
            .filter(|((e, _), s)| *e == entity_name && !matches!(s, RecordState::Deleted { .. }))
            .map(|((_, id), _)| *id)
            .collect()
    }

    /// The records of one entity that are not deleted (live or appended), by record id.
    pub fn present(&self, entity_name: &str) -> impl Iterator<Item = (Uuid, &RecordState)> + '_ {
        let spec = entity(entity_name);
        spec.into_iter().flat_map(move |spec| {
            self.records
                .range((spec.name, Uuid::nil())..=(spec.name, Uuid::max()))
                .filter(|(_, s)| !matches!(s, RecordState::Deleted { .. }))
                .map(|((_, id), s)| (*id, s))
        })
    }

    /// Every record held, in (entity, record id) order.
    pub fn records(&self) -> impl Iterator<Item = (&'static str, Uuid, &RecordState)> + '_ {
        self.records.iter().map(|((e, id), s)| (*e, *id, s))
    }

    /// Number of records held (tombstones included).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Replaces the stamps of re-stamped changes (old change id → new id and stamp) wherever they
    /// are held. Correct only under the re-stamp rule of `docs/sync.md`: the new stamps are greater
    /// than every stamp this device ever received or made outside the re-stamped changes, so each
    /// field a re-stamped change won it still wins.
    pub fn restamp(&mut self, map: &HashMap<Uuid, (Uuid, HlcTimestamp)>) {
        for state in self.records.values_mut() {
            match state {
                RecordState::Live { fields } => {
                    for v in fields.values_mut() {
                        if let Some((id, hlc)) = map.get(&v.change_id) {
                            v.change_id = *id;
                            v.hlc = *hlc;
                        }
                    }
                }
                RecordState::Deleted { hlc, change_id }
                | RecordState::Appended { hlc, change_id, .. } => {
                    if let Some((id, new)) = map.get(change_id) {
                        *change_id = *id;
                        *hlc = *new;
                    }
                }
            }
        }
    }

    /// A canonical dump: one JSON line per record, ordered by (entity, record id), with every field
    /// value and stamp. Two replicas hold the same state exactly when their dumps are equal.
    pub fn canonical_dump(&self) -> String {
        #[derive(Serialize)]
        struct Line<'a> {
            entity: &'a str,
            id: Uuid,
            #[serde(flatten)]
            state: &'a RecordState,
        }
        let mut out = String::new();
        for ((entity_name, id), state) in &self.records {
            let line = Line {
                entity: entity_name,
                id: *id,
                state,
            };
            // Serialising maps with string keys and plain values cannot fail.
            if let Ok(s) = serde_json::to_string(&line) {
                out.push_str(&s);
                out.push('\n');
            }
        }
        out
    }
}
