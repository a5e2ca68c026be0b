//! Snapshot initial sync (첫 동기화 스냅숏, docs/sync.md "Snapshot"): a device with no cursor receives
//! the merged state of the records it may hold — one entry per record, with the per-field versions
//! merge needs — and then follows the change feed from the snapshot's position.
//!
//! A visit planned, started and completed is four changes in the log but one record here, so a
//! 동's first sync moves and applies about half the entries. On the wire a live record's fields
//! are grouped by the change that set them ([`Version`]): a stamp and a change id appear once per
//! change still visible in the record, not once per field.
//!
//! **Why it converges.** Pages are read at different moments while phones push. The snapshot's
//! position (`feed_from`) is the server's sequence number when the first page was made; every
//! record sent reflects at least every change up to it. The device then pulls the feed after
//! `feed_from`: changes a page already reflected are merged again, which changes nothing (merge is
//! idempotent and commutative, `merge.rs`), and scope moves after `feed_from` backfill or purge as
//! for any device.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::change::{Change, Fields, Op, RecordRef};
use super::hlc::HlcTimestamp;
use super::replica::{FieldVersion, RecordState};

mod order;
mod page;
mod wire;

pub use order::SnapshotOrder;
pub use page::PageWriter;

/// Most records in one snapshot page (the same bound as a pull page).
pub const MAX_SNAPSHOT_LIMIT: u32 = super::validate::MAX_PULL_LIMIT;

/// A device asks for the next page of its snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRequest {
    pub protocol_version: u32,
    /// The last record of the previous page (`None` for the first page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<RecordRef>,
    /// The previous page's `feed_from`, sent back as it came (`None` for the first page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_from: Option<u64>,
    /// Page size wanted; the server caps it at [`MAX_SNAPSHOT_LIMIT`] and at its page byte budget.
    pub limit: u32,
    /// The order of the snapshot, the same on every page of it (left off: [`SnapshotOrder::ByName`],
    /// what an older app gets).
    #[serde(default, skip_serializing_if = "SnapshotOrder::is_by_name")]
    pub order: SnapshotOrder,
}

impl SnapshotRequest {
    /// Checks the version and the page size (the same codes as a pull's).
    pub fn validate(&self) -> crate::CoreResult<()> {
        super::ProtocolVersion::check(self.protocol_version)?;
        if self.limit == 0 {
            return Err(crate::CoreError::invalid(
                "pull_limit_zero",
                "limit",
                "한 페이지 크기는 1 이상이어야 합니다.",
                "the page size must be at least 1",
            ));
        }
        Ok(())
    }

    /// The page size the server uses: at least 1, at most [`MAX_SNAPSHOT_LIMIT`].
    pub fn effective_limit(&self) -> usize {
        self.limit.clamp(1, MAX_SNAPSHOT_LIMIT) as usize
    }

    /// The first page of a new snapshot, in the newest order.
    pub fn first(limit: u32) -> SnapshotRequest {
        SnapshotRequest {
            protocol_version: super::ProtocolVersion::CURRENT,
            after: None,
            feed_from: None,
            limit,
            order: SnapshotOrder::NEWEST,
        }
    }
}

/// One page of a snapshot, records in the order asked for ([`SnapshotOrder`]). The server writes it
/// with [`PageWriter`], each record straight from its stored state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotResponse {
    pub records: Vec<SnapshotRecord>,
    /// Where the next page starts (after this record); `None` when nothing was left to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<RecordRef>,
    pub has_more: bool,
    /// The sequence number the feed continues after once the snapshot is complete.
    pub feed_from: u64,
    pub server_time_ms: i64,
    /// The order the records are in: the request's (left off for [`SnapshotOrder::ByName`], so an
    /// older app reads the page it always did).
    #[serde(default, skip_serializing_if = "SnapshotOrder::is_by_name")]
    pub order: SnapshotOrder,
}

/// One record's merged state as a device may hold it. On the wire one flat object: `entity`,
/// `record_id`, `state` (`live`, `deleted`, `appended`) and the state's own keys (`wire.rs`).
/// `V` is how a field's value is held (parsed, on the device).
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRecord<V = Value> {
    pub entity: String,
    pub record_id: Uuid,
    pub state: SnapshotState<V>,
}

/// A record's merged state, compact: a live record's fields grouped by the change that set them.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotState<V = Value> {
    Live {
        versions: Vec<Version<V>>,
    },
    Deleted {
        hlc: HlcTimestamp,
        change_id: Uuid,
    },
    Appended {
        record: BTreeMap<String, V>,
        hlc: HlcTimestamp,
        change_id: Uuid,
    },
}

