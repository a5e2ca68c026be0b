//! The merge function (병합 규칙), shared by every replica: the device's SQLite store, the server, and
//! the in-memory reference [`super::replica::Replica`].
//!
//! Given what a replica holds about one record and an incoming change, [`decide`] says what to write.
//! It looks only at stamps (HLC, then device id), never at arrival order, so every replica that has seen
//! the same set of changes holds the same state:
//!
//! - **Mutable records**: each field keeps the value of the change with the greatest stamp
//!   (last-writer-wins per field, a max, hence commutative, associative and idempotent).
//! - **Tombstones**: a delete is final. It wins over every edit of the record, older *and* newer; a
//!   later edit never resurrects a deleted record (our choice: deletes are rare and deliberate — a
//!   record made by mistake, an erasure request — and an offline edit made without knowing of the
//!   delete must not bring personal data back. Records that come and go use a field such as
//!   `households.archived`, which merges like any other). Of several deletes the smallest stamp is
//!   kept, so the tombstone itself is deterministic.
//! - **Append-only records**: union by record id. The same id with different content can only come
//!   from a faulty or hostile device; the record with the smallest stamp is kept (the first written),
//!   so the outcome does not depend on arrival order.
//!
//! Every replica merges through this module and only loads and saves: [`plan`] says what one change
//! writes, given what is held (stamps are enough), and [`apply`] makes the new state of a record
//! from its state and the change. A store that keeps whole record states (the phone, the in-memory
//! reference, PostgreSQL's working set) calls [`apply`]; one that keeps a row per field (the
//! server's SQLite) writes the fields of the [`Plan`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::change::{Change, Fields, Op};
use super::entity::{EntityKind, EntitySpec};
use super::hlc::HlcTimestamp;
use super::replica::{FieldVersion, RecordState};
use crate::{CoreError, CoreResult};

/// Read access to the stamps of a live mutable record's fields.
pub trait FieldStamps {
    /// The stamp of the change that set `field`, or `None` if no change has set it.
    fn stamp(&self, field: &str) -> Option<&HlcTimestamp>;
}

impl FieldStamps for BTreeMap<String, HlcTimestamp> {
    fn stamp(&self, field: &str) -> Option<&HlcTimestamp> {
        self.get(field)
    }
}

impl FieldStamps for BTreeMap<String, FieldVersion> {
    fn stamp(&self, field: &str) -> Option<&HlcTimestamp> {
        self.get(field).map(|v| &v.hlc)
    }
}

/// What a replica holds about the record a change is about.
#[derive(Clone, Copy)]
pub enum Current<'a> {
    /// Nothing yet.
    Absent,
    /// A live mutable record and its per-field stamps.
    Live(&'a dyn FieldStamps),
    /// A tombstone with the stamp of the delete kept.
    Deleted(&'a HlcTimestamp),
    /// An append-only record with the stamp it was written with.
    Appended(&'a HlcTimestamp),
}

impl<'a> Current<'a> {
    /// What a replica holding `held` (or nothing) holds, for [`decide`].
    pub fn of(held: Option<&'a RecordState>) -> Self {
        match held {
            None => Current::Absent,
            Some(RecordState::Live { fields }) => Current::Live(fields),
            Some(RecordState::Deleted { hlc, .. }) => Current::Deleted(hlc),
            Some(RecordState::Appended { hlc, .. }) => Current::Appended(hlc),
        }
    }
}

/// What to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'c> {
    /// Set these fields of the change (creating the record if absent), each with the change's stamp.
    SetFields(Vec<&'c str>),
    /// Make the record a tombstone with the change's stamp, dropping its fields.
    Tombstone,
    /// Store the appended record (new, or replacing one with a greater stamp).
    Insert,
    /// Write nothing.
    Skip(Skip),
}

/// Why nothing is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// This very change was applied before (same stamp): idempotency.
    Duplicate,
    /// Every field it sets already holds a newer value, or the record holds an earlier copy.
    Superseded,
    /// The record is deleted: a delete is final.
    Deleted,
}

/// Decides how `change` merges into `current`. `spec` is the change's entity. Errors only when the
/// operation does not fit the entity or the record (`op_not_allowed`), which validation prevents.
pub fn decide<'c>(
    spec: &EntitySpec,
    current: Current<'_>,
    change: &'c Change,
) -> CoreResult<Decision<'c>> {
    let stamp = &change.hlc;
    match (spec.kind, &change.op, current) {
        (EntityKind::Mutable, Op::Upsert { fields }, Current::Absent) => Ok(Decision::SetFields(
            fields.keys().map(String::as_str).collect(),
        )),
        (EntityKind::Mutable, Op::Upsert { fields }, Current::Live(stamps)) => {
            let mut win = Vec::new();
            let mut all_equal = true;
            for name in fields.keys() {
                match stamps.stamp(name) {
                    Some(held) if held >= stamp => all_equal &= held == stamp,
                    _ => {
                        all_equal = false;
                        win.push(name.as_str());
                    }
                }
            }
            Ok(match (win.is_empty(), all_equal) {
                (false, _) => Decision::SetFields(win),
                (true, true) => Decision::Skip(Skip::Duplicate),
                (true, false) => Decision::Skip(Skip::Superseded),
            })
        }
        (EntityKind::Mutable, Op::Upsert { .. }, Current::Deleted(_)) => {
            Ok(Decision::Skip(Skip::Deleted))
        }
        (EntityKind::Mutable, Op::Delete, Current::Absent | Current::Live(_)) => {
            Ok(Decision::Tombstone)
        }
        (EntityKind::Mutable, Op::Delete, Current::Deleted(held)) => Ok(if stamp < held {
            Decision::Tombstone
        } else if stamp == held {
            Decision::Skip(Skip::Duplicate)
        } else {
            Decision::Skip(Skip::Deleted)
        }),
        (EntityKind::AppendOnly, Op::Append { .. }, Current::Absent) => Ok(Decision::Insert),
        (EntityKind::AppendOnly, Op::Append { .. }, Current::Appended(held)) => {
            Ok(if stamp < held {
                Decision::Insert
            } else if stamp == held {
                Decision::Skip(Skip::Duplicate)
            } else {
                Decision::Skip(Skip::Superseded)
            })
        }
        (_, op, _) => Err(op_not_allowed(spec, op)),
    }
}

