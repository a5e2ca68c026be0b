//! Cadence (방문 주기): rules turn households and their history into due items, each with a reason, a
//! Korean/English sentence and a due date; [`agenda`] sorts them into overdue / today / upcoming.
//!
//! Dates are calendar dates in Asia/Seoul (see the module docs). An item is **overdue** when its due date
//! is before `today`, **today** when equal, **upcoming** when within `agenda_horizon_days` after today.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::config::CadenceConfig;
use super::roles::{self, RoleClause};
use crate::model::outreach::{OutreachCampaign, OutreachResult};
use crate::model::{
    ContactMode, CrisisLevel, GeoPoint, HouseholdTag, Id, RiskFlag, Role, VisitPurpose,
};
use crate::CoreResult;

crate::code_enum! {
    /// Universal-visit cohort (보편방문 대상).
    pub enum UniversalCohort: "universal_visit.cohort" {
        Age65 = ("age_65", "만 65세 도래", "turning 65"),
        Age70 = ("age_70", "만 70세 도래", "turning 70"),
        NewBirth = ("new_birth", "출산 가구", "new birth"),
    }
}

crate::code_enum! {
    /// Classification of a closed case (003: 사례관리가구 / 서비스연계가구).
    pub enum AfterCareClass: "case.classification" {
        CaseManaged = ("case_managed", "사례관리가구", "case-managed household"),
        ServiceLinked = ("service_linked", "서비스연계가구", "service-linked household"),
    }
}

crate::code_enum! {
    /// Why something is due.
    pub enum DueReason: "due_item.reason" {
        CrisisMonitoring = ("crisis_monitoring", "위기도 정기 모니터링", "crisis-level monitoring"),
        Universal65 = ("universal_65", "만 65세 보편방문", "universal visit at 65"),
        Universal70 = ("universal_70", "만 70세 보편방문", "universal visit at 70"),
        NewBirth = ("new_birth", "출산 가구 방문", "new-birth visit"),
        AfterCare = ("after_care", "종결 후 사후관리", "after-care after closure"),
        ReferralFirstReply = ("referral_first_reply", "의뢰 1차 회신 기한", "first referral reply due"),
        ReferralSecondReply = ("referral_second_reply", "서비스 종료 후 2차 회신 기한", "second referral reply due"),
        VolunteerRegular = ("volunteer_regular", "돌봄단 정기방문", "volunteer's regular visit"),
        SuggestClosure = ("suggest_closure", "3개월 연락 두절: 종결 검토", "no contact for months: consider closure"),
        /// 만 3세 전수조사 (10~12월, 001 §5).
        Age3Survey = ("age3_survey", "만 3세 전수조사", "age-3 child survey"),
        /// 만 3세 조사를 거부한 가정: 경찰 동행 방문으로 아동 안전 확인 (001 §5).
        Age3PoliceVisit = ("age3_police_visit", "만 3세 조사 거부: 경찰 동행 방문", "age-3 survey refused: visit with police"),
        /// 소나무 센터 사후관리 모니터링 주기 도래 (001 §10).
        CrisisFamilyMonitoring = ("crisis_family_monitoring", "소나무 센터 모니터링", "crisis family centre monitoring"),
        /// 퇴원환자 돌봄계획 수립 (돌봄SOS, 001 §9): the 동 visits and plans the care.
        DischargeCarePlan = ("discharge_care_plan", "퇴원환자 돌봄계획 수립", "care plan for a discharged patient"),
        /// 퇴원환자 서비스 제공 시작 (돌봄SOS, 001 §9).
        DischargeService = ("discharge_service", "퇴원환자 서비스 제공", "services for a discharged patient"),
    }
}

/// A universal visit already made (so it is not due again this year / for this birth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "UniversalVisitDone"))]
pub struct UniversalVisitRecord {
    pub cohort: UniversalCohort,
    pub date: NaiveDate,
}

