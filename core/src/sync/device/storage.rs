//! What the sync client needs of the phone's store (기기 저장소 계약): [`super::SyncClient`] drives
//! this trait and the SQLite store implements it (`crate::store::device_sync`), so the sync code
//! does not depend on the store. Each method is one transaction of the store.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::sync::protocol::{PullResponse, PullResume, PushResponse, RejectedChange};
use crate::sync::snapshot::SnapshotOrder;
use crate::sync::{Change, RecordRef, SnapshotResponse};
use crate::CoreResult;

/// The phone's side of a sync.
pub trait SyncStorage: Sync {
    /// This device's id (made when the store was first opened).
    fn device_id(&self) -> CoreResult<Uuid>;
    /// The device's time now, in ms (the store's clock).
    fn now_ms(&self) -> i64;
    /// The enrolment retry key: the one kept, or a new one made and saved before it is sent.
    fn enrol_retry_key(&self) -> CoreResult<String>;
    /// Forgets the enrolment retry key: the credential reached the app.
    fn forget_enrol_retry_key(&self) -> CoreResult<()>;
    /// Records a sync's outcome (`None`: success; else the error code) for the sync screen.
    fn record_sync_outcome(&self, at_ms: i64, error: Option<&str>) -> CoreResult<()>;
    /// At most `limit` outbox changes, oldest stamp first.
    fn outbox(&self, limit: usize) -> CoreResult<Vec<Change>>;
    /// Number of changes waiting to be pushed.
    fn outbox_len(&self) -> CoreResult<u64>;
    /// Moves the outbox changes among `refused` aside for good; returns those it moved.
    fn set_aside(&self, refused: &[RejectedChange]) -> CoreResult<Vec<RejectedChange>>;
    /// Takes a push's answer: drops what the server holds, re-stamps what it found too far ahead,
    /// sets aside what it refused.
    fn acknowledge(&self, resp: &PushResponse) -> CoreResult<PushOutcome>;
    /// Where the device stands in the feed.
    fn feed_position(&self) -> CoreResult<FeedPosition>;
    /// Applies a snapshot page and its progress in one transaction.
    fn apply_snapshot(&self, page: &SnapshotResponse) -> CoreResult<()>;
    /// Applies a pull page and moves the cursor in one transaction.
    fn apply_pull(&self, page: &PullResponse) -> CoreResult<()>;
    /// Learns the clock offset from a server time seen in any answer.
    fn learn_server_time(&self, server_time_ms: i64) -> CoreResult<()>;
}

/// What a push acknowledgement did to the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOutcome {
    /// Changes the server stored (now or before) and the outbox dropped.
    pub acknowledged: usize,
    /// Changes refused as stamped too far ahead, rewritten with new ids and sane stamps (they stay
    /// in the outbox for the next push).
    pub restamped: usize,
    /// Changes refused for another reason (moved to `sync_refused`, not pushed again).
    pub refused: Vec<RejectedChange>,
}

/// Where a device stands in the feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedPosition {
    /// The last server sequence number applied.
    pub cursor: u64,
    /// Where the last page stopped inside a backfill.
    pub resume: Option<PullResume>,
    /// A snapshot initial sync under way, if one is.
    pub snapshot: Option<SnapshotProgress>,
}

/// How far a snapshot initial sync went (docs/sync.md "Snapshot").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotProgress {
    /// The last record applied.
    pub after: Option<RecordRef>,
    /// Where the feed continues once the snapshot is complete.
    pub feed_from: u64,
    /// The order the snapshot's pages come in (`after` is a place in it). Progress kept before
    /// orders were named was in [`SnapshotOrder::ByName`].
    #[serde(default)]
    pub order: SnapshotOrder,
}
