//! Records that cross the boundary, and their conversions from and to the core's types.
//!
//! Ids are strings, dates `"YYYY-MM-DD"`, instants `i64` milliseconds since the Unix epoch (fields end in
//! `_ms`); see [`crate::convert`]. Inputs (`New…`, `…Update`) convert into the core's inputs, failing with
//! an `invalid` error that names the field when an id, date or instant does not convert.

use donghaeng_core::model as m;
use donghaeng_core::store as s;

use crate::convert::*;
use crate::enums::*;
use crate::error::{DonghaengError, FfiResult};

// ---------------------------------------------------------------------------------------------- org

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OrgUnit {
    pub id: String,
    pub kind: OrgUnitKind,
    pub name: String,
    pub parent_id: Option<String>,
}

impl From<m::OrgUnit> for OrgUnit {
    fn from(u: m::OrgUnit) -> Self {
        OrgUnit {
            id: id_str(u.id),
            kind: u.kind.into(),
            name: u.name,
            parent_id: opt_id_str(u.parent_id),
        }
    }
}

// ------------------------------------------------------------------------------------------ workers

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Worker {
    pub id: String,
    pub team_id: String,
    pub name: String,
    /// The first role is the main one.
    pub roles: Vec<Role>,
    pub phone: Option<String>,
    pub active: bool,
}