/// What merging one change writes, with the values it writes: each under the change's stamp and id.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan<'c> {
    /// Write nothing.
    Skip(Skip),
    /// Set these fields (creating the record if absent).
    SetFields(Vec<(&'c str, &'c Value)>),
    /// Make the record a tombstone, dropping its fields.
    Tombstone,
    /// Store this appended record (new, or replacing a copy with a greater stamp).
    Insert(&'c Fields),
}

/// What one change writes into what is held: [`decide`] with the change's values.
pub fn plan<'c>(
    spec: &EntitySpec,
    current: Current<'_>,
    change: &'c Change,
) -> CoreResult<Plan<'c>> {
    Ok(match (decide(spec, current, change)?, &change.op) {
        (Decision::Skip(why), _) => Plan::Skip(why),
        (Decision::SetFields(names), Op::Upsert { fields }) => Plan::SetFields(
            names
                .into_iter()
                .filter_map(|n| fields.get_key_value(n).map(|(k, v)| (k.as_str(), v)))
                .collect(),
        ),
        (Decision::Tombstone, _) => Plan::Tombstone,
        (Decision::Insert, Op::Append { record }) => Plan::Insert(record),
        // `decide` sets fields only for an upsert and inserts only for an append.
        (_, op) => return Err(op_not_allowed(spec, op)),
    })
}

/// What applying one change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The state changed.
    Changed,
    /// Nothing changed, and why.
    Unchanged(Skip),
}

/// Merges one change into a record's state (`None`: not held), in place: the new state is what
/// every replica saves. An error (`op_not_allowed`) leaves the state as it was.
pub fn apply(
    spec: &EntitySpec,
    held: &mut Option<RecordState>,
    change: &Change,
) -> CoreResult<Applied> {
    let version = |value: &Value| FieldVersion {
        value: value.clone(),
        hlc: change.hlc,
        change_id: change.id,
    };
    match plan(spec, Current::of(held.as_ref()), change)? {
        Plan::Skip(why) => return Ok(Applied::Unchanged(why)),
        Plan::SetFields(set) => {
            // `decide` sets fields only on an absent or live record.
            if !matches!(held, Some(RecordState::Live { .. })) {
                *held = Some(RecordState::Live {
                    fields: BTreeMap::new(),
                });
            }
            if let Some(RecordState::Live { fields }) = held {
                for (name, value) in set {
                    fields.insert(name.to_owned(), version(value));
                }
            }
        }
        Plan::Tombstone => {
            *held = Some(RecordState::Deleted {
                hlc: change.hlc,
                change_id: change.id,
            });
        }
        Plan::Insert(record) => {
            *held = Some(RecordState::Appended {
                record: record.clone(),
                hlc: change.hlc,
                change_id: change.id,
            });
        }
    }
    Ok(Applied::Changed)
}

fn op_not_allowed(spec: &EntitySpec, op: &Op) -> CoreError {
    CoreError::invalid(
        "op_not_allowed",
        "op",
        format!(
            "{} 기록에 {} 작업을 병합할 수 없습니다.",
            spec.name,
            op.name()
        ),
        format!("cannot merge {} into a {} record", op.name(), spec.name),
    )
}
