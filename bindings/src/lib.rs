//! # donghaeng-ffi — the uniffi facade over `donghaeng-core`
//!
//! A thin layer for the Android (Kotlin) and iOS (Swift) shells, and Python for tests: it converts and
//! delegates, and decides nothing about the domain.
//!
//! - [`store::DonghaengStore`]: the local database as one object (`open(path, key)` — encrypted with
//!   the 32-byte key from the platform keystore, `rekey`, `close()`, one method per
//!   repository operation the app needs, `generate_synthetic_dong` for demos and tests).
//! - [`eligibility::EligibilityEngine`]: a household (the core's JSON) in, decisions with every check
//!   and the Korean explanation out; `eligibility_programs()`.
//! - [`schedule`]: `cadence_agenda` (what is due and why) and `plan_day` (2인 1조 teams and routes).
//! - [`safety::SafetySession`] over the core's safety monitor, with the foreign trait
//!   [`safety::SafetyAlarmListener`] the app implements.
//! - [`sync::SyncClient`] (sync now against a server) with the foreign trait
//!   [`sync::SyncProgressListener`].
//! - [`account::DeviceAccount`]: enrol with the team lead's code, keep the credential in the
//!   app's [`account::CredentialVault`] (Keystore / Keychain), sync with renewed tokens, clear on
//!   revocation; `parse_enrolment_input` (code or QR), `advice_for` (what to show after a failure).
//! - `DonghaengError` (Kotlin `DonghaengException`, the core's `ffi::DonghaengError`): one variant per
//!   core error kind plus `WrongKey` and `Closed`, each with `code`, `field`, `ko`, `en`.
//! - [`services`]: the service item catalogue (`service_item_info`, `service_items`): each item's
//!   program and what its record carries, for the 서비스 제공 기록 forms.
//! - The core's records and enums cross as they are (its `uniffi` feature: ids as strings, dates
//!   `"YYYY-MM-DD"`, instants `i64` milliseconds in fields named `…_ms`); [`records`] holds the few
//!   whose shape here differs, each with its reason. Kotlin finds them in `kr.donghaeng.core`.
//!
//! Bindings are generated from the built library by `bindings/scripts/generate.sh`.

uniffi::setup_scaffolding!();

// The core's boundary types implement uniffi's traits for the core's tag; these make them this
// crate's too.
use chrono::NaiveDate;
use donghaeng_core::ffi::UtcInstant;
use uuid::Uuid;
uniffi::use_remote_type!(donghaeng_core::Uuid);
uniffi::use_remote_type!(donghaeng_core::NaiveDate);
uniffi::use_remote_type!(donghaeng_core::UtcInstant);

pub mod account;
pub mod eligibility;
pub mod error;
pub mod records;
pub mod safety;
pub mod schedule;
pub mod services;
pub mod store;
pub mod sync;

pub use error::{DonghaengError, ListenerError};
pub use records::*;
pub use services::{service_item_info, service_items, ServiceItemInfo, ServiceItemShape};
pub use store::{crisis_level_label, encrypt_plain_database, is_plain_database, DonghaengStore};
