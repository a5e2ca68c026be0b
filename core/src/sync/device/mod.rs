//! The device side of sync over the network (기기 동기화 클라이언트): [`SyncClient`] pushes the
//! store's outbox and pulls pages into it (`crate::store::device_sync` holds the SQLite side).
//!
//! - [`routes`]: the server's address, paths and token — the one place that knows the HTTP routes;
//! - [`progress`]: progress reports for long syncs;
//! - [`errors`]: one stable error code per failure kind;
//! - [`transport`]: HTTPS only (plain HTTP to loopback alone), extra trusted roots;
//! - [`client`]: the sync itself, over the phone's store as [`SyncStorage`];
//! - [`account`]: enrolment, the platform's credential vault, sync, revocation — the phone apps' flow;
//! - [`advice`]: what the worker is told after a failure, by error code;
//! - `token`: the access token the client holds and renews with the device credential.

pub mod account;
pub mod advice;
pub mod client;
mod compression;
pub mod errors;
pub mod progress;
pub mod routes;
mod storage;
mod token;
pub mod transport;

pub use account::{CredentialVault, DeviceAccount, EnrolledUser};
pub use advice::{advice_for, Advice, NextStep};
pub use client::{SyncClient, SyncReport};
pub use progress::{SyncPhase, SyncProgress};
pub use routes::Routes;
pub use storage::{FeedPosition, PushOutcome, SnapshotProgress, SyncStorage};
