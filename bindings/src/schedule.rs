//! Scheduling (방문 주기와 2인 1조 일정) for the shells: the cadence agenda (what is due, overdue, upcoming,
//! and why) and the day planner (teams and ordered routes for the workers on duty, with a reason for
//! every visit left out). Records in, records out; the rules are the core's (`core/src/schedule/`).

use donghaeng_core::model as m;
use donghaeng_core::schedule as sc;

use crate::convert::*;
use crate::enums::*;
use crate::error::{DonghaengError, FfiResult};
use crate::records::GeoPoint;

/// Mirrors a schedule code enum of the core, with `code()` and labels answered by the core.
macro_rules! mirror_code_enum {
    (
        $(#[$meta:meta])*
        $name:ident => $core:path { $($variant:ident),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($variant),+
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                use $core as C;
                match v {
                    $(C::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                use $core as C;
                match v {
                    $($name::$variant => C::$variant),+
                }
            }
        }

        #[uniffi::export]
        impl $name {
            pub fn code(&self) -> String {
                <$core>::from(*self).code().to_owned()
            }
            pub fn label_ko(&self) -> String {
                <$core>::from(*self).label_ko().to_owned()
            }
            pub fn label_en(&self) -> String {
                <$core>::from(*self).label_en().to_owned()
            }
        }
    };
}

pub(crate) use mirror_code_enum;

mirror_code_enum! {
    /// Why something is due.
    DueReason => sc::DueReason {
        CrisisMonitoring, Universal65, Universal70, NewBirth, AfterCare, ReferralFirstReply,
        ReferralSecondReply, VolunteerRegular, SuggestClosure,
    }
}

mirror_code_enum! {
    /// Universal-visit cohort (보편방문 대상).
    UniversalCohort => sc::UniversalCohort { Age65, Age70, NewBirth }
}

mirror_code_enum! {
    /// Classification of a closed case, which sets its after-care visits.
    AfterCareClass => sc::CaseClassification { CaseManaged, ServiceLinked }
}

mirror_code_enum! {
    /// Why the planner left a visit out.
    UnplannedCode => sc::UnplannedCode {
        MissingLocation, RoleUnavailable, NoneInHours, NoQualifiedTeam, TeamsFullyBooked,
    }
}

/// One requirement: a team member with one of `any_of` (one element = exactly this role). Each
/// requirement of a visit must be met by a different person.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoleRequirement {
    pub any_of: Vec<Role>,
}

impl From<sc::RoleClause> for RoleRequirement {
    fn from(c: sc::RoleClause) -> Self {
        RoleRequirement {
            any_of: from_core(&c.any_of),
        }
    }
}

impl From<RoleRequirement> for sc::RoleClause {
    fn from(r: RoleRequirement) -> Self {
        let roles: Vec<m::Role> = to_core(&r.any_of);
        sc::RoleClause::any(&roles)
    }
}

fn required_point(field: &str, p: GeoPoint) -> FfiResult<m::GeoPoint> {
    m::GeoPoint::new(p.lat, p.lon).map_err(|e| {
        DonghaengError::from(donghaeng_core::CoreError {
            field: Some(field.to_owned()),
            ..e
        })
    })
}

fn point(field: &str, p: Option<GeoPoint>) -> FfiResult<Option<m::GeoPoint>> {
    p.map(|p| required_point(field, p)).transpose()
}

fn window(field: &str, start_ms: i64, end_ms: i64) -> FfiResult<m::TimeWindow> {
    let start = instant(&format!("{field}.start_ms"), start_ms)?;
    let end = instant(&format!("{field}.end_ms"), end_ms)?;
    Ok(m::TimeWindow::new(start, end)?)
}

fn dates(field: &str, values: &[String]) -> FfiResult<Vec<chrono::NaiveDate>> {
    values.iter().map(|v| date(field, v)).collect()
}

// ------------------------------------------------------------------------------------------ cadence

/// A universal visit already made.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UniversalVisitDone {
    pub cohort: UniversalCohort,
    pub date: String,
}

