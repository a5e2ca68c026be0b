//! Day-planner input: the visits due today, the workers on duty and the district's rules.

use serde::{Deserialize, Serialize};

use super::cadence::DueItem;
use super::roles::RoleClause;
use super::travel::HaversineTravel;
use crate::model::{
    ContactMode, CrisisLevel, GeoPoint, Id, RiskFlag, Role, TimeWindow, VisitPurpose,
};

/// A visit to place in the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanVisit {
    pub id: Id,
    pub household_id: Id,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    /// Where the contact happens: the home, or the centre for a 내방. `None` for phone calls (no travel).
    #[serde(default)]
    pub location: Option<GeoPoint>,
    /// The whole visit (start to end) must fit inside this window.
    pub window: TimeWindow,
    pub duration_min: u32,
    /// Roles the visit needs (e.g. from the cadence item). Risk-flag companions are added for home visits.
    #[serde(default)]
    pub required: Vec<RoleClause>,
    #[serde(default)]
    pub risk_flags: Vec<RiskFlag>,
    /// The household's 위기도. When the day is short, the planner drops by crisis level first: it never
    /// leaves out a visit to place visits of lower levels only. Level 1 when not given.
    #[serde(default = "stable")]
    pub crisis_level: CrisisLevel,
    /// Urgency within a crisis level, 0 = normal … higher = more urgent (e.g. overdue): the second key
    /// after the crisis level, before travel.
    #[serde(default)]
    pub priority: u8,
    /// Who visited last time (continuity: the same worker again where possible).
    #[serde(default)]
    pub last_workers: Vec<Id>,
    /// The volunteer whose own regular visit this is (우리동네돌봄단 정기방문).
    #[serde(default)]
    pub regular_volunteer: Option<Id>,
}

fn stable() -> CrisisLevel {
    CrisisLevel::STABLE
}

impl PlanVisit {
    /// A visit for a due item: purpose, contact mode, roles and crisis level from the item; the urgency
    /// from how overdue it is (our choice: 0 upcoming, 1 due today, 2 overdue, 3 overdue by a week or
    /// more), so that within a crisis level the planner keeps the most overdue visits when the day is full.
    pub fn from_due_item(
        id: Id,
        item: &DueItem,
        location: Option<GeoPoint>,
        window: TimeWindow,
        duration_min: u32,
    ) -> PlanVisit {
        let priority = match item.days_overdue {
            d if d >= 7 => 3,
            d if d > 0 => 2,
            0 => 1,
            _ => 0,
        };
        PlanVisit {
            id,
            household_id: item.household_id,
            purpose: item.purpose,
            contact_mode: item.suggested_mode,
            location,
            window,
            duration_min,
            required: item.required.clone(),
            risk_flags: Vec::new(),
            crisis_level: item.crisis_level,
            priority,
            last_workers: Vec::new(),
            regular_volunteer: item.assigned_worker,
        }
    }
}

/// A worker on duty today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanWorker {
    pub id: Id,
    pub roles: Vec<Role>,
    /// Working hours today.
    pub hours: TimeWindow,
    /// Where the day starts and ends (usually the 동 주민센터).
    pub start: GeoPoint,
    pub end: GeoPoint,
    /// At most this many contacts today.
    pub max_visits: u32,
}

/// District rules for planning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanRules {
    /// Two volunteers may go together on a volunteer's own regular wellness visit (purpose
    /// `wellness_check`, with that volunteer in the team). Off by default: 공무원+봉사자 is the national rule.
    pub allow_volunteer_pairs: bool,
    /// Largest team (our choice: 3 — a pair plus a required companion such as police).
    pub max_team_size: u8,
}

impl Default for PlanRules {
    fn default() -> Self {
        PlanRules {
            allow_volunteer_pairs: false,
            max_team_size: 3,
        }
    }
}

/// One 동's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInput {
    pub visits: Vec<PlanVisit>,
    pub workers: Vec<PlanWorker>,
    #[serde(default)]
    pub rules: PlanRules,
    /// The travel model used by [`super::plan_day`]; [`super::plan_day_with`] takes any [`super::TravelTime`].
    #[serde(default)]
    pub travel: HaversineTravel,
}
