//! Visit cadence and two-person (2인 1조) day planning (issue 6).
//!
//! - [`cadence`]: rules turn households and their history into due items (위기 weekly, 경계 monthly, 65·70세
//!   보편방문, 출산 가구, 사후관리, 의뢰 회신 기한, 돌봄단 정기방문, 3개월 연락 두절 → 종결 검토) and an agenda of
//!   overdue / today / upcoming.
//! - [`planner`]: the day plan — teams (pairs or more) and an ordered, timed route for each, with a true reason
//!   for every visit left out. Deterministic: no clock, no randomness, no hash-map order.
//! - [`replan`]: a worker drops out mid-day → re-plan the rest, keeping started or done visits and changing as
//!   few other assignments as possible.
//!
//! - [`records`]: the same cadence input built from a 동's stored records (phone and server alike).
//!
//! The module depends on no store: it takes plain input structs and returns plain outputs (all serde).
//!
//! ## Time convention
//! Calendar dates (`NaiveDate`) are local dates in Asia/Seoul (KST, UTC+9, no daylight saving); use
//! [`seoul_today`] to get one from an instant. Instants in the planner (`TimeWindow`, working hours, planned
//! times) are `DateTime<Utc>`; messages show them in KST.

pub mod cadence;
pub mod config;
mod ctx;
mod explain;
mod formation;
pub mod input;
pub mod output;
pub mod planner;
pub mod records;
pub mod replan;
pub mod roles;
mod route;
mod routing;
pub mod team_day;
pub mod travel;

pub use cadence::{
    agenda, due_items, AfterCareClass, Agenda, CadenceHousehold, CadenceInput, CaseClosure,
    Discharge, DueItem, DueReason, Referral, UniversalCohort, UniversalVisitRecord,
    VolunteerAssignment,
};
pub use config::CadenceConfig;
pub use input::{PlanInput, PlanRules, PlanVisit, PlanWorker};
pub use output::{Plan, PlanCost, PlannedStop, TeamPlan, UnplannedCode, UnplannedVisit};
pub use planner::{plan_day, plan_day_with, plan_district};
pub use records::{cadence_input, due_agenda, DueRecords};
pub use replan::{replan_after_dropout, AssignmentChange, ReplanInput, ReplanResult};
pub use roles::RoleClause;
pub use travel::{HaversineTravel, TravelTime};

use chrono::{DateTime, NaiveDate, Utc};

pub use crate::clock::kst;

/// The calendar date in Seoul at `now` (the date a 동 team calls "today").
pub fn seoul_today(now: DateTime<Utc>) -> NaiveDate {
    crate::clock::local_date(now)
}

/// `HH:MM` in KST, for messages.
pub(crate) fn kst_hm(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst()).format("%H:%M").to_string()
}