/// A household as the cadence rules see it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CadenceHousehold {
    pub id: String,
    /// 위기도 1–5 (checked by the core).
    pub crisis_level: i64,
    #[uniffi(default)]
    pub tags: Vec<HouseholdTag>,
    #[uniffi(default)]
    pub risk_flags: Vec<RiskFlag>,
    #[uniffi(default)]
    pub location: Option<GeoPoint>,
    /// Members' birth dates (65/70세, new births).
    #[uniffi(default)]
    pub member_birth_dates: Vec<String>,
    /// Last monitoring contact of any mode.
    #[uniffi(default)]
    pub last_contact: Option<String>,
    #[uniffi(default)]
    pub monitored_since: Option<String>,
    #[uniffi(default)]
    pub universal_visits: Vec<UniversalVisitDone>,
    #[uniffi(default)]
    pub open_case_since: Option<String>,
    #[uniffi(default)]
    pub archived: bool,
}

/// A closed case and the after-care contacts made since.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CadenceClosure {
    pub case_id: String,
    pub household_id: String,
    pub classification: AfterCareClass,
    pub closed_on: String,
    #[uniffi(default)]
    pub after_care_done: Vec<String>,
}

/// A referral and its replies.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CadenceReferral {
    pub id: String,
    pub household_id: String,
    pub referred_on: String,
    #[uniffi(default)]
    pub first_reply_on: Option<String>,
    #[uniffi(default)]
    pub service_ended_on: Option<String>,
    #[uniffi(default)]
    pub second_reply_on: Option<String>,
}

/// A volunteer's regular visits to a household.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VolunteerAssignment {
    pub volunteer_id: String,
    pub household_id: String,
    pub interval_days: u32,
    pub since: String,
    #[uniffi(default)]
    pub last_visit: Option<String>,
}

/// Everything the cadence rules need (with the core's default intervals).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CadenceRequest {
    /// Today in Seoul.
    pub today: String,
    pub households: Vec<CadenceHousehold>,
    #[uniffi(default)]
    pub closures: Vec<CadenceClosure>,
    #[uniffi(default)]
    pub referrals: Vec<CadenceReferral>,
    #[uniffi(default)]
    pub volunteer_assignments: Vec<VolunteerAssignment>,
}

