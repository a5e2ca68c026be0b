//! Sync (동기화): hybrid logical clock, change records, the merge rules and the protocol messages,
//! shared by the device and the server. See `docs/sync.md` and issue 7.
//!
//! This module is pure and deterministic: no SQLite, no network, no reading of the system clock (time
//! is passed in as `now_ms`). The device's change capture and the server's storage build on it and
//! must agree with the in-memory reference ([`replica::Replica`], [`memory_server::MemoryServer`]).
//!
//! - [`hlc`]: timestamps, the clock, the skew rule, the device's clock offset;
//! - [`entity`](mod@entity): which tables sync and how they merge;
//! - [`change`]: one change to one record;
//! - [`protocol`]: push / pull messages, protocol version, error body;
//! - [`enrolment`]: enrolment and access-token messages;
//! - [`config_docs`]: configuration the server publishes to devices;
//! - [`validate`]: checks of incoming batches, with limits;
//! - [`merge`]: the merge of one change into one record (decision, plan, new state);
//! - [`replica`]: the in-memory reference replica and its canonical dump;
//! - [`admission`]: what a server does with each change of a push before merging it;
//! - [`memory_server`]: the server's behaviour (idempotent push, sequence numbers, pages);
//! - [`restamp`]: how a device whose clock ran ahead recovers;
//! - [`snapshot`]: a first sync from the merged state instead of the whole log;
//! - [`device`]: the device's HTTP sync client (the SQLite side is `crate::store::device_sync`).

pub mod admission;
pub mod change;
pub mod config_docs;
pub mod device;
pub mod enrolment;
pub mod entity;
pub mod field_types;
pub mod hlc;
pub mod memory_server;
pub mod merge;
pub mod packed;
pub mod protocol;
pub mod replica;
pub mod restamp;
pub mod snapshot;
pub mod validate;

pub use change::{Change, Fields, Op, RecordRef};
pub use enrolment::{DeviceCredential, EnrolRequest, TokenRequest, TokenResponse};
pub use entity::{entity, known_entity, EntityKind, EntitySpec, ENTITIES};
pub use hlc::{ClockOffset, HlcTimestamp, HybridClock, SkewPolicy};
pub use memory_server::MemoryServer;
pub use merge::{decide, plan, Applied, Current, Decision, Plan, Skip};
pub use protocol::{
    ErrorBody, ProtocolVersion, PullRequest, PullResponse, PullResume, PushRequest, PushResponse,
    RejectedChange, SeqChange,
};
pub use replica::{FieldVersion, RecordState, Replica};
pub use snapshot::{SnapshotRecord, SnapshotRequest, SnapshotResponse, SnapshotState};
