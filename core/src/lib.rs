//! # donghaeng-core (동행)
//!
//! The offline-first core of the Donghaeng field-visit app: everything a visiting nurse, care manager,
//! welfare planner or resident volunteer needs on a phone with no signal.
//!
//! - [`store`]: the local SQLite file, migrations and one repository per aggregate;
//! - [`model`]: households, people, workers, visits, wellness checks, cases, referrals …;
//! - [`schedule`]: visit cadence and two-person (2인 1조) day planning;
//! - [`safety`]: worker safety sessions, check-ins, overdue detection, SOS, escalation;
//! - [`eligibility`]: welfare programs as dated, explained rules;
//! - [`sync`]: hybrid logical clock, change capture, merge and the sync protocol.
//!
//! The core knows nothing of FFI or HTTP servers: the `bindings` crate and the `sync-server` crate
//! build on it.

pub mod clock;
pub mod eligibility;
pub mod error;
pub mod model;
pub mod safety;
pub mod schedule;
pub mod store;
pub mod sync;
pub mod synthetic;

pub use error::{CoreError, CoreResult, ErrorCode};