impl CadenceRequest {
    fn into_core(self) -> FfiResult<sc::CadenceInput> {
        let households = self
            .households
            .into_iter()
            .map(|h| {
                Ok(sc::CadenceHousehold {
                    id: id("cadence.household.id", &h.id)?,
                    crisis_level: m::CrisisLevel::new(h.crisis_level)?,
                    tags: to_core(&h.tags),
                    risk_flags: to_core(&h.risk_flags),
                    location: point("cadence.household.location", h.location)?,
                    member_birth_dates: dates(
                        "cadence.household.member_birth_dates",
                        &h.member_birth_dates,
                    )?,
                    last_contact: opt_date(
                        "cadence.household.last_contact",
                        h.last_contact.as_deref(),
                    )?,
                    monitored_since: opt_date(
                        "cadence.household.monitored_since",
                        h.monitored_since.as_deref(),
                    )?,
                    universal_visits: h
                        .universal_visits
                        .into_iter()
                        .map(|u| {
                            Ok(sc::UniversalVisitRecord {
                                cohort: u.cohort.into(),
                                date: date("cadence.household.universal_visits.date", &u.date)?,
                            })
                        })
                        .collect::<FfiResult<_>>()?,
                    open_case_since: opt_date(
                        "cadence.household.open_case_since",
                        h.open_case_since.as_deref(),
                    )?,
                    archived: h.archived,
                })
            })
            .collect::<FfiResult<_>>()?;
        let closures = self
            .closures
            .into_iter()
            .map(|c| {
                Ok(sc::CaseClosure {
                    case_id: id("cadence.closure.case_id", &c.case_id)?,
                    household_id: id("cadence.closure.household_id", &c.household_id)?,
                    classification: c.classification.into(),
                    closed_on: date("cadence.closure.closed_on", &c.closed_on)?,
                    after_care_done: dates("cadence.closure.after_care_done", &c.after_care_done)?,
                })
            })
            .collect::<FfiResult<_>>()?;
        let referrals = self
            .referrals
            .into_iter()
            .map(|r| {
                Ok(sc::Referral {
                    id: id("cadence.referral.id", &r.id)?,
                    household_id: id("cadence.referral.household_id", &r.household_id)?,
                    referred_on: date("cadence.referral.referred_on", &r.referred_on)?,
                    first_reply_on: opt_date(
                        "cadence.referral.first_reply_on",
                        r.first_reply_on.as_deref(),
                    )?,
                    service_ended_on: opt_date(
                        "cadence.referral.service_ended_on",
                        r.service_ended_on.as_deref(),
                    )?,
                    second_reply_on: opt_date(
                        "cadence.referral.second_reply_on",
                        r.second_reply_on.as_deref(),
                    )?,
                })
            })
            .collect::<FfiResult<_>>()?;
        let volunteer_assignments = self
            .volunteer_assignments
            .into_iter()
            .map(|v| {
                Ok(sc::VolunteerAssignment {
                    volunteer_id: id("cadence.volunteer.volunteer_id", &v.volunteer_id)?,
                    household_id: id("cadence.volunteer.household_id", &v.household_id)?,
                    interval_days: crate::records::check_days(
                        "cadence.volunteer.interval_days",
                        v.interval_days,
                    )?,
                    since: date("cadence.volunteer.since", &v.since)?,
                    last_visit: opt_date("cadence.volunteer.last_visit", v.last_visit.as_deref())?,
                })
            })
            .collect::<FfiResult<_>>()?;
        Ok(sc::CadenceInput {
            today: date("cadence.today", &self.today)?,
            households,
            closures,
            referrals,
            volunteer_assignments,
            config: sc::CadenceConfig::default(),
        })
    }
}

/// Something due for a household, with the reason in Korean and English.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DueItem {
    pub household_id: String,
    /// The household's 위기도 (1–5), which ranks the item when the day is short.
    #[uniffi(default = 1)]
    pub crisis_level: u8,
    pub reason: DueReason,
    pub purpose: VisitPurpose,
    pub due: String,
    /// Positive = overdue by that many days, 0 = today, negative = upcoming.
    pub days_overdue: i64,
    pub ko: String,
    pub en: String,
    pub required: Vec<RoleRequirement>,
    pub suggested_mode: ContactMode,
    pub related_id: Option<String>,
    pub assigned_worker: Option<String>,
}

impl From<sc::DueItem> for DueItem {
    fn from(d: sc::DueItem) -> Self {
        DueItem {
            household_id: id_str(d.household_id),
            crisis_level: d.crisis_level.value(),
            reason: d.reason.into(),
            purpose: d.purpose.into(),
            due: date_str(d.due),
            days_overdue: d.days_overdue,
            ko: d.ko,
            en: d.en,
            required: d.required.into_iter().map(RoleRequirement::from).collect(),
            suggested_mode: d.suggested_mode.into(),
            related_id: opt_id_str(d.related_id),
            assigned_worker: opt_id_str(d.assigned_worker),
        }
    }
}

/// Due items sorted for the day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CadenceAgenda {
    pub today: String,
    pub overdue: Vec<DueItem>,
    pub due_today: Vec<DueItem>,
    pub upcoming: Vec<DueItem>,
}

