//! Domain model: one module per aggregate. Plain data plus the rules that need no storage
//! (validation, allowed state transitions); repositories in [`crate::store`] persist them.

pub mod audit;
pub mod case;
pub mod code;
pub mod correction;
pub mod crisis_report;
pub mod discharge;
pub mod household;
pub mod note;
pub mod org;
pub mod outreach;
pub mod person;
pub mod referral;
pub mod service;
pub mod validate;
pub mod visit;
pub mod volunteer;
pub mod wellness;
pub mod worker;

/// The codes a 서울형 긴급복지 service record carries (defined with the eligibility rules that read them).
pub use crate::eligibility::codes::{CrisisReason, SupportKind};
pub use case::{Case, CaseClassification, CaseStage, ClosureCategory, ClosureReason};
pub use crisis_report::{CrisisReport, CrisisReportStatus, CrisisSign};
pub use household::{CrisisLevel, GeoPoint, Household, HouseholdTag, RiskFlag};
pub use note::CaseNote;
pub use org::{OrgUnit, OrgUnitKind};
pub use person::{Disability, Person, Relation, Sex};
pub use referral::{Referral, ReferralTarget};
pub use service::{
    EmergencySupport, ItemShape, QuantityUnit, ServiceItem, ServiceProgram, ServiceProvision,
};
pub use visit::{ContactMode, TimeWindow, Visit, VisitOutcome, VisitPurpose, VisitStatus};
pub use volunteer::{VolunteerActivity, VolunteerMonth};
pub use wellness::{Observation, WellnessCheck, WellnessChecklist};
pub use worker::{Role, Worker};

/// Record ids are UUID v7, made on the device (time-ordered, so inserts stay local in B-trees).
pub type Id = uuid::Uuid;

/// A new time-ordered id.
pub fn new_id() -> Id {
    uuid::Uuid::now_v7()
}
