//! Day-planner output: teams with timed routes, visits left out with their reason, and the cost.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::roles::RoleClause;
use crate::model::Id;

/// One contact on a team's route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PlannedStop {
    pub visit_id: Id,
    /// When the team gets there (may wait until `start`).
    #[cfg_attr(feature = "uniffi", uniffi(name = "arrive_ms"))]
    pub arrive: DateTime<Utc>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "start_ms"))]
    pub start: DateTime<Utc>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "end_ms"))]
    pub end: DateTime<Utc>,
    /// Seconds of travel on the leg that leads here (the slowest member on the first leg).
    pub travel_s: i64,
}

/// A team (pair or more) and its route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TeamPlan {
    #[cfg_attr(feature = "uniffi", uniffi(name = "worker_ids"))]
    pub workers: Vec<Id>,
    pub stops: Vec<PlannedStop>,
    /// Person-seconds of travel of the team (every member's legs, including from start and back to end).
    pub travel_s: i64,
}

crate::code_enum! {
    /// Why a visit was left out.
    pub enum UnplannedCode: "unplanned.code" {
        /// A home visit with no location.
        MissingLocation = ("missing_location", "위치 정보 없음", "no location"),
        /// Nobody on duty has a required role (or no staff member / not enough people for a pair).
        RoleUnavailable = ("role_unavailable", "필요한 역할의 인력 없음", "required role unavailable"),
        /// People with the roles exist but their hours do not cover the window.
        NoneInHours = ("none_in_hours", "근무시간 내 가능한 인력 없음", "nobody qualified on duty in the window"),
        /// No team of today's plan has the required make-up.
        NoQualifiedTeam = ("no_qualified_team", "조건을 갖춘 팀 없음", "no team with the required make-up"),
        /// Every qualified team is fully booked in the window (time, travel or visit limit).
        TeamsFullyBooked = ("teams_fully_booked", "가능한 팀 일정 없음", "every qualified team is fully booked"),
    }
}

/// A visit left out, with a reason that is true of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UnplannedVisit {
    pub visit_id: Id,
    pub code: UnplannedCode,
    /// The role clauses concerned, if any.
    pub roles: Vec<RoleClause>,
    pub ko: String,
    pub en: String,
    /// The household's 위기도 (1–5).
    pub crisis_level: u8,
    /// The visit's rank and, when the day was short, how the visits made instead rank against it.
    pub priority_ko: String,
    pub priority_en: String,
}

/// The planned cost (lower is better). Units: seconds, so terms add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanCost {
    /// Person-seconds of travel.
    pub travel_s: i64,
    /// Visits without any of last time's workers × the continuity penalty.
    pub continuity_s: i64,
    /// Load balance term: Σ per team of a weight × stops².
    pub balance_s: i64,
    /// Visits left out × their penalty.
    pub unplanned_s: i64,
    pub total: i64,
}

/// A day plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub teams: Vec<TeamPlan>,
    pub unplanned: Vec<UnplannedVisit>,
    pub cost: PlanCost,
}