impl From<sc::Agenda> for CadenceAgenda {
    fn from(a: sc::Agenda) -> Self {
        CadenceAgenda {
            today: date_str(a.today),
            overdue: a.overdue.into_iter().map(DueItem::from).collect(),
            due_today: a.due_today.into_iter().map(DueItem::from).collect(),
            upcoming: a.upcoming.into_iter().map(DueItem::from).collect(),
        }
    }
}

/// The cadence agenda: overdue, due today, upcoming within the core's horizon.
#[uniffi::export]
pub fn cadence_agenda(request: CadenceRequest) -> FfiResult<CadenceAgenda> {
    Ok(sc::agenda(&request.into_core()?)?.into())
}

// --------------------------------------------------------------------------------------- day plan

/// A visit to place in the day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DayVisit {
    pub id: String,
    pub household_id: String,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    /// Null for a phone call (no travel).
    pub location: Option<GeoPoint>,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub duration_min: u32,
    #[uniffi(default)]
    pub required: Vec<RoleRequirement>,
    #[uniffi(default)]
    pub risk_flags: Vec<RiskFlag>,
    /// The household's 위기도 (1–5, checked by the core): the first key when the day is short.
    #[uniffi(default = 1)]
    pub crisis_level: u8,
    /// Urgency within the crisis level: 0 normal … higher more urgent.
    #[uniffi(default)]
    pub priority: u8,
    #[uniffi(default)]
    pub last_workers: Vec<String>,
    #[uniffi(default)]
    pub regular_volunteer: Option<String>,
}

/// A worker on duty.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DayWorker {
    pub id: String,
    pub roles: Vec<Role>,
    pub hours_start_ms: i64,
    pub hours_end_ms: i64,
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