impl From<m::Worker> for Worker {
    fn from(w: m::Worker) -> Self {
        Worker {
            id: id_str(w.id),
            team_id: id_str(w.team_id),
            name: w.name,
            roles: from_core(&w.roles),
            phone: w.phone,
            active: w.active,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewWorker {
    pub team_id: String,
    pub name: String,
    pub roles: Vec<Role>,
    #[uniffi(default)]
    pub phone: Option<String>,
}

impl NewWorker {
    pub fn into_core(self) -> FfiResult<s::workers::NewWorker> {
        Ok(s::workers::NewWorker {
            team_id: id("worker.team_id", &self.team_id)?,
            name: self.name,
            roles: to_core(&self.roles),
            phone: self.phone,
        })
    }
}

// --------------------------------------------------------------------------------------- households

/// A WGS84 point.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl From<m::GeoPoint> for GeoPoint {
    fn from(p: m::GeoPoint) -> Self {
        GeoPoint {
            lat: p.lat,
            lon: p.lon,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Household {
    pub id: String,
    pub dong_id: String,
    pub head_name: String,
    pub address: String,
    pub location: Option<GeoPoint>,
    /// 위기도 1 (안정) … 5 (위기); `crisis_level_label` gives its labels.
    pub crisis_level: u8,
    pub tags: Vec<HouseholdTag>,
    pub risk_flags: Vec<RiskFlag>,
    pub phone: Option<String>,
    pub archived: bool,
}

impl From<m::Household> for Household {
    fn from(h: m::Household) -> Self {
        Household {
            id: id_str(h.id),
            dong_id: id_str(h.dong_id),
            head_name: h.head_name,
            address: h.address,
            location: h.location.map(GeoPoint::from),
            crisis_level: h.crisis_level.value(),
            tags: from_core(&h.tags),
            risk_flags: from_core(&h.risk_flags),
            phone: h.phone,
            archived: h.archived,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewHousehold {
    pub dong_id: String,
    pub head_name: String,
    pub address: String,
    /// Checked by the core (1–5).
    pub crisis_level: i64,
    #[uniffi(default)]
    pub location: Option<GeoPoint>,
    #[uniffi(default)]
    pub tags: Vec<HouseholdTag>,
    #[uniffi(default)]
    pub risk_flags: Vec<RiskFlag>,
    #[uniffi(default)]
    pub phone: Option<String>,
}

impl NewHousehold {
    pub fn into_core(self) -> FfiResult<s::households::NewHousehold> {
        Ok(s::households::NewHousehold {
            dong_id: id("household.dong_id", &self.dong_id)?,
            head_name: self.head_name,
            address: self.address,
            location: self.location.map(|p| (p.lat, p.lon)),
            crisis_level: self.crisis_level,
            tags: to_core(&self.tags),
            risk_flags: to_core(&self.risk_flags),
            phone: self.phone,
        })
    }
}

/// A change to a household: a `null` field is left as it is. To remove the location or the phone, set
/// `clear_location` / `clear_phone` (and leave the value `null`).
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct HouseholdUpdate {
    #[uniffi(default)]
    pub head_name: Option<String>,
    #[uniffi(default)]
    pub address: Option<String>,
    #[uniffi(default)]
    pub location: Option<GeoPoint>,
    #[uniffi(default)]
    pub clear_location: bool,
    #[uniffi(default)]
    pub crisis_level: Option<i64>,
    #[uniffi(default)]
    pub tags: Option<Vec<HouseholdTag>>,
    #[uniffi(default)]
    pub risk_flags: Option<Vec<RiskFlag>>,
    #[uniffi(default)]
    pub phone: Option<String>,
    #[uniffi(default)]
    pub clear_phone: bool,
    #[uniffi(default)]
    pub archived: Option<bool>,
}

fn both_given(field: &str) -> DonghaengError {
    DonghaengError::invalid(
        "value_and_clear",
        field,
        format!("{field}: 값과 삭제를 함께 지정할 수 없습니다"),
        format!("{field}: give a value or clear it, not both"),
    )
}

impl HouseholdUpdate {
    pub fn into_core(self) -> FfiResult<s::households::HouseholdUpdate> {
        let location = match (self.location, self.clear_location) {
            (Some(_), true) => return Err(both_given("household.location")),
            (Some(p), false) => Some(Some((p.lat, p.lon))),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let phone = match (self.phone, self.clear_phone) {
            (Some(_), true) => return Err(both_given("household.phone")),
            (Some(p), false) => Some(Some(p)),
            (None, true) => Some(None),
            (None, false) => None,
        };
        Ok(s::households::HouseholdUpdate {
            head_name: self.head_name,
            address: self.address,
            location,
            crisis_level: self.crisis_level,
            tags: self.tags.map(|t| to_core(&t)),
            risk_flags: self.risk_flags.map(|r| to_core(&r)),
            phone,
            archived: self.archived,
        })
    }
}

/// A household as a list row shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdSummary {
    pub household: Household,
    pub last_contact_at_ms: Option<i64>,
}

impl From<s::households::HouseholdSummary> for HouseholdSummary {
    fn from(h: s::households::HouseholdSummary) -> Self {
        HouseholdSummary {
            household: h.household.into(),
            last_contact_at_ms: opt_ms(h.last_contact_at),
        }
    }
}

/// A household due or overdue for monitoring.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MonitoringDue {
    pub household: Household,
    pub last_contact_at_ms: Option<i64>,
    pub due_on: String,
    /// Days past due (0 = due today, negative = not yet due).
    pub days_overdue: i64,
}

impl From<s::households::MonitoringDue> for MonitoringDue {
    fn from(d: s::households::MonitoringDue) -> Self {
        MonitoringDue {
            household: d.household.into(),
            last_contact_at_ms: opt_ms(d.last_contact_at),
            due_on: date_str(d.due_on),
            days_overdue: d.days_overdue,
        }
    }
}

/// Days between monitoring contacts by crisis level; the defaults are the core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct MonitoringIntervals {
    #[uniffi(default = 365)]
    pub stable_days: u32,
    #[uniffi(default = 182)]
    pub watch_days: u32,
    #[uniffi(default = 91)]
    pub caution_days: u32,
    #[uniffi(default = 30)]
    pub alert_days: u32,
    #[uniffi(default = 7)]
    pub crisis_days: u32,
}

/// The largest monitoring interval or horizon the facade passes on (ten years): the core adds them to
/// dates, and a date past the calendar's end would abort the call.
pub const MAX_DAYS: u32 = 3660;

pub fn check_days(field: &str, days: u32) -> FfiResult<u32> {
    if days > MAX_DAYS {
        return Err(DonghaengError::invalid(
            "days_out_of_range",
            field,
            format!("{field}: 최대 {MAX_DAYS}일입니다 (입력: {days})"),
            format!("{field}: at most {MAX_DAYS} days (got {days})"),
        ));
    }
    Ok(days)
}

impl MonitoringIntervals {
    pub fn into_core(self) -> FfiResult<s::households::MonitoringIntervals> {
        Ok(s::households::MonitoringIntervals([
            check_days("intervals.stable_days", self.stable_days)?,
            check_days("intervals.watch_days", self.watch_days)?,
            check_days("intervals.caution_days", self.caution_days)?,
            check_days("intervals.alert_days", self.alert_days)?,
            check_days("intervals.crisis_days", self.crisis_days)?,
        ]))
    }
}

/// The Korean and English labels of a value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Label {
    pub ko: String,
    pub en: String,
}

// ------------------------------------------------------------------------------------------ persons

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Person {
    pub id: String,
    pub household_id: String,
    pub name: String,
    pub birth_date: String,
    pub sex: Sex,
    pub relation: Relation,
    pub disability: Disability,
}

impl From<m::Person> for Person {
    fn from(p: m::Person) -> Self {
        Person {
            id: id_str(p.id),
            household_id: id_str(p.household_id),
            name: p.name,
            birth_date: date_str(p.birth_date),
            sex: p.sex.into(),
            relation: p.relation.into(),
            disability: p.disability.into(),
        }
    }
}

/// A member registered together with a new household.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewMember {
    pub name: String,
    pub birth_date: String,
    pub sex: Sex,
    pub relation: Relation,
    pub disability: Disability,
}

impl NewMember {
    pub fn into_core(self) -> FfiResult<s::persons::NewMember> {
        Ok(s::persons::NewMember {
            name: self.name,
            birth_date: date("person.birth_date", &self.birth_date)?,
            sex: self.sex.into(),
            relation: self.relation.into(),
            disability: self.disability.into(),
        })
    }
}

/// A member added to an existing household.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewPerson {
    pub household_id: String,
    pub name: String,
    pub birth_date: String,
    pub sex: Sex,
    pub relation: Relation,
    pub disability: Disability,
}

impl NewPerson {
    pub fn into_core(self) -> FfiResult<s::persons::NewPerson> {
        Ok(s::persons::NewPerson {
            household_id: id("person.household_id", &self.household_id)?,
            name: self.name,
            birth_date: date("person.birth_date", &self.birth_date)?,
            sex: self.sex.into(),
            relation: self.relation.into(),
            disability: self.disability.into(),
        })
    }
}

/// A household registered with its members.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdWithMembers {
    pub household: Household,
    pub members: Vec<Person>,
}

// ------------------------------------------------------------------------------------------- visits

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Visit {
    pub id: String,
    pub household_id: String,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub required_roles: Vec<Role>,
    pub assigned: Vec<String>,
    pub status: VisitStatus,
    pub started_at_ms: Option<i64>,
    pub completed_at_ms: Option<i64>,
    pub outcome: Option<VisitOutcome>,
    pub note: Option<String>,
}

impl From<m::Visit> for Visit {
    fn from(v: m::Visit) -> Self {
        Visit {
            id: id_str(v.id),
            household_id: id_str(v.household_id),
            purpose: v.purpose.into(),
            contact_mode: v.contact_mode.into(),
            window_start_ms: ms(v.window.start),
            window_end_ms: ms(v.window.end),
            required_roles: from_core(&v.required_roles),
            assigned: v.assigned.into_iter().map(id_str).collect(),
            status: v.status.into(),
            started_at_ms: opt_ms(v.started_at),
            completed_at_ms: opt_ms(v.completed_at),
            outcome: v.outcome.map(VisitOutcome::from),
            note: v.note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewVisit {
    pub household_id: String,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    #[uniffi(default)]
    pub required_roles: Vec<Role>,
    #[uniffi(default)]
    pub assigned: Vec<String>,
    #[uniffi(default)]
    pub note: Option<String>,
}

impl NewVisit {
    pub fn into_core(self) -> FfiResult<s::visits::NewVisit> {
        Ok(s::visits::NewVisit {
            household_id: id("visit.household_id", &self.household_id)?,
            purpose: self.purpose.into(),
            contact_mode: self.contact_mode.into(),
            window_start: instant("visit.window_start_ms", self.window_start_ms)?,
            window_end: instant("visit.window_end_ms", self.window_end_ms)?,
            required_roles: to_core(&self.required_roles),
            assigned: ids("visit.assigned", &self.assigned)?,
            note: self.note,
        })
    }
}

// ----------------------------------------------------------------------------------------- wellness

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WellnessChecklist {
    pub meals: Observation,
    pub health: Observation,
    pub mood: Observation,
    pub mobility: Observation,
    pub housing: Observation,
    pub heating_cooling: Observation,
    pub loneliness: Observation,
    #[uniffi(default)]
    pub arrears_signs: bool,
    #[uniffi(default)]
    pub utility_cutoff_signs: bool,
    #[uniffi(default)]
    pub needs_referral: bool,
}

impl From<m::WellnessChecklist> for WellnessChecklist {
    fn from(c: m::WellnessChecklist) -> Self {
        WellnessChecklist {
            meals: c.meals.into(),
            health: c.health.into(),
            mood: c.mood.into(),
            mobility: c.mobility.into(),
            housing: c.housing.into(),
            heating_cooling: c.heating_cooling.into(),
            loneliness: c.loneliness.into(),
            arrears_signs: c.arrears_signs,
            utility_cutoff_signs: c.utility_cutoff_signs,
            needs_referral: c.needs_referral,
        }
    }
}

impl From<WellnessChecklist> for m::WellnessChecklist {
    fn from(c: WellnessChecklist) -> Self {
        m::WellnessChecklist {
            meals: c.meals.into(),
            health: c.health.into(),
            mood: c.mood.into(),
            mobility: c.mobility.into(),
            housing: c.housing.into(),
            heating_cooling: c.heating_cooling.into(),
            loneliness: c.loneliness.into(),
            arrears_signs: c.arrears_signs,
            utility_cutoff_signs: c.utility_cutoff_signs,
            needs_referral: c.needs_referral,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WellnessCheck {
    pub id: String,
    pub household_id: String,
    pub visit_id: Option<String>,
    pub worker_id: String,
    pub checked_at_ms: i64,
    pub contact_mode: ContactMode,
    pub checklist: WellnessChecklist,
    /// The core's judgement: anything calls for action today.
    pub is_urgent: bool,
    pub note: Option<String>,
    pub corrects: Option<String>,
}

impl From<m::WellnessCheck> for WellnessCheck {
    fn from(c: m::WellnessCheck) -> Self {
        WellnessCheck {
            id: id_str(c.id),
            household_id: id_str(c.household_id),
            visit_id: opt_id_str(c.visit_id),
            worker_id: id_str(c.worker_id),
            checked_at_ms: ms(c.checked_at),
            contact_mode: c.contact_mode.into(),
            is_urgent: c.checklist.is_urgent(),
            checklist: c.checklist.into(),
            note: c.note,
            corrects: opt_id_str(c.corrects),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewWellnessCheck {
    pub household_id: String,
    pub worker_id: String,
    pub checked_at_ms: i64,
    pub contact_mode: ContactMode,
    pub checklist: WellnessChecklist,
    #[uniffi(default)]
    pub visit_id: Option<String>,
    #[uniffi(default)]
    pub note: Option<String>,
    #[uniffi(default)]
    pub corrects: Option<String>,
}

impl NewWellnessCheck {
    pub fn into_core(self) -> FfiResult<s::wellness::NewWellnessCheck> {
        Ok(s::wellness::NewWellnessCheck {
            household_id: id("wellness.household_id", &self.household_id)?,
            visit_id: opt_id("wellness.visit_id", self.visit_id.as_deref())?,
            worker_id: id("wellness.worker_id", &self.worker_id)?,
            checked_at: instant("wellness.checked_at_ms", self.checked_at_ms)?,
            contact_mode: self.contact_mode.into(),
            checklist: self.checklist.into(),
            note: self.note,
            corrects: opt_id("wellness.corrects", self.corrects.as_deref())?,
        })
    }
}

// -------------------------------------------------------------------------------------------- notes

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseNote {
    pub id: String,
    pub household_id: String,
    pub case_id: Option<String>,
    pub visit_id: Option<String>,
    pub author_id: String,
    pub written_at_ms: i64,
    pub body: String,
    pub corrects: Option<String>,
}

impl From<m::CaseNote> for CaseNote {
    fn from(n: m::CaseNote) -> Self {
        CaseNote {
            id: id_str(n.id),
            household_id: id_str(n.household_id),
            case_id: opt_id_str(n.case_id),
            visit_id: opt_id_str(n.visit_id),
            author_id: id_str(n.author_id),
            written_at_ms: ms(n.written_at),
            body: n.body,
            corrects: opt_id_str(n.corrects),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewCaseNote {
    pub household_id: String,
    pub author_id: String,
    pub written_at_ms: i64,
    pub body: String,
    #[uniffi(default)]
    pub case_id: Option<String>,
    #[uniffi(default)]
    pub visit_id: Option<String>,
    #[uniffi(default)]
    pub corrects: Option<String>,
}

impl NewCaseNote {
    pub fn into_core(self) -> FfiResult<s::notes::NewCaseNote> {
        Ok(s::notes::NewCaseNote {
            household_id: id("note.household_id", &self.household_id)?,
            case_id: opt_id("note.case_id", self.case_id.as_deref())?,
            visit_id: opt_id("note.visit_id", self.visit_id.as_deref())?,
            author_id: id("note.author_id", &self.author_id)?,
            written_at: instant("note.written_at_ms", self.written_at_ms)?,
            body: self.body,
            corrects: opt_id("note.corrects", self.corrects.as_deref())?,
        })
    }
}

// -------------------------------------------------------------------------------------------- cases

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Case {
    pub id: String,
    pub household_id: String,
    pub manager_id: String,
    pub stage: CaseStage,
    pub classification: Option<CaseClassification>,
    pub opened_on: String,
    pub closed_on: Option<String>,
    pub closure_reason: Option<ClosureReason>,
    /// The group of the closure reason (the core's grouping).
    pub closure_category: Option<ClosureCategory>,
}

impl From<m::Case> for Case {
    fn from(c: m::Case) -> Self {
        Case {
            id: id_str(c.id),
            household_id: id_str(c.household_id),
            manager_id: id_str(c.manager_id),
            stage: c.stage.into(),
            classification: c.classification.map(CaseClassification::from),
            opened_on: date_str(c.opened_on),
            closed_on: opt_date_str(c.closed_on),
            closure_reason: c.closure_reason.map(ClosureReason::from),
            closure_category: c.closure_reason.map(|r| r.category().into()),
        }
    }
}

// ---------------------------------------------------------------------------------------- referrals

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Referral {
    pub id: String,
    pub household_id: String,
    pub case_id: Option<String>,
    pub referred_by: String,
    pub target: ReferralTarget,
    pub agency: String,
    pub referred_on: String,
    pub reason: String,
    pub first_reply_on: Option<String>,
    pub service_ended_on: Option<String>,
    pub final_reply_on: Option<String>,
    pub reply_note: Option<String>,
    /// When the first reply is due (the core's rule).
    pub first_reply_due: String,
    /// When the final reply is due, once the service has ended.
    pub final_reply_due: Option<String>,
}

impl From<m::Referral> for Referral {
    fn from(r: m::Referral) -> Self {
        Referral {
            first_reply_due: date_str(r.first_reply_due()),
            final_reply_due: opt_date_str(r.final_reply_due()),
            id: id_str(r.id),
            household_id: id_str(r.household_id),
            case_id: opt_id_str(r.case_id),
            referred_by: id_str(r.referred_by),
            target: r.target.into(),
            agency: r.agency,
            referred_on: date_str(r.referred_on),
            reason: r.reason,
            first_reply_on: opt_date_str(r.first_reply_on),
            service_ended_on: opt_date_str(r.service_ended_on),
            final_reply_on: opt_date_str(r.final_reply_on),
            reply_note: r.reply_note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewReferral {
    pub household_id: String,
    pub referred_by: String,
    pub target: ReferralTarget,
    pub agency: String,
    pub referred_on: String,
    pub reason: String,
    #[uniffi(default)]
    pub case_id: Option<String>,
}

impl NewReferral {
    pub fn into_core(self) -> FfiResult<s::referrals::NewReferral> {
        Ok(s::referrals::NewReferral {
            household_id: id("referral.household_id", &self.household_id)?,
            case_id: opt_id("referral.case_id", self.case_id.as_deref())?,
            referred_by: id("referral.referred_by", &self.referred_by)?,
            target: self.target.into(),
            agency: self.agency,
            referred_on: date("referral.referred_on", &self.referred_on)?,
            reason: self.reason,
        })
    }
}

/// A reply that is due (or overdue) on a referral.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReplyDue {
    pub referral: Referral,
    pub which: ReplyKind,
    pub due_on: String,
}

impl From<s::referrals::ReplyDue> for ReplyDue {
    fn from(d: s::referrals::ReplyDue) -> Self {
        ReplyDue {
            referral: d.referral.into(),
            // The core names the reply with a string ("first" or "final").
            which: if d.which == "first" {
                ReplyKind::First
            } else {
                ReplyKind::Final
            },
            due_on: date_str(d.due_on),
        }
    }
}

// ---------------------------------------------------------------------------------- crisis reports

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CrisisReport {
    pub id: String,
    pub dong_id: String,
    pub reporter_id: String,
    pub household_id: Option<String>,
    pub address: String,
    pub signs: Vec<CrisisSign>,
    pub note: Option<String>,
    pub reported_at_ms: i64,
    pub status: CrisisReportStatus,
    pub referral_id: Option<String>,
}

impl From<m::CrisisReport> for CrisisReport {
    fn from(r: m::CrisisReport) -> Self {
        CrisisReport {
            id: id_str(r.id),
            dong_id: id_str(r.dong_id),
            reporter_id: id_str(r.reporter_id),
            household_id: opt_id_str(r.household_id),
            address: r.address,
            signs: from_core(&r.signs),
            note: r.note,
            reported_at_ms: ms(r.reported_at),
            status: r.status.into(),
            referral_id: opt_id_str(r.referral_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewCrisisReport {
    pub dong_id: String,
    pub reporter_id: String,
    pub signs: Vec<CrisisSign>,
    pub reported_at_ms: i64,
    /// The household, when the 동 knows it already (a referral to the 동 team is made with the report).
    #[uniffi(default)]
    pub household_id: Option<String>,
    /// Required when `household_id` is null.
    #[uniffi(default)]
    pub address: Option<String>,
    #[uniffi(default)]
    pub note: Option<String>,
}

impl NewCrisisReport {
    pub fn into_core(self) -> FfiResult<s::crisis_reports::NewCrisisReport> {
        Ok(s::crisis_reports::NewCrisisReport {
            dong_id: id("crisis_report.dong_id", &self.dong_id)?,
            reporter_id: id("crisis_report.reporter_id", &self.reporter_id)?,
            household_id: opt_id("crisis_report.household_id", self.household_id.as_deref())?,
            address: self.address,
            signs: to_core(&self.signs),
            note: self.note,
            reported_at: instant("crisis_report.reported_at_ms", self.reported_at_ms)?,
        })
    }
}

// ------------------------------------------------------------------------------------- volunteers

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VolunteerActivity {
    pub id: String,
    pub worker_id: String,
    pub day: String,
    pub minutes: u32,
    pub household_id: Option<String>,
    pub note: Option<String>,
}

impl From<m::VolunteerActivity> for VolunteerActivity {
    fn from(a: m::VolunteerActivity) -> Self {
        VolunteerActivity {
            id: id_str(a.id),
            worker_id: id_str(a.worker_id),
            day: date_str(a.day),
            minutes: a.minutes,
            household_id: opt_id_str(a.household_id),
            note: a.note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewVolunteerActivity {
    pub worker_id: String,
    pub day: String,
    pub minutes: u32,
    #[uniffi(default)]
    pub household_id: Option<String>,
    #[uniffi(default)]
    pub note: Option<String>,
}

impl NewVolunteerActivity {
    pub fn into_core(self) -> FfiResult<s::volunteers::NewVolunteerActivity> {
        Ok(s::volunteers::NewVolunteerActivity {
            worker_id: id("volunteer_activity.worker_id", &self.worker_id)?,
            day: date("volunteer_activity.day", &self.day)?,
            minutes: self.minutes,
            household_id: opt_id(
                "volunteer_activity.household_id",
                self.household_id.as_deref(),
            )?,
            note: self.note,
        })
    }
}

/// A volunteer's month against the 보라미 terms (computed by the core).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VolunteerMonth {
    pub worker_id: String,
    pub year: i32,
    pub month: u32,
    pub days: u32,
    pub minutes: u32,
    pub over_day_limit: bool,
    pub over_hour_limit: bool,
    pub pay_won: i64,
}

impl From<m::VolunteerMonth> for VolunteerMonth {
    fn from(v: m::VolunteerMonth) -> Self {
        VolunteerMonth {
            worker_id: id_str(v.worker_id),
            year: v.year,
            month: v.month,
            days: v.days,
            minutes: v.minutes,
            over_day_limit: v.over_day_limit,
            over_hour_limit: v.over_hour_limit,
            pay_won: v.pay_won,
        }
    }
}

// ----------------------------------------------------------------------------------------- services

/// One service delivered or support item paid (서비스 제공 기록). Append-only: a mistake is mended by a
/// new record that `corrects` it (or voids it, `voided`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ServiceProvision {
    pub id: String,
    pub household_id: String,
    pub case_id: Option<String>,
    pub item: ServiceItem,
    /// The day the service was delivered or the support paid (Korean calendar day).
    pub provided_on: String,
    /// How much, in the item's unit (paid 돌봄SOS services only).
    pub quantity: Option<i64>,
    /// Won paid or charged.
    pub amount_won: Option<i64>,
    pub recorded_by: String,
    pub note: Option<String>,
    /// The earlier record this one corrects or voids.
    pub corrects: Option<String>,
    /// This record withdraws the one it corrects: that delivery no longer counts.
    pub voided: bool,
    /// 서울형 긴급복지 items: the crisis reason the support was paid for (`None` on records written
    /// before it was recorded, and on 돌봄SOS services).
    pub crisis_reason: Option<CrisisReason>,
    /// 서울형 긴급복지 items: new support or an extra payment in the same episode (`None` with a
    /// reason: taken as `New`).
    pub support_kind: Option<SupportKind>,
}

impl From<m::ServiceProvision> for ServiceProvision {
    fn from(p: m::ServiceProvision) -> Self {
        ServiceProvision {
            id: id_str(p.id),
            household_id: id_str(p.household_id),
            case_id: opt_id_str(p.case_id),
            item: p.item.into(),
            provided_on: date_str(p.provided_on),
            quantity: p.quantity,
            amount_won: p.amount_won,
            recorded_by: id_str(p.recorded_by),
            note: p.note,
            corrects: opt_id_str(p.corrects),
            voided: p.voided,
            crisis_reason: p.crisis_reason.map(Into::into),
            support_kind: p.support_kind.map(Into::into),
        }
    }
}

/// A service to record. Which of `quantity` and `amount_won` an item takes: `service_item_info`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewServiceProvision {
    pub household_id: String,
    pub item: ServiceItem,
    pub provided_on: String,
    pub recorded_by: String,
    #[uniffi(default)]
    pub quantity: Option<i64>,
    #[uniffi(default)]
    pub amount_won: Option<i64>,
    #[uniffi(default)]
    pub case_id: Option<String>,
    #[uniffi(default)]
    pub note: Option<String>,
    /// The earlier record of the same household this one corrects.
    #[uniffi(default)]
    pub corrects: Option<String>,
    /// 서울형 긴급복지 items: the crisis reason the support is paid for (what the repeat-support
    /// rules of `evaluate_household` read).
    #[uniffi(default)]
    pub crisis_reason: Option<CrisisReason>,
    /// 서울형 긴급복지 items, with `crisis_reason`: new support (the default) or an extra payment
    /// in the same episode (추가지원).
    #[uniffi(default)]
    pub support_kind: Option<SupportKind>,
}

impl NewServiceProvision {
    /// The core's new record and, for an emergency support item, what it was paid for.
    pub fn into_core_with(
        self,
    ) -> FfiResult<(
        s::services::NewServiceProvision,
        Option<m::EmergencySupport>,
    )> {
        let emergency = match (self.crisis_reason, self.support_kind) {
            (Some(reason), kind) => Some(m::EmergencySupport {
                crisis_reason: reason.into(),
                support_kind: kind.map_or(m::SupportKind::New, Into::into),
            }),
            (None, Some(_)) => {
                return Err(crate::error::DonghaengError::invalid(
                    "crisis_reason_required",
                    "service.crisis_reason",
                    "지원 종류(신규·재지원/추가지원)를 기록하려면 위기사유도 입력하세요".to_owned(),
                    "a support kind (new or extra) needs the crisis reason too".to_owned(),
                ))
            }
            (None, None) => None,
        };
        let new = self.into_core()?;
        Ok((new, emergency))
    }

    pub fn into_core(self) -> FfiResult<s::services::NewServiceProvision> {
        Ok(s::services::NewServiceProvision {
            household_id: id("service.household_id", &self.household_id)?,
            case_id: opt_id("service.case_id", self.case_id.as_deref())?,
            item: self.item.into(),
            provided_on: date("service.provided_on", &self.provided_on)?,
            quantity: self.quantity,
            amount_won: self.amount_won,
            recorded_by: id("service.recorded_by", &self.recorded_by)?,
            note: self.note,
            corrects: opt_id("service.corrects", self.corrects.as_deref())?,
        })
    }
}

/// What one item came to for a household in a calendar year (records that count only: corrections
/// applied, voided ones left out). What a worker checks against the yearly limits.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServiceItemUsage {
    pub item: ServiceItem,
    /// Deliveries (돌봄SOS) or payments (긴급복지).
    pub count: u64,
    /// Sum of quantities, in `unit` (0 for items without one).
    pub quantity: i64,
    pub unit: Option<QuantityUnit>,
    pub amount_won: i64,
}

impl From<s::services::ItemUsage> for ServiceItemUsage {
    fn from(u: s::services::ItemUsage) -> Self {
        ServiceItemUsage {
            item: u.item.into(),
            count: u.count,
            quantity: u.quantity,
            unit: u.unit.map(QuantityUnit::from),
            amount_won: u.amount_won,
        }
    }
}

// ------------------------------------------------------------------------------------------- agenda

/// A colleague on the same visit.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Partner {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
}

/// One visit on a worker's agenda, with what they need at the door.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AgendaItem {
    pub visit: Visit,
    pub head_name: String,
    pub address: String,
    pub location: Option<GeoPoint>,
    pub crisis_level: u8,
    pub risk_flags: Vec<RiskFlag>,
    pub partners: Vec<Partner>,
}

impl From<s::agenda::AgendaItem> for AgendaItem {
    fn from(a: s::agenda::AgendaItem) -> Self {
        AgendaItem {
            visit: a.visit.into(),
            head_name: a.head_name,
            address: a.address,
            location: a.location.map(GeoPoint::from),
            crisis_level: a.crisis_level.value(),
            risk_flags: from_core(&a.risk_flags),
            partners: a
                .partners
                .into_iter()
                .map(|p| Partner {
                    id: id_str(p.id),
                    name: p.name,
                    roles: from_core(&p.roles),
                })
                .collect(),
        }
    }
}

// ------------------------------------------------------------------------------------------ history

/// One entry of a household's history. (Variants are not named `Visit`, `WellnessCheck`, `CaseNote`:
/// in Kotlin and Swift a nested type of that name would hide the record of the same name.)
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum HistoryEntry {
    VisitEntry {
        visit: Visit,
    },
    WellnessEntry {
        check: WellnessCheck,
    },
    NoteEntry {
        note: CaseNote,
    },
    /// A service provided, as recorded (corrections and voids included).
    ServiceEntry {
        service: ServiceProvision,
    },
}

impl From<s::history::HistoryEntry> for HistoryEntry {
    fn from(e: s::history::HistoryEntry) -> Self {
        match e {
            s::history::HistoryEntry::Visit(v) => HistoryEntry::VisitEntry { visit: v.into() },
            s::history::HistoryEntry::Wellness(c) => {
                HistoryEntry::WellnessEntry { check: c.into() }
            }
            s::history::HistoryEntry::Note(n) => HistoryEntry::NoteEntry { note: n.into() },
            s::history::HistoryEntry::Service(p) => {
                HistoryEntry::ServiceEntry { service: p.into() }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HistoryItem {
    /// The time the entry is sorted by.
    pub at_ms: i64,
    pub entry: HistoryEntry,
}

/// Where the next page starts; pass it back as it came.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryCursor {
    pub at_ms: i64,
    pub id: String,
}

impl HistoryCursor {
    pub fn into_core(self) -> FfiResult<s::history::HistoryCursor> {
        Ok(s::history::HistoryCursor {
            at: instant("history.after.at_ms", self.at_ms)?,
            id: id("history.after.id", &self.id)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HistoryPage {
    pub entries: Vec<HistoryItem>,
    /// Null on the last page.
    pub next: Option<HistoryCursor>,
}

impl From<s::history::HistoryPage> for HistoryPage {
    fn from(p: s::history::HistoryPage) -> Self {
        HistoryPage {
            entries: p
                .entries
                .into_iter()
                .map(|(at, e)| HistoryItem {
                    at_ms: ms(at),
                    entry: e.into(),
                })
                .collect(),
            next: p.next.map(|c| HistoryCursor {
                at_ms: ms(c.at),
                id: id_str(c.id),
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------- synthetic

/// What `generate_synthetic_dong` made.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyntheticDong {
    pub city: OrgUnit,
    pub district: OrgUnit,
    pub dong: OrgUnit,
    pub teams: Vec<OrgUnit>,
    pub workers: Vec<Worker>,
    pub household_ids: Vec<String>,
    pub visits: u64,
    pub wellness_checks: u64,
    pub persons: u64,
}

impl From<donghaeng_core::synthetic::SyntheticDong> for SyntheticDong {
    fn from(d: donghaeng_core::synthetic::SyntheticDong) -> Self {
        SyntheticDong {
            city: d.city.into(),
            district: d.district.into(),
            dong: d.dong.into(),
            teams: d.teams.into_iter().map(OrgUnit::from).collect(),
            workers: d.workers.into_iter().map(Worker::from).collect(),
            household_ids: d.household_ids.into_iter().map(id_str).collect(),
            visits: d.visits as u64,
            wellness_checks: d.wellness_checks as u64,
            persons: d.persons as u64,
        }
    }
}
