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
//! The core knows nothing of HTTP servers, and of FFI only what the optional `uniffi` feature adds:
//! derives on its types and the boundary's conversions ([`ffi`]), so that the `bindings` crate can hand
//! them to the shells as they are instead of mirroring them. The `sync-server` crate builds on it too.

pub mod clock;
pub mod eligibility;
pub mod error;
#[cfg(feature = "uniffi")]
pub mod ffi;
pub mod figures;
pub mod model;
pub mod safety;
pub mod schedule;
pub mod store;
pub mod sync;
pub mod synthetic;

pub use error::{CoreError, CoreResult, ErrorCode};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