impl DayPlanRequest {
    fn into_core(self) -> FfiResult<sc::PlanInput> {
        let visits = self
            .visits
            .into_iter()
            .map(|v| {
                Ok(sc::PlanVisit {
                    id: id("plan.visit.id", &v.id)?,
                    household_id: id("plan.visit.household_id", &v.household_id)?,
                    purpose: v.purpose.into(),
                    contact_mode: v.contact_mode.into(),
                    location: point("plan.visit.location", v.location)?,
                    window: window("plan.visit.window", v.window_start_ms, v.window_end_ms)?,
                    duration_min: v.duration_min,
                    required: v.required.into_iter().map(sc::RoleClause::from).collect(),
                    risk_flags: to_core(&v.risk_flags),
                    crisis_level: m::CrisisLevel::new(i64::from(v.crisis_level))?,
                    priority: v.priority,
                    last_workers: ids("plan.visit.last_workers", &v.last_workers)?,
                    regular_volunteer: opt_id(
                        "plan.visit.regular_volunteer",
                        v.regular_volunteer.as_deref(),
                    )?,
                })
            })
            .collect::<FfiResult<_>>()?;
        let workers = self
            .workers
            .into_iter()
            .map(|w| {
                Ok(sc::PlanWorker {
                    id: id("plan.worker.id", &w.id)?,
                    roles: to_core(&w.roles),
                    hours: window("plan.worker.hours", w.hours_start_ms, w.hours_end_ms)?,
                    start: required_point("plan.worker.start", w.start)?,
                    end: required_point("plan.worker.end", w.end)?,
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

/// One stop of a team's route.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlannedStop {
    pub visit_id: String,
    pub arrive_ms: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub travel_s: i64,
}

/// A team and its ordered route.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TeamPlan {
    pub worker_ids: Vec<String>,
    pub stops: Vec<PlannedStop>,
    pub travel_s: i64,
}

/// A visit left out, with a reason that is true of the plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnplannedVisit {
    pub visit_id: String,
    pub code: UnplannedCode,
    pub roles: Vec<RoleRequirement>,
    pub ko: String,
    pub en: String,
    /// The household's 위기도 (1–5).
    pub crisis_level: u8,
    /// The visit's rank and, when the day was short, how the visits made instead rank against it.
    pub priority_ko: String,
    pub priority_en: String,
}

/// A day plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DayPlan {
    pub teams: Vec<TeamPlan>,
    pub unplanned: Vec<UnplannedVisit>,
    /// The planner's cost (lower is better; seconds).
    pub total_cost: i64,
    pub travel_s: i64,
}

impl From<sc::Plan> for DayPlan {
    fn from(p: sc::Plan) -> Self {
        DayPlan {
            teams: p
                .teams
                .into_iter()
                .map(|t| TeamPlan {
                    worker_ids: t.workers.into_iter().map(id_str).collect(),
                    stops: t
                        .stops
                        .into_iter()
                        .map(|s| PlannedStop {
                            visit_id: id_str(s.visit_id),
                            arrive_ms: ms(s.arrive),
                            start_ms: ms(s.start),
                            end_ms: ms(s.end),
                            travel_s: s.travel_s,
                        })
                        .collect(),
                    travel_s: t.travel_s,
                })
                .collect(),
            unplanned: p
                .unplanned
                .into_iter()
                .map(|u| UnplannedVisit {
                    visit_id: id_str(u.visit_id),
                    code: u.code.into(),
                    roles: u.roles.into_iter().map(RoleRequirement::from).collect(),
                    ko: u.ko,
                    en: u.en,
                    crisis_level: u.crisis_level,
                    priority_ko: u.priority_ko,
                    priority_en: u.priority_en,
                })
                .collect(),
            total_cost: p.cost.total,
            travel_s: p.cost.travel_s,
        }
    }
}

/// Plans the day: 2인 1조 teams that meet every visit's roles, each with an ordered, timed route
/// (walking travel times); deterministic.
#[uniffi::export]
pub fn plan_day(request: DayPlanRequest) -> FfiResult<DayPlan> {
    Ok(sc::plan_day(&request.into_core()?)?.into())
}

/// A visit for a due item: purpose, contact mode, roles and urgency as the core derives them from the
/// item (so an agenda entry can go straight into `plan_day`).
#[uniffi::export]
pub fn day_visit_for_due_item(
    visit_id: String,
    item: DueItem,
    location: Option<GeoPoint>,
    window_start_ms: i64,
    window_end_ms: i64,
    duration_min: u32,
) -> FfiResult<DayVisit> {
    let core_item = sc::DueItem {
        household_id: id("due_item.household_id", &item.household_id)?,
        crisis_level: m::CrisisLevel::new(i64::from(item.crisis_level))?,
        reason: item.reason.into(),
        purpose: item.purpose.into(),
        due: date("due_item.due", &item.due)?,
        days_overdue: item.days_overdue,
        ko: item.ko,
        en: item.en,
        required: item
            .required
            .into_iter()
            .map(sc::RoleClause::from)
            .collect(),
        suggested_mode: item.suggested_mode.into(),
        related_id: opt_id("due_item.related_id", item.related_id.as_deref())?,
        assigned_worker: opt_id("due_item.assigned_worker", item.assigned_worker.as_deref())?,
    };
    let v = sc::PlanVisit::from_due_item(
        id("plan.visit.id", &visit_id)?,
        &core_item,
        point("plan.visit.location", location)?,
        window("plan.visit.window", window_start_ms, window_end_ms)?,
        duration_min,
    );
    Ok(DayVisit {
        id: id_str(v.id),
        household_id: id_str(v.household_id),
        purpose: v.purpose.into(),
        contact_mode: v.contact_mode.into(),
        location: v.location.map(GeoPoint::from),
        window_start_ms: ms(v.window.start),
        window_end_ms: ms(v.window.end),
        duration_min: v.duration_min,
        required: v.required.into_iter().map(RoleRequirement::from).collect(),
        risk_flags: from_core(&v.risk_flags),
        crisis_level: v.crisis_level.value(),
        priority: v.priority,
        last_workers: v.last_workers.into_iter().map(id_str).collect(),
        regular_volunteer: opt_id_str(v.regular_volunteer),
    })
}
