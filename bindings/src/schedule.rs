//! Scheduling (방문 주기와 2인 1조 일정) for the shells: the cadence agenda (what is due, overdue,
//! upcoming, and why) and the day planner (teams and ordered routes for the workers on duty, with a
//! reason for every visit left out). The records are the core's (`core/src/schedule/`), except a day
//! plan's visits and workers, whose windows cross as two instants each.

use chrono::{DateTime, Utc};
use donghaeng_core::model::VisitPurpose;
use donghaeng_core::model::{ContactMode, CrisisLevel, GeoPoint, RiskFlag, Role, TimeWindow};
use donghaeng_core::schedule as sc;
use uuid::Uuid;

use crate::error::FfiResult;
use crate::records::check_days;

/// Everything the cadence rules need (with the core's default intervals).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CadenceRequest {
    /// Today in Seoul.
    pub today: chrono::NaiveDate,
    pub households: Vec<sc::CadenceHousehold>,
    #[uniffi(default)]
    pub closures: Vec<sc::CaseClosure>,
    #[uniffi(default)]
    pub referrals: Vec<sc::Referral>,
    #[uniffi(default)]
    pub volunteer_assignments: Vec<sc::VolunteerAssignment>,
    #[uniffi(default)]
    pub discharges: Vec<sc::Discharge>,
}

/// The cadence agenda: overdue, due today, upcoming within the core's horizon.
#[uniffi::export]
pub fn cadence_agenda(request: CadenceRequest) -> FfiResult<sc::Agenda> {
    for v in &request.volunteer_assignments {
        check_days("cadence.volunteer.interval_days", v.interval_days)?;
    }
    Ok(sc::agenda(&sc::CadenceInput {
        today: request.today,
        households: request.households,
        closures: request.closures,
        referrals: request.referrals,
        volunteer_assignments: request.volunteer_assignments,
        discharges: request.discharges,
        config: sc::CadenceConfig::default(),
    })?)
}

/// A visit to place in the day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DayVisit {
    pub id: Uuid,
    pub household_id: Uuid,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    /// Null for a phone call (no travel).
    pub location: Option<GeoPoint>,
    pub window_start_ms: DateTime<Utc>,
    pub window_end_ms: DateTime<Utc>,
    pub duration_min: u32,
    #[uniffi(default)]
    pub required: Vec<sc::RoleClause>,
    #[uniffi(default)]
    pub risk_flags: Vec<RiskFlag>,
    /// The household's 위기도 (1–5, checked by the core): the first key when the day is short.
    #[uniffi(default = 1)]
    pub crisis_level: u8,
    /// Urgency within the crisis level: 0 normal … higher more urgent.
    #[uniffi(default)]
    pub priority: u8,
    #[uniffi(default)]
    pub last_workers: Vec<Uuid>,
    #[uniffi(default)]
    pub regular_volunteer: Option<Uuid>,
}

/// A worker on duty.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DayWorker {
    pub id: Uuid,
    pub roles: Vec<Role>,
    pub hours_start_ms: DateTime<Utc>,
    pub hours_end_ms: DateTime<Utc>,
    /// Where the day starts and ends (usually the 동 주민센터).
    pub start: GeoPoint,
    pub end: GeoPoint,
    pub max_visits: u32,
}

/// One 동's day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DayPlanRequest {
    pub visits: Vec<DayVisit>,
    pub workers: Vec<DayWorker>,
    /// Two volunteers together on a volunteer's own regular visit (off: the national rule).
    #[uniffi(default = false)]
    pub allow_volunteer_pairs: bool,
    #[uniffi(default = 3)]
    pub max_team_size: u8,
}

/// A point lifted from the shell, checked as the core checks a stored one.
fn point(p: GeoPoint) -> FfiResult<GeoPoint> {
    Ok(GeoPoint::new(p.lat, p.lon)?)
}

impl DayPlanRequest {
    fn into_core(self) -> FfiResult<sc::PlanInput> {
        let visits = self
            .visits
            .into_iter()
            .map(|v| {
                Ok(sc::PlanVisit {
                    id: v.id,
                    household_id: v.household_id,
                    purpose: v.purpose,
                    contact_mode: v.contact_mode,
                    location: v.location.map(point).transpose()?,
                    window: TimeWindow::new(v.window_start_ms, v.window_end_ms)?,
                    duration_min: v.duration_min,
                    required: v.required,
                    risk_flags: v.risk_flags,
                    crisis_level: CrisisLevel::new(i64::from(v.crisis_level))?,
                    priority: v.priority,
                    last_workers: v.last_workers,
                    regular_volunteer: v.regular_volunteer,
                })
            })
            .collect::<FfiResult<_>>()?;
        let workers = self
            .workers
            .into_iter()
            .map(|w| {
                Ok(sc::PlanWorker {
                    id: w.id,
                    roles: w.roles,
                    hours: TimeWindow::new(w.hours_start_ms, w.hours_end_ms)?,
                    start: point(w.start)?,
                    end: point(w.end)?,
                    max_visits: w.max_visits,
                })
            })
            .collect::<FfiResult<_>>()?;
        Ok(sc::PlanInput {
            visits,
            workers,
            rules: sc::PlanRules {
                allow_volunteer_pairs: self.allow_volunteer_pairs,
                max_team_size: self.max_team_size,
            },
            travel: Default::default(),
        })
    }
}

/// A day plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DayPlan {
    pub teams: Vec<sc::TeamPlan>,
    pub unplanned: Vec<sc::UnplannedVisit>,
    /// The planner's cost (lower is better; seconds).
    pub total_cost: i64,
    pub travel_s: i64,
}

/// Plans the day: 2인 1조 teams that meet every visit's roles, each with an ordered, timed route
/// (walking travel times); deterministic.
#[uniffi::export]
pub fn plan_day(request: DayPlanRequest) -> FfiResult<DayPlan> {
    let p = sc::plan_day(&request.into_core()?)?;
    Ok(DayPlan {
        teams: p.teams,
        unplanned: p.unplanned,
        total_cost: p.cost.total,
        travel_s: p.cost.travel_s,
    })
}

/// A visit for a due item: purpose, contact mode, roles and urgency as the core derives them from the
/// item (so an agenda entry can go straight into `plan_day`).
#[uniffi::export]
pub fn day_visit_for_due_item(
    visit_id: Uuid,
    item: sc::DueItem,
    location: Option<GeoPoint>,
    window_start_ms: DateTime<Utc>,
    window_end_ms: DateTime<Utc>,
    duration_min: u32,
) -> FfiResult<DayVisit> {
    let window = TimeWindow::new(window_start_ms, window_end_ms)?;
    let location = location.map(point).transpose()?;
    let v = sc::PlanVisit::from_due_item(visit_id, &item, location, window, duration_min);
    Ok(DayVisit {
        id: v.id,
        household_id: v.household_id,
        purpose: v.purpose,
        contact_mode: v.contact_mode,
        location: v.location,
        window_start_ms: v.window.start,
        window_end_ms: v.window.end,
        duration_min: v.duration_min,
        required: v.required,
        risk_flags: v.risk_flags,
        crisis_level: v.crisis_level.value(),
        priority: v.priority,
        last_workers: v.last_workers,
        regular_volunteer: v.regular_volunteer,
    })
}
