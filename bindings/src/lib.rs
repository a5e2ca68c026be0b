//! # donghaeng-ffi — the uniffi facade over `donghaeng-core`
//!
//! A thin layer for the Android (Kotlin) and iOS (Swift) shells, and Python for tests: it converts and
//! delegates, and decides nothing about the domain.
//!
//! - [`store::DonghaengStore`]: the local database as one object (`open(path)`, `close()`, one method per
//!   repository operation the app needs, `generate_synthetic_dong` for demos and tests).
//! - [`error::DonghaengError`] (Kotlin `DonghaengException`): one variant per core error kind plus
//!   `Closed`, each with `code`, `field`, `ko`, `en`.
//! - [`records`] and [`enums`]: what crosses the boundary. Ids are strings, dates `"YYYY-MM-DD"`,
//!   instants `i64` milliseconds since the Unix epoch; enums mirror the core's ([`convert`]).
//!
//! Bindings are generated from the built library by `bindings/scripts/generate.sh`.

uniffi::setup_scaffolding!();

pub mod convert;
pub mod enums;
pub mod error;
pub mod records;
pub mod store;

pub use enums::*;
pub use error::DonghaengError;
pub use records::*;
pub use store::{crisis_level_label, DonghaengStore};
