//! Storage (저장소) of the sync server, behind two traits so that the embedded SQLite store (the
//! default) and the PostgreSQL store (several nodes on one database) are interchangeable:
//!
//! - [`ChangeStore`]: the change log with its sequence numbers and the merged state per record —
//!   exactly the behaviour of `donghaeng_core::sync::MemoryServer`;
//! - [`AuthStore`]: org units, users, enrolment codes, devices and access tokens;
//! - [`Directory`]: the operator's listings of units, users and devices (no credentials).
//!
//! The traits use only protocol and core types (no SQLite types) and return boxed futures, so they are
//! object-safe (`Arc<dyn ChangeStore>`) without an extra macro crate.

pub mod auth;
pub mod directory;
mod legacy_state;
pub mod postgres;
pub mod sqlite;
#[doc(hidden)]
pub mod synthetic;

use std::future::Future;
use std::pin::Pin;

use donghaeng_core::sync::packed::StoredState;
use donghaeng_core::sync::validate::DEFAULT_PULL_PAGE_BYTES;
use donghaeng_core::sync::{
    Change, PullRequest, PullResponse, PushRequest, PushResponse, RecordRef, SeqChange,
};
use donghaeng_core::{CoreError, CoreResult};
use uuid::Uuid;

pub use auth::{
    AuthStore, DeviceCredential, EnrolmentCode, IssuedToken, LoginAttempt, LoginState, Privilege,
    TokenOwner, UserInfo, WebAccount, WebSession, ENROL_RETRY_WINDOW_MS,
};
pub use directory::{DeviceEntry, Directory, UnitEntry, UserEntry};

/// A boxed, sendable future: what every storage method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = CoreResult<T>> + Send + 'a>>;

/// The feed keys (배포 범위 키) a change is stored under: a pull by scope reads only the changes
/// under one of its device's keys (`docs/sync.md`, "Feed by scope"). The keys are unit ids (a
/// household's 동, a worker's team, a configuration's unit), user ids (a user's own reports,
/// activities and safety sessions), household ids, and [`EVERYONE`]. No keys: no device's feed
/// reads it (the audit trail, read on the server only).
pub type FeedKeys = Vec<Uuid>;

/// The key every device's feed reads (the read rule then decides): org units, and what was stored
/// without knowing where it belongs (the server's own safety events, a log older than the keys).
pub const EVERYONE: Uuid = Uuid::nil();

/// What a pull reads of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feed {
    /// Only the changes stored under one of these keys (`None`: the whole log).
    pub keys: Option<Vec<Uuid>>,
    /// Never the changes this device wrote: it holds them already.
    pub except_device: Option<Uuid>,
}

/// A push as the store takes it: the device's request, for each of its changes the keys of the
/// feeds that read it, the server's own records of it, and the log position it was judged on.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedPush {
    pub req: PushRequest,
    /// One list per change of `req`, in order.
    pub keys: Vec<FeedKeys>,
    pub attached: Vec<Attached>,
    /// The last sequence number the judge of this push had read: if the log has moved on since
    /// (another node stored a push), nothing is stored and the push fails with `judged_stale`, so
    /// that the caller judges it again on the log as it is. `None`: not judged on the log.
    pub judged_at: Option<u64>,
}

impl KeyedPush {
    /// A push whose changes every feed reads (the read rule alone decides who receives them).
    pub fn for_everyone(req: PushRequest, attached: Vec<Attached>) -> KeyedPush {
        KeyedPush {
            keys: vec![vec![EVERYONE]; req.changes.len()],
            req,
            attached,
            judged_at: None,
        }
    }

    /// Structural checks the stores share: a key list per change.
    fn check(&self) -> CoreResult<()> {
        if self.keys.len() != self.req.changes.len() {
            return Err(CoreError::storage(format!(
                "{} feed key lists for {} changes",
                self.keys.len(),
                self.req.changes.len()
            )));
        }
        Ok(())
    }
}

/// Refuses a push judged on a log that has moved on (`KeyedPush::judged_at`): one rule for every
/// store, checked under the store's write lock.
pub fn check_judged_at(push: &KeyedPush, last_seq: u64) -> CoreResult<()> {
    push.check()?;
    match push.judged_at {
        Some(at) if at != last_seq => Err(judged_stale()),
        _ => Ok(()),
    }
}

/// The push was judged on an older log than the store holds now; the caller judges it again.
pub fn judged_stale() -> CoreError {
    CoreError::conflict(
        "judged_stale",
        "다른 서버가 그 사이에 기록을 저장했습니다. 다시 판단합니다.",
        "another node stored changes since this push was judged; it is judged again",
    )
}

/// A record the server writes with a device's push, in the same transaction (an audit entry of what
/// the push changed): stored only if at least one of the changes it is `about` was accepted, so an
/// acknowledged change always has its entry and a retried push (all duplicates) adds none.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    /// A change under one of the server's own device ids.
    pub change: Change,
    /// Ids of pushed changes it is about.
    pub about: Vec<Uuid>,
    /// The feeds that read it.
    pub keys: FeedKeys,
}

