//! A change (변경 기록): one write to one record, as it travels between a device and the server.
//!
//! A change is immutable once made: its id names exactly this content for ever, which is what makes a
//! retried push idempotent. A device that must re-stamp a refused change makes a new change with a new
//! id (see `docs/sync.md`, "Clock skew").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::hlc::HlcTimestamp;

/// Field name → value, in a canonical (sorted) order so that a change serialises to the same bytes
/// on every replica.
pub type Fields = BTreeMap<String, Value>;

/// What a change does to its record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// Create or edit a mutable record: set these fields (a create sets all required fields; an edit
    /// only the fields it changed, so concurrent edits of different fields both survive).
    /// `null` clears a nullable field.
    Upsert { fields: Fields },
    /// Add an append-only record, whole (it will never change afterwards).
    Append { record: Fields },
    /// Delete a mutable record: a tombstone (see the merge rules).
    Delete,
}

impl Op {
    /// Stable name of the operation, for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Upsert { .. } => "upsert",
            Op::Append { .. } => "append",
            Op::Delete => "delete",
        }
    }

    /// The fields the operation carries: an upsert's, an append's record; none for a delete.
    pub fn fields(&self) -> Option<&Fields> {
        match self {
            Op::Upsert { fields } => Some(fields),
            Op::Append { record } => Some(record),
            Op::Delete => None,
        }
    }
}

/// One change. JSON example:
///
/// ```json
/// {"id":"0190…","entity":"households","record_id":"0190…",
///  "op":{"kind":"upsert","fields":{"crisis_level":5}},
///  "hlc":"018f9a3c2b10-0000-0190…","device_id":"0190…"}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// UUID v7 made by the device when it made the change; the idempotency key of a push.
    pub id: Uuid,
    /// The entity (table) name, one of [`super::entity::ENTITIES`].
    pub entity: String,
    /// The record's id (UUID v7, made on the device that created the record). For `visit_workers`
    /// it is the visit's id.
    pub record_id: Uuid,
    pub op: Op,
    /// When, in hybrid logical time; its node is the device that made the change.
    pub hlc: HlcTimestamp,
    /// The device that made the change (equal to `hlc.node`; kept explicit for readers and indexes).
    pub device_id: Uuid,
}

impl Change {
    /// The (entity, record) this change is about.
    pub fn record_ref(&self) -> RecordRef {
        RecordRef {
            entity: self.entity.clone(),
            record_id: self.record_id,
        }
    }
}

/// A reference to one record, e.g. in a purge list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    pub entity: String,
    pub record_id: Uuid,
}