/// A household as cadence sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CadenceHousehold {
    pub id: Id,
    pub crisis_level: CrisisLevel,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Vec<HouseholdTag>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub risk_flags: Vec<RiskFlag>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub location: Option<GeoPoint>,
    /// Birth dates of the members (for 65/70세 and new births).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub member_birth_dates: Vec<NaiveDate>,
    /// Last monitoring contact of any mode (home, centre, phone).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub last_contact: Option<NaiveDate>,
    /// Start of monitoring; a household never contacted is due from this date (or today if unknown).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub monitored_since: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub universal_visits: Vec<UniversalVisitRecord>,
    /// Open case (사례관리 진행 중) since this date; used for the 3-month no-contact closure suggestion.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub open_case_since: Option<NaiveDate>,
    /// Outreach attempts of the campaigns (만 3세 조사, 소나무 센터 사후관리).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub outreach: Vec<CampaignContact>,
    /// In the 소나무 센터's follow-up since this date (its referral to the centre, while open).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub crisis_family_since: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub archived: bool,
}

/// An outreach attempt of a campaign, as the cadence rules read it (corrections resolved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CampaignContact {
    pub campaign: OutreachCampaign,
    pub date: NaiveDate,
    pub result: OutreachResult,
}

/// A closed case and the after-care contacts made since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "CadenceClosure"))]
pub struct CaseClosure {
    pub case_id: Id,
    pub household_id: Id,
    pub classification: AfterCareClass,
    pub closed_on: NaiveDate,
    /// Dates of after-care contacts made; the n-th after-care is done when there are n of them.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub after_care_done: Vec<NaiveDate>,
}

/// A referral to mental-health staff and its replies (001 §11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "CadenceReferral"))]
pub struct Referral {
    pub id: Id,
    pub household_id: Id,
    pub referred_on: NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub first_reply_on: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub service_ended_on: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub second_reply_on: Option<NaiveDate>,
}

/// A hospital-discharge referral assigned to the 동 (돌봄SOS 퇴원환자 연계, 001 §9), as far as the 동's
/// part of it goes: planning the care and starting the services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "CadenceDischarge"))]
pub struct Discharge {
    pub id: Id,
    pub household_id: Id,
    pub assigned_on: NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub discharge_on: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub care_plan_on: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub service_started_on: Option<NaiveDate>,
}

/// A volunteer's assigned regular visits to a household (우리동네돌봄단, 보라미).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VolunteerAssignment {
    pub volunteer_id: Id,
    pub household_id: Id,
    pub interval_days: u32,
    pub since: NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub last_visit: Option<NaiveDate>,
}

/// Everything cadence needs, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CadenceInput {
    /// Today in Seoul.
    pub today: NaiveDate,
    #[serde(default)]
    pub households: Vec<CadenceHousehold>,
    #[serde(default)]
    pub closures: Vec<CaseClosure>,
    #[serde(default)]
    pub referrals: Vec<Referral>,
    #[serde(default)]
    pub volunteer_assignments: Vec<VolunteerAssignment>,
    #[serde(default)]
    pub discharges: Vec<Discharge>,
    #[serde(default)]
    pub config: CadenceConfig,
}

/// Something due for a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DueItem {
    pub household_id: Id,
    /// The household's 위기도, which ranks the item when the day is short (crisis level first, then
    /// lateness). Level 1 when the household is not in the input.
    #[serde(default = "stable")]
    pub crisis_level: CrisisLevel,
    pub reason: DueReason,
    pub purpose: VisitPurpose,
    pub due: NaiveDate,
    /// `today − due` in days: positive = overdue, 0 = today, negative = upcoming.
    pub days_overdue: i64,
    pub ko: String,
    pub en: String,
    /// Roles the visit needs (cohort roles plus risk-flag companions for home visits).
    pub required: Vec<RoleClause>,
    pub suggested_mode: ContactMode,
    /// The case, referral or volunteer assignment the item comes from.
    pub related_id: Option<Id>,
    /// The worker who should go (a volunteer's own regular visit).
    pub assigned_worker: Option<Id>,
}

/// Due items sorted for the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "CadenceAgenda"))]
pub struct Agenda {
    pub today: NaiveDate,
    pub overdue: Vec<DueItem>,
    pub due_today: Vec<DueItem>,
    pub upcoming: Vec<DueItem>,
}

