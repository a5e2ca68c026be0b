//! Messages of the sync protocol (동기화 프로토콜), shared by the device client and the server.
//!
//! All are JSON objects that refuse unknown fields, so a typo or a peer speaking another version is
//! an error, never silently ignored data.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::change::{Change, RecordRef};
use crate::{CoreError, CoreResult};

/// Protocol versions. The server accepts the current version and the one before it, so devices can
/// update over weeks while the server is updated first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolVersion;

impl ProtocolVersion {
    /// The version this build speaks. Version 2 added the backfill resume point of a pull
    /// ([`PullResume`]); a version-1 peer neither sends nor receives it.
    pub const CURRENT: u32 = 2;
    /// The oldest version this build still accepts (`CURRENT - 1`, but never below 1).
    pub const MIN_ACCEPTED: u32 = if Self::CURRENT > 1 {
        Self::CURRENT - 1
    } else {
        1
    };

    /// Whether a peer speaking `v` is served.
    pub fn is_accepted(v: u32) -> bool {
        (Self::MIN_ACCEPTED..=Self::CURRENT).contains(&v)
    }

    /// Refuses (`protocol_version_unsupported`) a version outside the accepted range.
    pub fn check(v: u32) -> CoreResult<()> {
        if Self::is_accepted(v) {
            return Ok(());
        }
        let (min, cur) = (Self::MIN_ACCEPTED, Self::CURRENT);
        Err(CoreError::invalid(
            "protocol_version_unsupported",
            "protocol_version",
            format!(
                "지원하지 않는 동기화 프로토콜 버전입니다: {v} (지원 {min}–{cur}). 앱을 업데이트하세요."
            ),
            format!("unsupported sync protocol version {v} (supported {min}–{cur}); update the app"),
        ))
    }
}

/// A device hands over (part of) its outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub protocol_version: u32,
    /// The pushing device; every change must have been made by it.
    pub device_id: Uuid,
    /// The changes, oldest first (the server does not rely on the order: merging commutes).
    pub changes: Vec<Change>,
}

/// What became of a push. A change id appears in exactly one of `accepted`, `duplicates` and
/// `rejected`; the device removes accepted and duplicate ids from its outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    /// Stored now, each under a new sequence number.
    pub accepted: Vec<Uuid>,
    /// Stored before (a retried push): nothing was stored twice.
    pub duplicates: Vec<Uuid>,
    /// Refused, one reason each; nothing of them was stored.
    pub rejected: Vec<RejectedChange>,
    /// The highest sequence number on the server after this push.
    pub server_seq: u64,
    /// The server's clock (ms since the epoch, UTC) when it answered: the device corrects its clock
    /// offset from it.
    pub server_time_ms: i64,
}

/// One refused change of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedChange {
    pub id: Uuid,
    /// Stable code, e.g. `clock_ahead`, `change_id_reused`, `out_of_scope`.
    pub code: String,
    pub ko: String,
    pub en: String,
}

impl RejectedChange {
    pub fn from_error(id: Uuid, e: &CoreError) -> Self {
        RejectedChange {
            id,
            code: e.code.to_owned(),
            ko: e.ko.clone(),
            en: e.en.clone(),
        }
    }
}

/// A device asks for what is new after its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub protocol_version: u32,
    /// The last sequence number the device has applied (0 for a new device).
    pub after_seq: u64,
    /// Page size wanted; the server may send fewer (it caps it at [`super::validate::MAX_PULL_LIMIT`]
    /// and at its page byte budget).
    pub limit: u32,
    /// Version 2: the resume point of the previous page, sent back as it came (the device keeps it
    /// with its cursor). Absent when the previous page had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<PullResume>,
}

impl PullResponse {
    /// A page as a store reads it: no purge and no resume point (those are the scope filter's).
    pub fn page(
        changes: Vec<SeqChange>,
        next_seq: u64,
        has_more: bool,
        server_time_ms: i64,
    ) -> Self {
        PullResponse {
            changes,
            next_seq,
            has_more,
            purge: Vec::new(),
            server_time_ms,
            resume: None,
        }
    }
}

impl PullRequest {
    /// A request of the current version with no resume point.
    pub fn new(after_seq: u64, limit: u32) -> PullRequest {
        PullRequest {
            protocol_version: ProtocolVersion::CURRENT,
            after_seq,
            limit,
            resume: None,
        }
    }
}

/// Where a page stopped inside a backfill (protocol version 2, `docs/sync.md` "Pull pages"): the
/// change at `seq` (= the page's `next_seq + 1`) brought a household into the device's scope, and
/// of that household's earlier changes the ones up to `backfill_after` have been sent. The next
/// pull, after `next_seq` with this resume point, goes on from there; without it the backfill
/// starts again (harmless, merely repeated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResume {
    pub seq: u64,
    pub backfill_after: u64,
}

/// A stored change with its server sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeqChange {
    pub seq: u64,
    pub change: Change,
}

/// One page of a pull. The device applies `changes` and `purge` and moves its cursor to `next_seq`
/// in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    /// Changes with `seq > after_seq`, ascending by seq.
    pub changes: Vec<SeqChange>,
    /// The cursor for the next pull: the seq of the last change sent, or `after_seq` if none.
    pub next_seq: u64,
    /// More changes wait after `next_seq`.
    pub has_more: bool,
    /// Records the device may no longer hold (its scope shrank): delete them locally, with no
    /// tombstone and no change of its own.
    pub purge: Vec<RecordRef>,
    /// The server's clock when it answered (see [`PushResponse::server_time_ms`]).
    pub server_time_ms: i64,
    /// Version 2: set when the page stopped inside a backfill (its byte budget was reached); the
    /// device stores it with its cursor, in the same transaction, and sends it with the next pull.
    /// Never sent to a version-1 device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<PullResume>,
}

/// The body of every 4xx / 5xx answer: a stable code, the field concerned and a message in Korean and
/// English. `server_time_ms` lets a device correct its clock even from an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub ko: String,
    pub en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<i64>,
    /// For a push refused whole because some of its changes may not be written (`out_of_scope`,
    /// HTTP 403): which changes, each with its reason. Nothing of the batch was stored; the device
    /// sets these aside (`sync_refused`) and pushes the rest again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RejectedChange>,
}

impl From<&CoreError> for ErrorBody {
    fn from(e: &CoreError) -> Self {
        ErrorBody {
            code: e.code.to_owned(),
            field: e.field.clone(),
            ko: e.ko.clone(),
            en: e.en.clone(),
            server_time_ms: None,
            refused: Vec::new(),
        }
    }
}