/// The fields of a live record that one change set and still hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version<V = Value> {
    pub hlc: HlcTimestamp,
    pub change_id: Uuid,
    pub fields: BTreeMap<String, V>,
}

impl<V> SnapshotState<V> {
    /// The state's name as the stores' `state` columns and the wire spell it.
    pub fn name(&self) -> &'static str {
        match self {
            SnapshotState::Live { .. } => "live",
            SnapshotState::Deleted { .. } => "deleted",
            SnapshotState::Appended { .. } => "appended",
        }
    }
}

impl SnapshotState {
    /// The compact form of a merged state (versions in stamp order).
    pub fn of(state: &RecordState) -> SnapshotState {
        match state {
            RecordState::Live { fields } => {
                let mut by_change: BTreeMap<(HlcTimestamp, Uuid), Fields> = BTreeMap::new();
                for (name, v) in fields {
                    by_change
                        .entry((v.hlc, v.change_id))
                        .or_default()
                        .insert(name.clone(), v.value.clone());
                }
                SnapshotState::Live {
                    versions: by_change
                        .into_iter()
                        .map(|((hlc, change_id), fields)| Version {
                            hlc,
                            change_id,
                            fields,
                        })
                        .collect(),
                }
            }
            RecordState::Deleted { hlc, change_id } => SnapshotState::Deleted {
                hlc: *hlc,
                change_id: *change_id,
            },
            RecordState::Appended {
                record,
                hlc,
                change_id,
            } => SnapshotState::Appended {
                record: record.clone(),
                hlc: *hlc,
                change_id: *change_id,
            },
        }
    }

    /// The merged state it stands for (the inverse of [`SnapshotState::of`]). A field named in two
    /// versions (only a faulty server would send it) keeps the greater stamp, as merge would.
    pub fn to_state(&self) -> RecordState {
        match self {
            SnapshotState::Live { versions } => {
                let mut fields: BTreeMap<String, FieldVersion> = BTreeMap::new();
                for v in versions {
                    for (name, value) in &v.fields {
                        let newer = fields.get(name).is_none_or(|held| held.hlc < v.hlc);
                        if newer {
                            fields.insert(
                                name.clone(),
                                FieldVersion {
                                    value: value.clone(),
                                    hlc: v.hlc,
                                    change_id: v.change_id,
                                },
                            );
                        }
                    }
                }
                RecordState::Live { fields }
            }
            SnapshotState::Deleted { hlc, change_id } => RecordState::Deleted {
                hlc: *hlc,
                change_id: *change_id,
            },
            SnapshotState::Appended {
                record,
                hlc,
                change_id,
            } => RecordState::Appended {
                record: record.clone(),
                hlc: *hlc,
                change_id: *change_id,
            },
        }
    }

    /// The greatest stamp in it (the device's clock receives the page's greatest).
    pub fn max_stamp(&self) -> Option<HlcTimestamp> {
        match self {
            SnapshotState::Live { versions } => versions.iter().map(|v| v.hlc).max(),
            SnapshotState::Deleted { hlc, .. } | SnapshotState::Appended { hlc, .. } => Some(*hlc),
        }
    }
}

impl SnapshotRecord {
    pub fn of(entity: &str, record_id: Uuid, state: &RecordState) -> SnapshotRecord {
        SnapshotRecord {
            entity: entity.to_owned(),
            record_id,
            state: SnapshotState::of(state),
        }
    }

    pub fn record_ref(&self) -> RecordRef {
        RecordRef {
            entity: self.entity.clone(),
            record_id: self.record_id,
        }
    }

    /// The changes this state is made of, as merge would receive them: one upsert per version (or
    /// the delete, or the append). Merged into a replica that already holds the record they give
    /// the same state as the original changes would; the device uses them when it holds the
    /// record already (its own unsent work, or a restarted snapshot).
    pub fn changes(&self) -> Vec<Change> {
        let change = |hlc: HlcTimestamp, change_id: Uuid, op: Op| Change {
            id: change_id,
            entity: self.entity.clone(),
            record_id: self.record_id,
            op,
            hlc,
            device_id: hlc.node,
        };
        match &self.state {
            SnapshotState::Live { versions } => versions
                .iter()
                .map(|v| {
                    change(
                        v.hlc,
                        v.change_id,
                        Op::Upsert {
                            fields: v.fields.clone(),
                        },
                    )
                })
                .collect(),
            SnapshotState::Deleted { hlc, change_id } => vec![change(*hlc, *change_id, Op::Delete)],
            SnapshotState::Appended {
                record,
                hlc,
                change_id,
            } => vec![change(
                *hlc,
                *change_id,
                Op::Append {
                    record: record.clone(),
                },
            )],
        }
    }
}