fn stable() -> CrisisLevel {
    CrisisLevel::STABLE
}

fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

/// Month arithmetic clamps to the month's last day (31 Aug + 6 months = 28/29 Feb).
fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

/// This year's birthday; 29 Feb falls on 1 Mar in other years (our choice).
fn birthday_in(birth: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

struct ItemDraft {
    household_id: Id,
    reason: DueReason,
    due: NaiveDate,
    ko: String,
    en: String,
    mode: ContactMode,
    required: Vec<RoleClause>,
    related_id: Option<Id>,
    assigned_worker: Option<Id>,
}

fn purpose_of(reason: DueReason) -> VisitPurpose {
    match reason {
        DueReason::CrisisMonitoring => VisitPurpose::CrisisMonitoring,
        DueReason::Universal65 | DueReason::Universal70 | DueReason::NewBirth => {
            VisitPurpose::UniversalVisit
        }
        DueReason::AfterCare => VisitPurpose::AfterCare,
        DueReason::ReferralFirstReply | DueReason::ReferralSecondReply => {
            VisitPurpose::ReferralFollowUp
        }
        DueReason::VolunteerRegular => VisitPurpose::WellnessCheck,
        DueReason::SuggestClosure => VisitPurpose::CaseWork,
        DueReason::Age3Survey | DueReason::Age3PoliceVisit => VisitPurpose::UniversalVisit,
        DueReason::CrisisFamilyMonitoring => VisitPurpose::CrisisMonitoring,
        DueReason::DischargeCarePlan | DueReason::DischargeService => VisitPurpose::CareSos,
    }
}

/// Every due item for the input, sorted by due date, then reason, then household id. Items are listed
/// whatever their date; [`agenda`] cuts them to the horizon.
pub fn due_items(input: &CadenceInput) -> CoreResult<Vec<DueItem>> {
    let cfg = &input.config;
    cfg.validate()?;
    let today = input.today;
    let mut drafts: Vec<ItemDraft> = Vec::new();
    let mut flags_of = std::collections::BTreeMap::new();
    let mut level_of = std::collections::BTreeMap::new();
    let mut archived = BTreeSet::new();
    for h in &input.households {
        if h.archived {
            archived.insert(h.id);
            continue;
        }
        flags_of.insert(h.id, h.risk_flags.clone());
        level_of.insert(h.id, h.crisis_level);
        crisis_item(h, cfg, today, &mut drafts);
        universal_items(h, cfg, today, &mut drafts);
        age3_survey_item(h, today, &mut drafts);
        crisis_family_item(h, cfg, &mut drafts);
        closure_suggestion(h, cfg, today, &mut drafts);
    }
    for c in input
        .closures
        .iter()
        .filter(|c| !archived.contains(&c.household_id))
    {
        after_care_items(c, cfg, &mut drafts);
    }
    for r in input
        .referrals
        .iter()
        .filter(|r| !archived.contains(&r.household_id))
    {
        referral_items(r, cfg, &mut drafts);
    }
    for d in input
        .discharges
        .iter()
        .filter(|d| !archived.contains(&d.household_id))
    {
        discharge_item(d, cfg, &mut drafts);
    }
    for a in &input.volunteer_assignments {
        if archived.contains(&a.household_id) || a.interval_days == 0 {
            // A zero interval is "no regular visit"; skip rather than list it every day.
            continue;
        }
        let (due, ko, en) = match a.last_visit {
            Some(last) => (
                add_days(last, a.interval_days),
                format!(
                    "돌봄단 정기방문 ({}일 주기, 최근 방문 {last})",
                    a.interval_days
                ),
                format!(
                    "volunteer's regular visit (every {} days, last {last})",
                    a.interval_days
                ),
            ),
            None => (
                a.since,
                format!("돌봄단 정기방문 (배정 {}, 첫 방문)", a.since),
                format!(
                    "volunteer's regular visit (assigned {}, first visit)",
                    a.since
                ),
            ),
        };
        drafts.push(ItemDraft {
            household_id: a.household_id,
            reason: DueReason::VolunteerRegular,
            due,
            ko,
            en,
            mode: ContactMode::Home,
            required: Vec::new(),
            related_id: None,
            assigned_worker: Some(a.volunteer_id),
        });
    }
    let mut items: Vec<DueItem> = drafts
        .into_iter()
        .map(|d| {
            let mut required = d.required;
            if d.mode == ContactMode::Home {
                if let Some(flags) = flags_of.get(&d.household_id) {
                    required = roles::merge(required, roles::companions(flags));
                }
            }
            DueItem {
                household_id: d.household_id,
                crisis_level: level_of
                    .get(&d.household_id)
                    .copied()
                    .unwrap_or(CrisisLevel::STABLE),
                reason: d.reason,
                purpose: purpose_of(d.reason),
                due: d.due,
                days_overdue: (today - d.due).num_days(),
                ko: d.ko,
                en: d.en,
                required,
                suggested_mode: d.mode,
                related_id: d.related_id,
                assigned_worker: d.assigned_worker,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        (a.due, a.reason, a.household_id, a.related_id).cmp(&(
            b.due,
            b.reason,
            b.household_id,
            b.related_id,
        ))
    });
    Ok(items)
}

fn crisis_item(
    h: &CadenceHousehold,
    cfg: &CadenceConfig,
    today: NaiveDate,
    out: &mut Vec<ItemDraft>,
) {
    let level = h.crisis_level;
    let every = cfg.interval_for(level.value());
    let (due, ko_tail, en_tail) = match h.last_contact {
        Some(last) => (
            add_days(last, every),
            format!("최근 접촉 {last}"),
            format!("last contact {last}"),
        ),
        // Never contacted: due from the start of monitoring, or today if that is unknown.
        None => (
            h.monitored_since.unwrap_or(today),
            "접촉 기록 없음".to_owned(),
            "no contact on record".to_owned(),
        ),
    };
    out.push(ItemDraft {
        household_id: h.id,
        reason: DueReason::CrisisMonitoring,
        due,
        ko: format!(
            "위기도 {}({}) 가구: {every}일마다 모니터링, {ko_tail}",
            level.value(),
            level.label_ko()
        ),
        en: format!(
            "crisis level {} ({}) household: monitored every {every} days, {en_tail}",
            level.value(),
            level.label_en()
        ),
        mode: ContactMode::Home,
        required: Vec::new(),
        related_id: None,
        assigned_worker: None,
    });
}

fn universal_items(
    h: &CadenceHousehold,
    cfg: &CadenceConfig,
    today: NaiveDate,
    out: &mut Vec<ItemDraft>,
) {
    let year = today.year();
    let done_this_year = |cohort: UniversalCohort| {
        h.universal_visits
            .iter()
            .any(|r| r.cohort == cohort && r.date.year() == year)
    };
    for (age, cohort, reason, required) in [
        (
            65,
            UniversalCohort::Age65,
            DueReason::Universal65,
            roles::universal_65(),
        ),
        (
            70,
            UniversalCohort::Age70,
            DueReason::Universal70,
            roles::universal_70(),
        ),
    ] {
        if done_this_year(cohort) {
            continue;
        }
        // One item per cohort even if two members turn 65 this year: one visit covers the household.
        let birthday = h
            .member_birth_dates
            .iter()
            .filter(|b| crate::model::person::age_reached_in(**b, year) == age)
            .filter_map(|b| birthday_in(*b, year))
            .min();
        if let Some(due) = birthday {
            out.push(ItemDraft {
                household_id: h.id,
                reason,
                due,
                ko: format!("올해 만 {age}세가 되는 가구원 (생일 {due}): 보편방문"),
                en: format!("a member turns {age} this year (birthday {due}): universal visit"),
                mode: ContactMode::Home,
                required,
                related_id: None,
                assigned_worker: None,
            });
        }
    }
    // New births: a child born within the window, not yet visited since the birth.
    let window_start = today
        .checked_sub_days(Days::new(u64::from(cfg.new_birth_window_days)))
        .unwrap_or(NaiveDate::MIN);
    let newest_birth = h
        .member_birth_dates
        .iter()
        .filter(|b| **b <= today && **b >= window_start)
        .max()
        .copied();
    let visited_since = |d: NaiveDate| {
        h.universal_visits
            .iter()
            .any(|r| r.cohort == UniversalCohort::NewBirth && r.date >= d)
    };
    let birth_due = match newest_birth {
        Some(b) if !visited_since(b) => Some((
            add_days(b, cfg.new_birth_visit_days),
            format!("출산 가구 (출생 {b}): 방문간호사 방문"),
            format!("new birth ({b}): visiting-nurse visit"),
        )),
        Some(_) => None,
        // Tagged as a birth household but no birth date given: due today unless ever visited.
        None if h.tags.contains(&HouseholdTag::NewBirth)
            && !h
                .universal_visits
                .iter()
                .any(|r| r.cohort == UniversalCohort::NewBirth) =>
        {
            Some((
                today,
                "출산 가구 (출생일 미입력): 방문간호사 방문".to_owned(),
                "new-birth household (birth date not recorded): visiting-nurse visit".to_owned(),
            ))
        }
        None => None,
    };
    if let Some((due, ko, en)) = birth_due {
        out.push(ItemDraft {
            household_id: h.id,
            reason: DueReason::NewBirth,
            due,
            ko,
            en,
            mode: ContactMode::Home,
            // 방문간호사 visit new-birth households (001 §5).
            required: vec![RoleClause::one(Role::VisitingNurse)],
            related_id: None,
            assigned_worker: None,
        });
    }
}

/// First month of the 만 3세 전수조사 (001 §5: 10~12월 집중 실시); it runs to the year's end.
pub const AGE3_SURVEY_FROM_MONTH: u32 = 10;

/// The 만 3세 survey (001 §5): from October to December, a household with a child who turns 3 this
/// year is due from 1 October until the survey reaches it (an attempt of the campaign that got a
/// response). A household whose latest attempt this year was refused is due at once for a visit
/// with the police (경찰 동행 방문, to see the child is safe); not reached, it stays due.
fn age3_survey_item(h: &CadenceHousehold, today: NaiveDate, out: &mut Vec<ItemDraft>) {
    let year = today.year();
    let Some(start) = NaiveDate::from_ymd_opt(year, AGE3_SURVEY_FROM_MONTH, 1) else {
        return;
    };
    if today < start {
        return;
    }
    let has_child = h
        .member_birth_dates
        .iter()
        .any(|b| crate::model::person::age_reached_in(*b, year) == 3);
    if !has_child {
        return;
    }
    let latest = h
        .outreach
        .iter()
        .filter(|o| o.campaign == OutreachCampaign::Age3Survey && o.date >= start)
        .max_by_key(|o| o.date);
    let draft = |reason, due, ko: String, en: String, required| ItemDraft {
        household_id: h.id,
        reason,
        due,
        ko,
        en,
        mode: ContactMode::Home,
        required,
        related_id: None,
        assigned_worker: None,
    };
    match latest.map(|o| (o.result, o.date)) {
        Some((OutreachResult::Responded, _)) => {}
        Some((OutreachResult::Refused, on)) => out.push(draft(
            DueReason::Age3PoliceVisit,
            on,
            format!("만 3세 전수조사 거부({on}): 경찰과 동행 방문하여 아동 안전 확인"),
            format!("age-3 survey refused ({on}): visit with the police to see the child is safe"),
            roles::age3_refused(),
        )),
        last => {
            let (ko_tail, en_tail) = match last {
                Some((r, on)) => (
                    format!(", 최근 시도 {on} {}", r.label_ko()),
                    format!(", last attempt {on} {}", r.label_en()),
                ),
                None => (String::new(), String::new()),
            };
            out.push(draft(
                DueReason::Age3Survey,
                start,
                format!("올해 만 3세가 되는 아동 (10~12월 전수조사){ko_tail}"),
                format!("a child turns 3 this year (survey October to December){en_tail}"),
                Vec::new(),
            ));
        }
    }
}

/// The 소나무 센터's follow-up (001 §10: a reminder when a household's monitoring is due): every
/// `crisis_family_monitoring_days` from the referral to the centre, counted from the latest
/// attempt of the campaign that reached the household — answered, or refused (a refusal is
/// respected until the next cycle; the household is texted). An unanswered attempt does not
/// complete the cycle: the item stays due and the household is texted.
fn crisis_family_item(h: &CadenceHousehold, cfg: &CadenceConfig, out: &mut Vec<ItemDraft>) {
    let Some(since) = h.crisis_family_since else {
        return;
    };
    let of_campaign = || {
        h.outreach
            .iter()
            .filter(|o| o.campaign == OutreachCampaign::CrisisFamily && o.date >= since)
    };
    let reached = of_campaign()
        .filter(|o| {
            matches!(
                o.result,
                OutreachResult::Responded | OutreachResult::Refused
            )
        })
        .map(|o| o.date)
        .max();
    let every = cfg.crisis_family_monitoring_days;
    let due = add_days(reached.unwrap_or(since), every);
    let (ko_tail, en_tail) = match of_campaign().max_by_key(|o| o.date) {
        Some(o) => (
            format!("최근 시도 {} {}", o.date, o.result.label_ko()),
            format!("last attempt {} {}", o.date, o.result.label_en()),
        ),
        None => (format!("연계 {since}"), format!("referred {since}")),
    };
    out.push(ItemDraft {
        household_id: h.id,
        reason: DueReason::CrisisFamilyMonitoring,
        due,
        ko: format!("소나무 센터 사후관리: {every}일마다 모니터링, {ko_tail}"),
        en: format!("crisis family centre follow-up: monitored every {every} days, {en_tail}"),
        mode: ContactMode::Phone,
        required: Vec::new(),
        related_id: None,
        assigned_worker: None,
    });
}

fn closure_suggestion(
    h: &CadenceHousehold,
    cfg: &CadenceConfig,
    today: NaiveDate,
    out: &mut Vec<ItemDraft>,
) {
    let Some(open) = h.open_case_since else {
        return;
    };
    let since = h.last_contact.map_or(open, |c| c.max(open));
    let due = add_months(since, cfg.no_contact_closure_months);
    // Only list it once the period has actually passed: before that it is not a fact yet.
    if due > today {
        return;
    }
    out.push(ItemDraft {
        household_id: h.id,
        reason: DueReason::SuggestClosure,
        due,
        ko: format!(
            "{}개월 이상 연락 두절 (마지막 {since}): 종결(연락 두절) 검토",
            cfg.no_contact_closure_months
        ),
        en: format!(
            "no contact for {} months (last {since}): consider closure (no contact)",
            cfg.no_contact_closure_months
        ),
        mode: ContactMode::Phone,
        required: Vec::new(),
        related_id: None,
        assigned_worker: None,
    });
}

fn after_care_items(c: &CaseClosure, cfg: &CadenceConfig, out: &mut Vec<ItemDraft>) {
    let months = match c.classification {
        AfterCareClass::CaseManaged => &cfg.after_care_case_managed_months,
        AfterCareClass::ServiceLinked => &cfg.after_care_service_linked_months,
    };
    let done = c
        .after_care_done
        .iter()
        .filter(|d| **d >= c.closed_on)
        .count();
    for (n, m) in months.iter().enumerate().skip(done) {
        let due = add_months(c.closed_on, *m);
        out.push(ItemDraft {
            household_id: c.household_id,
            reason: DueReason::AfterCare,
            due,
            ko: format!(
                "{} 종결({}) 후 {m}개월 사후관리 ({}/{}회)",
                c.classification.label_ko(),
                c.closed_on,
                n + 1,
                months.len()
            ),
            en: format!(
                "after-care {m} months after closure of a {} ({}), {} of {}",
                c.classification.label_en(),
                c.closed_on,
                n + 1,
                months.len()
            ),
            mode: ContactMode::Home,
            required: Vec::new(),
            related_id: Some(c.case_id),
            assigned_worker: None,
        });
    }
}

fn referral_items(r: &Referral, cfg: &CadenceConfig, out: &mut Vec<ItemDraft>) {
    if r.first_reply_on.is_none() {
        let due = add_days(r.referred_on, cfg.referral_first_reply_days);
        out.push(ItemDraft {
            household_id: r.household_id,
            reason: DueReason::ReferralFirstReply,
            due,
            ko: format!(
                "의뢰({}) 후 {}일 이내 1차 회신 확인",
                r.referred_on, cfg.referral_first_reply_days
            ),
            en: format!(
                "first reply due within {} days of the referral ({})",
                cfg.referral_first_reply_days, r.referred_on
            ),
            mode: ContactMode::Phone,
            required: Vec::new(),
            related_id: Some(r.id),
            assigned_worker: None,
        });
    }
    if let (Some(ended), None) = (r.service_ended_on, r.second_reply_on) {
        let due = add_days(ended, cfg.referral_second_reply_days);
        out.push(ItemDraft {
            household_id: r.household_id,
            reason: DueReason::ReferralSecondReply,
            due,
            ko: format!(
                "서비스 종료({ended}) 후 {}일 이내 2차 회신 확인",
                cfg.referral_second_reply_days
            ),
            en: format!(
                "second reply due within {} days after the service ended ({ended})",
                cfg.referral_second_reply_days
            ),
            mode: ContactMode::Phone,
            required: Vec::new(),
            related_id: Some(r.id),
            assigned_worker: None,
        });
    }
}

/// The 동's next step on a discharge referral. The care plan is due `discharge_care_plan_days` after
/// the assignment, and by the day of discharge if that comes first (the seed has the hospital refer
/// before discharge so that care is ready when the patient comes home); the care manager visits
/// (돌봄매니저, who runs the 돌봄SOS centre of the 동). The services are due from the plan, or from
/// the discharge if the patient is still in hospital. Nothing is due once the services have started:
/// what follows is the district's.
fn discharge_item(d: &Discharge, cfg: &CadenceConfig, out: &mut Vec<ItemDraft>) {
    let draft = |reason, due, ko, en, mode, required| ItemDraft {
        household_id: d.household_id,
        reason,
        due,
        ko,
        en,
        mode,
        required,
        related_id: Some(d.id),
        assigned_worker: None,
    };
    let discharge = d.discharge_on.filter(|x| *x >= d.assigned_on);
    let discharge_ko = discharge.map_or(String::new(), |x| format!(", 퇴원 {x}"));
    let discharge_en = discharge.map_or(String::new(), |x| format!(", discharge {x}"));
    match (d.care_plan_on, d.service_started_on) {
        (None, _) => {
            let days = cfg.discharge_care_plan_days;
            let due = add_days(d.assigned_on, days).min(discharge.unwrap_or(NaiveDate::MAX));
            out.push(draft(
                DueReason::DischargeCarePlan,
                due,
                format!(
                    "퇴원환자 연계 배정({}) 후 {days}일 이내 현장방문·돌봄계획 수립{discharge_ko}",
                    d.assigned_on
                ),
                format!(
                    "discharge referral assigned {}: visit and plan the care within {days} days{discharge_en}",
                    d.assigned_on
                ),
                ContactMode::Home,
                vec![RoleClause::one(Role::CareManager)],
            ));
        }
        (Some(planned), None) => {
            let due = planned.max(discharge.unwrap_or(planned));
            out.push(draft(
                DueReason::DischargeService,
                due,
                format!("돌봄계획({planned})에 따른 서비스 제공 시작{discharge_ko}"),
                format!("start the services of the care plan ({planned}){discharge_en}"),
                ContactMode::Phone,
                Vec::new(),
            ));
        }
        (Some(_), Some(_)) => {}
    }
}

/// The agenda for `input.today`: overdue, due today, and upcoming within the configured horizon.
pub fn agenda(input: &CadenceInput) -> CoreResult<Agenda> {
    let today = input.today;
    let horizon = add_days(today, input.config.agenda_horizon_days);
    let mut a = Agenda {
        today,
        overdue: Vec::new(),
        due_today: Vec::new(),
        upcoming: Vec::new(),
    };
    for item in due_items(input)? {
        if item.due < today {
            a.overdue.push(item);
        } else if item.due == today {
            a.due_today.push(item);
        } else if item.due <= horizon {
            a.upcoming.push(item);
        }
    }
    Ok(a)
}
