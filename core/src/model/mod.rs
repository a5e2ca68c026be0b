//! Domain model: one module per aggregate. Plain data plus the rules that need no storage
//! (validation, allowed state transitions); repositories in [`crate::store`] persist them.

pub mod code;
pub mod household;
pub mod org;
pub mod visit;
pub mod worker;

pub use household::{CrisisLevel, GeoPoint, Household, HouseholdTag, RiskFlag};
pub use org::{OrgUnit, OrgUnitKind};
pub use visit::{ContactMode, TimeWindow, Visit, VisitOutcome, VisitPurpose, VisitStatus};
pub use worker::{Role, Worker};

/// Record ids are UUID v7, made on the device (time-ordered, so inserts stay local in B-trees).
pub type Id = uuid::Uuid;

/// A new time-ordered id.
pub fn new_id() -> Id {
    uuid::Uuid::now_v7()
}