/// The attached records a push must store, given the changes it accepted (one rule for every store).
pub fn attached_to_store<'a>(
    attached: &'a [Attached],
    accepted: &[Uuid],
) -> impl Iterator<Item = &'a Attached> {
    let accepted: std::collections::HashSet<Uuid> = accepted.iter().copied().collect();
    attached
        .iter()
        .filter(move |a| a.about.iter().any(|id| accepted.contains(id)))
}

/// A server record of a push that its merge refuses: a fault of the server's own making, so the
/// push aborts as a storage failure (no accepted change is stored without its record).
pub fn attached_refused(e: CoreError) -> CoreError {
    if e.kind == donghaeng_core::ErrorCode::Storage {
        return e;
    }
    CoreError::storage(format!(
        "a server record of the push was refused: {}",
        e.code
    ))
}

/// A page of one entity's changes from up to `limit` + 1 rows (seq, body).
pub(crate) fn entity_page(
    rows: Vec<(i64, String)>,
    after_seq: u64,
    limit: u32,
    log_end: u64,
    now_ms: i64,
) -> CoreResult<PullResponse> {
    let has_more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len());
    for (seq, body) in rows.into_iter().take(limit as usize) {
        let change: Change = serde_json::from_str(&body)
            .map_err(|e| CoreError::storage(format!("corrupt change at seq {seq}: {e}")))?;
        changes.push(SeqChange {
            seq: u64::try_from(seq).unwrap_or(0),
            change,
        });
    }
    let next_seq = match changes.last() {
        Some(last) if has_more => last.seq,
        _ => log_end.max(after_seq),
    };
    Ok(PullResponse::page(changes, next_seq, has_more, now_ms))
}

/// The change log and merged state.
pub trait ChangeStore: Send + Sync {
    /// Handles a push judged at server time `now_ms`, as `MemoryServer::push` does: the whole batch is
    /// validated first (an error refuses it whole, nothing stored), and its judgement checked
    /// against the log ([`check_judged_at`]); then per change duplicate, `change_id_reused`,
    /// `clock_ahead`, or merged and stored under the next sequence number with its feed keys — all
    /// in one transaction, so a crash stores all of the batch or none of it. The [`Attached`]
    /// records whose changes were accepted are stored in the same transaction, after the batch (an
    /// attached record that cannot be stored fails the whole push).
    fn push_keyed(&self, push: KeyedPush, now_ms: i64) -> StoreFuture<'_, PushResponse>;

    /// A push every feed reads, with the server's records of it.
    fn push_attached(
        &self,
        req: PushRequest,
        attached: Vec<Attached>,
        now_ms: i64,
    ) -> StoreFuture<'_, PushResponse> {
        self.push_keyed(KeyedPush::for_everyone(req, attached), now_ms)
    }

    /// A push with nothing attached, every feed reads.
    fn push(&self, req: PushRequest, now_ms: i64) -> StoreFuture<'_, PushResponse> {
        self.push_attached(req, Vec::new(), now_ms)
    }

    /// Handles a pull, as `MemoryServer::pull` does with the same page byte budget: the changes
    /// after `after_seq`, ascending, as many as `PageBudget` admits for the effective limit and
    /// `max_bytes` — at least one, and without reading the bodies of changes that do not fit. Only
    /// committed changes are seen, and sequence numbers commit in order. The resume point is the
    /// scope filter's (`routes::sync`): the store never sets one.
    ///
    /// With a [`Feed`], only the changes it reads count: the page holds the next of them, and when
    /// it holds all of them up to the log's end, `next_seq` is the log's end as the same read saw
    /// it (the changes in between concern other devices).
    fn pull_feed(
        &self,
        req: PullRequest,
        feed: Feed,
        max_bytes: usize,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse>;

    /// A page of the whole log.
    fn pull_page(
        &self,
        req: PullRequest,
        max_bytes: usize,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse> {
        self.pull_feed(req, Feed::default(), max_bytes, now_ms)
    }

    /// [`ChangeStore::pull_page`] with the default budget (`DEFAULT_PULL_PAGE_BYTES`): what the
    /// server's own readers of the log use (scope index, safety monitor, dashboard).
    fn pull(&self, req: PullRequest, now_ms: i64) -> StoreFuture<'_, PullResponse> {
        self.pull_page(req, DEFAULT_PULL_PAGE_BYTES, now_ms)
    }

    /// The changes of one entity after `after_seq`, ascending, at most `limit` (read through the
    /// log's entity index, not the whole log). When they are all in the page, `next_seq` is the
    /// log's end as the same read saw it; otherwise the last one's.
    fn pull_entity(
        &self,
        entity: &'static str,
        after_seq: u64,
        limit: u32,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse>;

    /// The highest sequence number given out (0 when empty).
    fn last_seq(&self) -> StoreFuture<'_, u64>;

    /// The merged state of these records, those the store holds, in the order asked, as stored
    /// (a snapshot page writes each straight from its bytes, docs/sync.md "Snapshot"). One
    /// consistent read: each record as of one moment.
    fn records(&self, keys: Vec<RecordRef>) -> StoreFuture<'_, Vec<(RecordRef, StoredState)>>;

    /// The merged state in the format of `Replica::canonical_dump` (one JSON line per record): equal
    /// dumps mean equal state. For tests and audits; it reads everything.
    fn canonical_dump(&self) -> StoreFuture<'_, String>;
}
