//! End-to-end test support (issue 7): real sync-server processes on loopback, real device stores,
//! and a fault-injecting HTTP proxy between them. The suites are in `tests/tests/`; see
//! `tests/README.md`.
//!
//! - [`proxy`]: drops requests, drops responses after the server committed, duplicates and delays;
//! - [`rng`]: a tiny seeded generator, so that a failing run can be replayed from its seed;
//! - [`workload`]: the random repository writes of the core's device-sync tests (one source, shared
//!   by path), so that devices here do what a worker's day does.

pub mod proxy;
pub mod rng;

#[path = "../../core/tests/sync/device_common.rs"]
pub mod workload;
