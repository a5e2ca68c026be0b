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
pub mod postgres;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;

use donghaeng_core::sync::validate::DEFAULT_PULL_PAGE_BYTES;
use donghaeng_core::sync::{
    Change, PullRequest, PullResponse, PushRequest, PushResponse, RecordRef, RecordState,
};
use donghaeng_core::CoreResult;
use uuid::Uuid;

pub use auth::{
    AuthStore, DeviceCredential, EnrolmentCode, IssuedToken, LoginAttempt, LoginState, Privilege,
    TokenOwner, UserInfo, WebAccount, WebSession, ENROL_RETRY_WINDOW_MS,
};
pub use directory::{DeviceEntry, Directory, UnitEntry, UserEntry};

/// A boxed, sendable future: what every storage method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = CoreResult<T>> + Send + 'a>>;

/// A record the server writes with a device's push, in the same transaction (an audit entry of what
/// the push changed): stored only if at least one of the changes it is `about` was accepted, so an
/// acknowledged change always has its entry and a retried push (all duplicates) adds none.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    /// A change under one of the server's own device ids.
    pub change: Change,
    /// Ids of pushed changes it is about.
    pub about: Vec<Uuid>,
}

/// The attached records a push must store, given the changes it accepted (one rule for every store).
pub fn attached_to_store<'a>(
    attached: &'a [Attached],
    accepted: &[Uuid],
) -> impl Iterator<Item = &'a Change> {
    let accepted: std::collections::HashSet<Uuid> = accepted.iter().copied().collect();
    attached
        .iter()
        .filter(move |a| a.about.iter().any(|id| accepted.contains(id)))
        .map(|a| &a.change)
}

/// The change log and merged state.
pub trait ChangeStore: Send + Sync {
    /// Handles a push judged at server time `now_ms`, as `MemoryServer::push` does: the whole batch is
    /// validated first (an error refuses it whole, nothing stored); then per change duplicate,
    /// `change_id_reused`, `clock_ahead`, or merged and stored under the next sequence number — all in
    /// one transaction, so a crash stores all of the batch or none of it. The [`Attached`] records
    /// whose changes were accepted are stored in the same transaction, after the batch (an attached
    /// record that cannot be stored fails the whole push).
    fn push_attached(
        &self,
        req: PushRequest,
        attached: Vec<Attached>,
        now_ms: i64,
    ) -> StoreFuture<'_, PushResponse>;

    /// A push with nothing attached.
    fn push(&self, req: PushRequest, now_ms: i64) -> StoreFuture<'_, PushResponse> {
        self.push_attached(req, Vec::new(), now_ms)
    }

    /// Handles a pull, as `MemoryServer::pull` does with the same page byte budget: the changes
    /// after `after_seq`, ascending, as many as `PageBudget` admits for the effective limit and
    /// `max_bytes` — at least one, and without reading the bodies of changes that do not fit. Only
    /// committed changes are seen, and sequence numbers commit in order. The resume point is the
    /// scope filter's (`routes::sync`): the store never sets one.
    fn pull_page(
        &self,
        req: PullRequest,
        max_bytes: usize,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse>;

    /// [`ChangeStore::pull_page`] with the default budget (`DEFAULT_PULL_PAGE_BYTES`): what the
    /// server's own readers of the log use (scope index, safety monitor, dashboard).
    fn pull(&self, req: PullRequest, now_ms: i64) -> StoreFuture<'_, PullResponse> {
        self.pull_page(req, DEFAULT_PULL_PAGE_BYTES, now_ms)
    }

    /// The highest sequence number given out (0 when empty).
    fn last_seq(&self) -> StoreFuture<'_, u64>;

    /// The merged state of these records, those the store holds, in the order asked (a snapshot
    /// page, docs/sync.md "Snapshot"). One consistent read: each record as of one moment.
    fn records(&self, keys: Vec<RecordRef>) -> StoreFuture<'_, Vec<(RecordRef, RecordState)>>;

    /// The merged state in the format of `Replica::canonical_dump` (one JSON line per record): equal
    /// dumps mean equal state. For tests and audits; it reads everything.
    fn canonical_dump(&self) -> StoreFuture<'_, String>;
}
