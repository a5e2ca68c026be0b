//! Program figures (성과 지표, docs/dashboard.md "Figures", from `domain.md` "Figures the programs
//! report") for a period and a set of 동, computed from the typed records ([`FigureRecords`]) the
//! phone's store and the server's dashboard both hold. Our definitions where the seeds leave a choice (also in
//! docs/dashboard.md):
//!
//! - **Period**: calendar days in Korea (KST, UTC+9), both ends included.
//! - **Contact (접촉)**: a visit completed in the period with outcome `met` ([`Visit::contact_at`], the
//!   rule of the last contact and the due list), by its contact mode (가정방문 home, 내방 centre, 전화 phone).
//! - **Contact rate by cohort (주민접촉률)**: cohort households contacted at least once by a universal
//!   visit (보편방문) / cohort households. Cohorts: `age65` and `age70` (a member turning 65 / 70 in the
//!   year the period ends in), `new_birth` and `child_rearing` (household tags). Per mode: households
//!   with at least one contact in that mode (a household met at home and by phone counts in both).
//! - **Non-response (미접촉 사유)**: of each cohort's households not contacted, how many by the result
//!   of their latest outreach attempt of the period for that cohort (letter delivered, letter
//!   returned 반송, no answer, refused by reason, answered but not met yet, no attempt), and the
//!   period's attempts by mode (001 §5).
//! - **65세 accompanied-visit rate (동행방문률)**: completed home visits (universal visit) to `age65`
//!   households in the period made by a 복지플래너 and a 방문간호사 together (001 §5 ②; the core's
//!   [`crate::schedule::roles::accompanied_65`] over the assigned workers' roles) / all such visits.
//! - **Crisis households found (위기가구 발굴)**: crisis reports made in the period in the 동 (distinct
//!   households named, and reports without a household yet).
//! - **Service links (서비스 연계)**: referrals made in the period, by target.
//! - **Birth households linked to the public health centre (출산 가구 보건소 연계)**: households tagged
//!   `new_birth` with a referral to the 보건소 (`public_health_centre`) made in the period / households
//!   tagged `new_birth` (001 §5: the 동 and the centre share the birth households).
//! - **Mental-health accompanied-visit rate (정신건강 동행방문률, 001 §11: accompanied visits /
//!   accompaniment requests)**: our reading of the records — a request is a visit planned in the
//!   period (window start) that asks for a 정신건강전문요원 (`required_roles`), not cancelled; it is
//!   accompanied when it was completed with a 정신건강전문요원 among its assigned workers.
//! - **Private resources found and linked (민간자원 발굴·연계)**: referrals made in the period to a
//!   community agency (`community_agency`: 민간 복지관 등), and the distinct households they serve.
//! - **Lonely-death-risk households monitored**: households tagged `lonely_death_risk`, and of them
//!   those with at least one contact in the period.
//! - **돌봄SOS services by type (돌봄SOS 서비스 제공 실적)**: services provided (`service_provisions`)
//!   on a day in the period to households of the 동, per service type: distinct households,
//!   deliveries, quantity in the type's unit (minutes, days, meals) and amount. Every type is listed,
//!   0 included, so that a report form's rows are all there; a total row follows.
//! - **Emergency support by item (긴급복지 항목별 지원 실적)**: the same for 서울형 긴급복지 support items
//!   (households, payments, amount, `domain.md`: "households, amount").
//!   For both, a corrected record counts as its latest correction and a voided one not at all
//!   ([`crate::model::service::current`], the rule the phone uses).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::clock::day_start_ms;
use crate::model::outreach::{self, OutreachAttempt, OutreachResult};
use crate::model::person::age_reached_in;
use crate::model::service::current;
use crate::model::{
    ContactMode, CrisisReport, Household, HouseholdTag, Id, ItemShape, Person, Referral,
    ReferralTarget, Role, ServiceItem, ServiceProgram, ServiceProvision, Visit, VisitPurpose,
    VisitStatus, Worker,
};
use crate::schedule::roles::accompanied_65;

/// A period of calendar days in Korea, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Start (inclusive) and end (exclusive) in UTC milliseconds.
    pub fn bounds_ms(&self) -> (i64, i64) {
        let start = day_start_ms;
        (
            start(self.from),
            start(self.to.succ_opt().unwrap_or(self.to)),
        )
    }

    pub fn contains_ms(&self, ms: i64) -> bool {
        let (a, b) = self.bounds_ms();
        (a..b).contains(&ms)
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.contains_ms(at.timestamp_millis())
    }

    pub fn contains_day(&self, d: NaiveDate) -> bool {
        (self.from..=self.to).contains(&d)
    }
}

/// The records the figures read: those of the 동 counted (as [`crate::store::Store::dong_records`]
/// loads them). Workers not listed count with no role.
#[derive(Debug, Clone, Copy, Default)]
pub struct FigureRecords<'a> {
    pub households: &'a [Household],
    pub persons: &'a [Person],
    /// With their assigned workers.
    pub visits: &'a [Visit],
    pub referrals: &'a [Referral],
    pub crisis_reports: &'a [CrisisReport],
    pub services: &'a [ServiceProvision],
    /// Universal-visit outreach attempts (corrections resolved here).
    pub outreach: &'a [OutreachAttempt],
    pub workers: &'a [Worker],
}

/// A count out of a base, with the rate (`None` when the base is 0: no rate, not 0 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ratio {
    pub count: u64,
    pub base: u64,
    pub rate: Option<f64>,
}

impl Ratio {
    pub fn new(count: u64, base: u64) -> Self {
        Ratio {
            count,
            base,
            rate: (base > 0).then(|| count as f64 / base as f64),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortContact {
    pub cohort: &'static str,
    pub households: u64,
    pub contacted: Ratio,
    /// Per contact mode (`home`, `centre`, `phone`).
    pub by_mode: BTreeMap<String, Ratio>,
    /// The households not contacted, by what their latest outreach attempt of the period came to.
    pub non_response: NonResponse,
    /// Outreach attempts of the period for the cohort, by mode (`letter`, `home`, … `text`).
    pub attempts_by_mode: BTreeMap<String, u64>,
}

/// The cohort's households not contacted in the period, each counted once by the result of its
/// latest outreach attempt of the period (001 §5: did the letter arrive, was it returned, why a
/// household refused).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NonResponse {
    pub not_contacted: u64,
    pub letter_delivered: u64,
    pub letter_returned: u64,
    pub no_answer: u64,
    pub refused: u64,
    /// Refusals by reason code.
    pub refusal_reasons: BTreeMap<String, u64>,
    /// Answered (agreed to a visit) but not met yet.
    pub responded: u64,
    /// No attempt recorded in the period.
    pub no_attempt: u64,
}

/// What one service type or support item came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemFigure {
    /// A `ServiceItem` code, or `total`.
    pub item: &'static str,
    pub label_ko: &'static str,
    pub label_en: &'static str,
    pub households: u64,
    /// Deliveries or payments.
    pub count: u64,
    /// Sum of quantities in `unit` (paid 돌봄SOS services only; 0 otherwise).
    pub quantity: i64,
    pub unit: Option<&'static str>,
    pub amount_won: i64,
}

/// Every figure for one period and set of 동.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub contact_rate: Vec<CohortContact>,
    pub accompanied_65: Ratio,
    pub crisis_reports: u64,
    pub crisis_households: u64,
    /// Referrals by target code.
    pub service_links: BTreeMap<String, u64>,
    pub lonely_death_risk: Ratio,
    /// Birth households referred to the public health centre in the period / birth households.
    pub birth_health_links: Ratio,
    /// Visits with a 정신건강전문요원 / visits that asked for one.
    pub accompanied_mental_health: Ratio,
    /// Referrals to community agencies in the period.
    pub private_resource_links: u64,
    /// Households those referrals serve.
    pub private_resource_households: u64,
    /// 돌봄SOS services by type, every type, then `total`.
    pub care_sos_services: Vec<ItemFigure>,
    /// 서울형 긴급복지 support by item, every item, then `total`.
    pub emergency_support: Vec<ItemFigure>,
}

/// The cohorts of the contact rate, in report order.
pub const COHORTS: &[&str] = &["age65", "age70", "new_birth", "child_rearing"];
/// The contact modes, in report order.
pub const MODES: &[ContactMode] = &[ContactMode::Home, ContactMode::Centre, ContactMode::Phone];

/// Computes the figures of the period over the households listed (and the crisis reports of their
/// 동, also listed).
pub fn compute(data: &FigureRecords<'_>, period: &Period) -> Figures {
    let households: HashMap<Id, &Household> = data.households.iter().map(|h| (h.id, h)).collect();
    let year = period.to.year();
    let mut turning: HashMap<i32, HashSet<Id>> = HashMap::new();
    for p in data.persons {
        if households.contains_key(&p.household_id) {
            turning
                .entry(age_reached_in(p.birth_date, year))
                .or_default()
                .insert(p.household_id);
        }
    }
    let tagged = |tag: HouseholdTag| -> HashSet<Id> {
        households
            .values()
            .filter(|h| h.tags.contains(&tag))
            .map(|h| h.id)
            .collect()
    };
    let cohort_of = |cohort: &str| -> HashSet<Id> {
        match cohort {
            "age65" => turning.get(&65).cloned().unwrap_or_default(),
            "age70" => turning.get(&70).cloned().unwrap_or_default(),
            "new_birth" => tagged(HouseholdTag::NewBirth),
            "child_rearing" => tagged(HouseholdTag::ChildRearing),
            _ => HashSet::new(),
        }
    };
    let contact_in_period = |v: &Visit| v.contact_at().is_some_and(|at| period.contains(at));
    // Households contacted by universal visits, per mode; and by any visit.
    let mut universal: HashMap<ContactMode, HashSet<Id>> = HashMap::new();
    let mut any_contact: HashSet<Id> = HashSet::new();
    for v in data.visits {
        if !households.contains_key(&v.household_id) || !contact_in_period(v) {
            continue;
        }
        any_contact.insert(v.household_id);
        if v.purpose == VisitPurpose::UniversalVisit {
            universal
                .entry(v.contact_mode)
                .or_default()
                .insert(v.household_id);
        }
    }
    let attempts: Vec<OutreachAttempt> = outreach::current(data.outreach.to_vec())
        .into_iter()
        .filter(|a| households.contains_key(&a.household_id) && period.contains_day(a.attempted_on))
        .collect();
    let contact_rate = COHORTS
        .iter()
        .map(|cohort| {
            let members = cohort_of(cohort);
            let base = members.len() as u64;
            let is_contacted = |h: &Id| universal.values().any(|s| s.contains(h));
            let contacted = members.iter().filter(|h| is_contacted(h)).count() as u64;
            // Newest first: the first attempt seen for a household is its latest.
            let of_cohort: Vec<&OutreachAttempt> = attempts
                .iter()
                .filter(|a| a.campaign.code() == *cohort && members.contains(&a.household_id))
                .collect();
            let mut attempts_by_mode = BTreeMap::new();
            for a in &of_cohort {
                *attempts_by_mode
                    .entry(a.mode.code().to_owned())
                    .or_insert(0) += 1;
            }
            let mut non_response = NonResponse::default();
            for h in members.iter().filter(|h| !is_contacted(h)) {
                non_response.not_contacted += 1;
                let latest = of_cohort.iter().find(|a| a.household_id == *h);
                match latest.map(|a| (a.result, a.refusal_reason)) {
                    None => non_response.no_attempt += 1,
                    Some((OutreachResult::Delivered, _)) => non_response.letter_delivered += 1,
                    Some((OutreachResult::Returned, _)) => non_response.letter_returned += 1,
                    Some((OutreachResult::NoAnswer, _)) => non_response.no_answer += 1,
                    Some((OutreachResult::Responded, _)) => non_response.responded += 1,
                    Some((OutreachResult::Refused, reason)) => {
                        non_response.refused += 1;
                        let code = reason.map_or("other", |r| r.code());
                        *non_response
                            .refusal_reasons
                            .entry(code.to_owned())
                            .or_insert(0) += 1;
                    }
                }
            }
            let by_mode = MODES
                .iter()
                .map(|m| {
                    let n = universal
                        .get(m)
                        .map_or(0, |s| members.iter().filter(|h| s.contains(h)).count())
                        as u64;
                    (m.code().to_owned(), Ratio::new(n, base))
                })
                .collect();
            CohortContact {
                cohort,
                households: base,
                contacted: Ratio::new(contacted, base),
                by_mode,
                non_response,
                attempts_by_mode,
            }
        })
        .collect();
    let roles: HashMap<Id, &[Role]> = data
        .workers
        .iter()
        .map(|w| (w.id, w.roles.as_slice()))
        .collect();
    let age65 = cohort_of("age65");
    let home65: Vec<&Visit> = data
        .visits
        .iter()
        .filter(|v| {
            age65.contains(&v.household_id)
                && v.purpose == VisitPurpose::UniversalVisit
                && v.contact_mode == ContactMode::Home
                && v.status == VisitStatus::Completed
                && v.completed_at.is_some_and(|t| period.contains(t))
        })
        .collect();
    let accompanied = home65
        .iter()
        .filter(|v| {
            let members: Vec<&[Role]> = v
                .assigned
                .iter()
                .map(|w| roles.get(w).copied().unwrap_or(&[]))
                .collect();
            accompanied_65(&members)
        })
        .count() as u64;
    let dongs: HashSet<Id> = households.values().map(|h| h.dong_id).collect();
    let reports: Vec<&CrisisReport> = data
        .crisis_reports
        .iter()
        .filter(|r| dongs.contains(&r.dong_id) && period.contains(r.reported_at))
        .collect();
    let crisis_households = reports
        .iter()
        .filter_map(|r| r.household_id)
        .collect::<HashSet<_>>()
        .len() as u64
        + reports.iter().filter(|r| r.household_id.is_none()).count() as u64;
    let referred: Vec<&Referral> = data
        .referrals
        .iter()
        .filter(|r| households.contains_key(&r.household_id) && period.contains_day(r.referred_on))
        .collect();
    let mut service_links = BTreeMap::new();
    for r in &referred {
        *service_links.entry(r.target.code().to_owned()).or_insert(0) += 1;
    }
    let referred_to = |target: ReferralTarget| -> HashSet<Id> {
        referred
            .iter()
            .filter(|r| r.target == target)
            .map(|r| r.household_id)
            .collect()
    };
    let births = tagged(HouseholdTag::NewBirth);
    let births_linked = referred_to(ReferralTarget::PublicHealthCentre)
        .intersection(&births)
        .count() as u64;
    let private_resource_links = referred
        .iter()
        .filter(|r| r.target == ReferralTarget::CommunityAgency)
        .count() as u64;
    let private_resource_households = referred_to(ReferralTarget::CommunityAgency).len() as u64;
    let has_role = |v: &Visit, role: Role| {
        v.assigned
            .iter()
            .any(|w| roles.get(w).is_some_and(|r| r.contains(&role)))
    };
    let mh_requests: Vec<&Visit> = data
        .visits
        .iter()
        .filter(|v| {
            households.contains_key(&v.household_id)
                && v.status != VisitStatus::Cancelled
                && period.contains(v.window.start)
                && v.required_roles.contains(&Role::MentalHealthOfficer)
        })
        .collect();
    let mh_accompanied = mh_requests
        .iter()
        .filter(|v| v.status == VisitStatus::Completed && has_role(v, Role::MentalHealthOfficer))
        .count() as u64;
    // Corrections first (over every record, as a correction may move a delivery's day), then the
    // period and the 동.
    let provided: Vec<&ServiceProvision> = current(data.services)
        .into_iter()
        .filter(|p| households.contains_key(&p.household_id) && period.contains_day(p.provided_on))
        .collect();
    let lonely = tagged(HouseholdTag::LonelyDeathRisk);
    let monitored = lonely.iter().filter(|h| any_contact.contains(h)).count() as u64;
    Figures {
        contact_rate,
        accompanied_65: Ratio::new(accompanied, home65.len() as u64),
        crisis_reports: reports.len() as u64,
        crisis_households,
        service_links,
        lonely_death_risk: Ratio::new(monitored, lonely.len() as u64),
        birth_health_links: Ratio::new(births_linked, births.len() as u64),
        accompanied_mental_health: Ratio::new(mh_accompanied, mh_requests.len() as u64),
        private_resource_links,
        private_resource_households,
        care_sos_services: by_item(&provided, ServiceProgram::CareSos),
        emergency_support: by_item(&provided, ServiceProgram::SeoulEmergencyWelfare),
    }
}

/// Per item of `program` (all of them, in code-list order), then the total.
fn by_item(provided: &[&ServiceProvision], program: ServiceProgram) -> Vec<ItemFigure> {
    let figure = |(item, label_ko, label_en): (&'static str, &'static str, &'static str),
                  unit,
                  rows: &[&&ServiceProvision]| ItemFigure {
        item,
        label_ko,
        label_en,
        households: rows
            .iter()
            .map(|p| p.household_id)
            .collect::<HashSet<_>>()
            .len() as u64,
        count: rows.len() as u64,
        quantity: rows.iter().filter_map(|p| p.quantity).sum(),
        unit,
        amount_won: rows.iter().filter_map(|p| p.amount_won).sum(),
    };
    let mut out: Vec<ItemFigure> = ServiceItem::of(program)
        .map(|item| {
            let rows: Vec<&&ServiceProvision> =
                provided.iter().filter(|p| p.item == item).collect();
            let unit = match item.shape() {
                ItemShape::Paid(u) => Some(u.code()),
                _ => None,
            };
            figure((item.code(), item.label_ko(), item.label_en()), unit, &rows)
        })
        .collect();
    let all: Vec<&&ServiceProvision> = provided
        .iter()
        .filter(|p| p.item.program() == program)
        .collect();
    let mut total = figure(("total", "합계", "total"), None, &all);
    // Quantities of different units do not add up.
    total.quantity = 0;
    out.push(total);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        CrisisLevel, CrisisReportStatus, Disability, ReferralTarget, Relation, Sex, TimeWindow,
        VisitOutcome,
    };
    use crate::store::records::DongRecords;

    fn id(n: u128) -> Id {
        Id::from_u128(n)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Noon KST of a day.
    fn noon(s: &str) -> DateTime<Utc> {
        day(s).and_hms_opt(3, 0, 0).unwrap().and_utc()
    }

    fn hh(n: u128, dong: u128, tags: &[HouseholdTag]) -> Household {
        Household {
            id: id(n),
            dong_id: id(dong),
            head_name: format!("가구{n}"),
            address: format!("서울 성북구 {n}"),
            location: None,
            crisis_level: CrisisLevel::STABLE,
            tags: tags.to_vec(),
            risk_flags: Vec::new(),
            phone: None,
            archived: false,
        }
    }

    fn person(h: u128, born: &str) -> Person {
        Person {
            id: crate::model::new_id(),
            household_id: id(h),
            name: "가구원".into(),
            birth_date: day(born),
            sex: Sex::Female,
            relation: Relation::Head,
            disability: Disability::None,
        }
    }

    const PLANNER: u128 = 9001;
    const NURSE: u128 = 9002;
    const ESCORT: u128 = 9003;
    const BOTH: u128 = 9004;
    const MHO: u128 = 9005;

    fn workers() -> Vec<Worker> {
        let w = |n: u128, roles: &[Role]| Worker {
            id: id(n),
            team_id: id(100),
            name: format!("직원{n}"),
            roles: roles.to_vec(),
            phone: None,
            active: true,
        };
        vec![
            w(PLANNER, &[Role::WelfarePlanner]),
            w(NURSE, &[Role::VisitingNurse]),
            w(ESCORT, &[Role::Escort]),
            w(BOTH, &[Role::WelfarePlanner, Role::VisitingNurse]),
            w(MHO, &[Role::MentalHealthOfficer]),
        ]
    }

    /// A planner and a nurse (the 65세 pair), or the first `workers` of planner, nurse, escort.
    fn visit(
        n: u128,
        h: u128,
        mode: ContactMode,
        outcome: VisitOutcome,
        at: &str,
        workers: usize,
    ) -> Visit {
        Visit {
            id: id(n),
            household_id: id(h),
            purpose: VisitPurpose::UniversalVisit,
            contact_mode: mode,
            window: TimeWindow::new(noon(at), noon(at) + chrono::Duration::hours(1)).unwrap(),
            required_roles: Vec::new(),
            assigned: [PLANNER, NURSE, ESCORT]
                .iter()
                .take(workers)
                .map(|w| id(*w))
                .collect(),
            status: VisitStatus::Completed,
            started_at: Some(noon(at)),
            completed_at: Some(noon(at)),
            outcome: Some(outcome),
            note: None,
        }
    }

    fn referral(h: u128, target: ReferralTarget, on: &str) -> Referral {
        Referral {
            id: crate::model::new_id(),
            household_id: id(h),
            case_id: None,
            referred_by: id(PLANNER),
            target,
            agency: "기관".into(),
            referred_on: day(on),
            reason: "사유".into(),
            first_reply_on: None,
            service_ended_on: None,
            final_reply_on: None,
            reply_note: None,
        }
    }

    fn report(dong: u128, h: Option<u128>, at: &str) -> CrisisReport {
        CrisisReport {
            id: crate::model::new_id(),
            dong_id: id(dong),
            reporter_id: id(PLANNER),
            household_id: h.map(id),
            address: "주소".into(),
            signs: Vec::new(),
            note: None,
            reported_at: noon(at),
            status: CrisisReportStatus::Referred,
            referral_id: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn service(
        n: u128,
        h: u128,
        item: ServiceItem,
        on: &str,
        quantity: Option<i64>,
        amount: Option<i64>,
        corrects: Option<u128>,
        voided: bool,
    ) -> ServiceProvision {
        ServiceProvision {
            id: id(n),
            household_id: id(h),
            case_id: None,
            item,
            provided_on: day(on),
            quantity,
            amount_won: amount,
            recorded_by: id(PLANNER),
            note: None,
            corrects: corrects.map(id),
            voided,
            crisis_reason: None,
            support_kind: None,
        }
    }

    /// Only the records of `dong` (what `Store::dong_records` loads for it).
    fn of(all: &DongRecords, dong: u128) -> DongRecords {
        let hs: HashSet<Id> = all
            .households
            .iter()
            .filter(|h| h.dong_id == id(dong))
            .map(|h| h.id)
            .collect();
        let mine = |h: &Id| hs.contains(h);
        DongRecords {
            households: all
                .households
                .iter()
                .filter(|h| mine(&h.id))
                .cloned()
                .collect(),
            persons: all
                .persons
                .iter()
                .filter(|p| mine(&p.household_id))
                .cloned()
                .collect(),
            visits: all
                .visits
                .iter()
                .filter(|v| mine(&v.household_id))
                .cloned()
                .collect(),
            referrals: all
                .referrals
                .iter()
                .filter(|r| mine(&r.household_id))
                .cloned()
                .collect(),
            crisis_reports: all
                .crisis_reports
                .iter()
                .filter(|r| r.dong_id == id(dong))
                .cloned()
                .collect(),
            services: all
                .services
                .iter()
                .filter(|s| mine(&s.household_id))
                .cloned()
                .collect(),
            workers: all.workers.clone(),
            ..DongRecords::default()
        }
    }

    fn figures(r: &DongRecords, period: &Period) -> Figures {
        compute(&r.figures(), period)
    }

    /// 동 1: households 1–4 with a member turning 65 in 2022, household 5 turning 70, household 6
    /// lonely-death risk; 동 2: household 7 turning 65 (must never count for 동 1).
    fn data() -> DongRecords {
        use ContactMode::{Centre, Home, Phone};
        use VisitOutcome::{Met, NotHome};
        DongRecords {
            households: vec![
                hh(1, 1, &[]),
                hh(2, 1, &[]),
                hh(3, 1, &[]),
                hh(4, 1, &[HouseholdTag::NewBirth]),
                hh(5, 1, &[]),
                hh(
                    6,
                    1,
                    &[HouseholdTag::LonelyDeathRisk, HouseholdTag::LivesAlone],
                ),
                hh(7, 2, &[]),
            ],
            persons: vec![
                person(1, "1957-03-01"),
                person(2, "1957-12-31"),
                person(3, "1957-06-15"),
                person(4, "1957-01-01"),
                person(4, "1990-01-01"),
                person(5, "1952-05-05"),
                person(7, "1957-02-02"),
            ],
            visits: vec![
                // 65: household 1 met at home by two workers, and by phone.
                visit(10, 1, Home, Met, "2022-03-10", 2),
                visit(11, 1, Phone, Met, "2022-03-11", 1),
                // 65: household 2 met at home alone (not accompanied).
                visit(12, 2, Home, Met, "2022-04-01", 1),
                // 65: household 3 not at home: a completed home visit but no contact.
                visit(13, 3, Home, NotHome, "2022-04-02", 2),
                // 65: household 4 met at the centre, but after the period.
                visit(14, 4, Centre, Met, "2022-07-01", 1),
                // 70: household 5 met by phone.
                visit(15, 5, Phone, Met, "2022-05-05", 1),
                // The other 동.
                visit(16, 7, Home, Met, "2022-03-10", 2),
                // Lonely-death risk household met by a wellness visit.
                Visit {
                    purpose: VisitPurpose::WellnessCheck,
                    ..visit(17, 6, Home, Met, "2022-02-01", 1)
                },
            ],
            referrals: vec![
                referral(1, ReferralTarget::CareSos, "2022-03-12"),
                referral(2, ReferralTarget::CareSos, "2022-06-30"),
                referral(3, ReferralTarget::PublicHealthCentre, "2022-07-01"),
                referral(7, ReferralTarget::CareSos, "2022-03-12"),
            ],
            crisis_reports: vec![
                report(1, Some(3), "2022-01-05"),
                report(1, Some(3), "2022-02-05"),
                report(1, None, "2022-02-06"),
                report(2, Some(7), "2022-02-05"),
            ],
            services: {
                use ServiceItem::*;
                vec![
                    // 일시재가: 4 hours and 2 hours at 38,390원 per 2 hours (001 §9).
                    service(
                        20,
                        1,
                        TemporaryHomeCare,
                        "2022-03-15",
                        Some(240),
                        Some(76_780),
                        None,
                        false,
                    ),
                    service(
                        21,
                        2,
                        TemporaryHomeCare,
                        "2022-04-01",
                        Some(120),
                        Some(38_390),
                        None,
                        false,
                    ),
                    // 식사지원: 10 meals at 8,400원.
                    service(
                        22,
                        1,
                        Meals,
                        "2022-05-01",
                        Some(10),
                        Some(84_000),
                        None,
                        false,
                    ),
                    // 안부확인: linked, counted only.
                    service(23, 1, WellbeingCheck, "2022-02-01", None, None, None, false),
                    // 생계비 30만원 corrected to 50만원 (two persons).
                    service(
                        24,
                        3,
                        Living,
                        "2022-03-01",
                        None,
                        Some(300_000),
                        None,
                        false,
                    ),
                    service(
                        25,
                        3,
                        Living,
                        "2022-03-01",
                        None,
                        Some(500_000),
                        Some(24),
                        false,
                    ),
                    // 연료비 entered in error, then voided.
                    service(26, 3, Fuel, "2022-01-10", None, Some(106_700), None, false),
                    service(27, 3, Fuel, "2022-01-10", None, None, Some(26), true),
                    // 의료비 after the period.
                    service(
                        28,
                        2,
                        Medical,
                        "2022-07-02",
                        None,
                        Some(1_000_000),
                        None,
                        false,
                    ),
                    // 장제비 on the period's last day.
                    service(
                        29,
                        6,
                        Funeral,
                        "2022-06-30",
                        None,
                        Some(800_000),
                        None,
                        false,
                    ),
                    // The other 동.
                    service(
                        30,
                        7,
                        Living,
                        "2022-03-01",
                        None,
                        Some(300_000),
                        None,
                        false,
                    ),
                ]
            },
            workers: workers(),
            ..DongRecords::default()
        }
    }

    fn item<'a>(rows: &'a [ItemFigure], code: &str) -> &'a ItemFigure {
        rows.iter().find(|r| r.item == code).unwrap()
    }

    fn first_half() -> Period {
        Period {
            from: day("2022-01-01"),
            to: day("2022-06-30"),
        }
    }

    #[test]
    fn exact_figures_for_one_dong_and_a_half_year() {
        let f = figures(&of(&data(), 1), &first_half());
        let c65 = &f.contact_rate[0];
        assert_eq!(c65.cohort, "age65");
        assert_eq!(c65.households, 4, "households 1-4");
        assert_eq!(
            c65.contacted,
            Ratio::new(2, 4),
            "1 and 2; 3 not home; 4 after"
        );
        assert_eq!(c65.contacted.rate, Some(0.5));
        assert_eq!(c65.by_mode["home"], Ratio::new(2, 4));
        assert_eq!(c65.by_mode["phone"], Ratio::new(1, 4));
        assert_eq!(c65.by_mode["centre"], Ratio::new(0, 4));
        let c70 = &f.contact_rate[1];
        assert_eq!((c70.cohort, c70.contacted), ("age70", Ratio::new(1, 1)));
        let births = &f.contact_rate[2];
        assert_eq!(births.contacted, Ratio::new(0, 1));
        let rearing = &f.contact_rate[3];
        assert_eq!(rearing.contacted, Ratio::new(0, 0));
        assert_eq!(rearing.contacted.rate, None, "no base: no rate, not 0 %");
        // Completed home visits to 65 households: 10 (planner + nurse), 12 (planner), 13
        // (planner + nurse, not home).
        assert_eq!(f.accompanied_65, Ratio::new(2, 3));
        assert_eq!(f.crisis_reports, 3);
        assert_eq!(
            f.crisis_households, 2,
            "household 3 once, plus one report without"
        );
        assert_eq!(f.service_links.get("care_sos"), Some(&2));
        assert_eq!(f.service_links.get("public_health_centre"), None);
        assert_eq!(f.lonely_death_risk, Ratio::new(1, 1));
        assert_eq!(
            f.birth_health_links,
            Ratio::new(0, 1),
            "household 4, not referred"
        );
        assert_eq!(f.accompanied_mental_health, Ratio::new(0, 0));
        assert_eq!(
            (f.private_resource_links, f.private_resource_households),
            (0, 0)
        );

        // 돌봄SOS by type: all 10 types and the total.
        assert_eq!(f.care_sos_services.len(), 11);
        let home = item(&f.care_sos_services, "temporary_home_care");
        assert_eq!(
            (
                home.households,
                home.count,
                home.quantity,
                home.unit,
                home.amount_won
            ),
            (2, 2, 360, Some("minutes"), 115_170)
        );
        let meals = item(&f.care_sos_services, "meals");
        assert_eq!(
            (
                meals.households,
                meals.count,
                meals.quantity,
                meals.unit,
                meals.amount_won
            ),
            (1, 1, 10, Some("meals"), 84_000)
        );
        let check = item(&f.care_sos_services, "wellbeing_check");
        assert_eq!((check.count, check.unit, check.amount_won), (1, None, 0));
        assert_eq!(item(&f.care_sos_services, "short_stay").count, 0);
        let total = f.care_sos_services.last().unwrap();
        assert_eq!(
            (total.item, total.households, total.count, total.amount_won),
            ("total", 2, 4, 199_170)
        );
        // Emergency support by item: the correction counts, the void and the later payment do not.
        assert_eq!(f.emergency_support.len(), 12);
        let living = item(&f.emergency_support, "living");
        assert_eq!(
            (living.households, living.count, living.amount_won),
            (1, 1, 500_000)
        );
        assert_eq!(item(&f.emergency_support, "fuel").count, 0);
        assert_eq!(item(&f.emergency_support, "medical").count, 0);
        assert_eq!(item(&f.emergency_support, "funeral").amount_won, 800_000);
        let total = f.emergency_support.last().unwrap();
        assert_eq!(
            (total.households, total.count, total.amount_won),
            (2, 2, 1_300_000)
        );
    }

    #[test]
    fn the_65_accompanied_rate_counts_a_planner_and_a_nurse_together_not_any_two() {
        let mut d = of(&data(), 1);
        // Household 1's home visit (planner + nurse) counts; household 2's is made by two people
        // but a planner and an escort; a third by one person holding both roles.
        d.visits[2].assigned = vec![id(PLANNER), id(ESCORT)];
        d.visits[3].assigned = vec![id(BOTH)];
        assert_eq!(figures(&d, &first_half()).accompanied_65, Ratio::new(1, 3));
        // A worker the records do not list has no role: the pair does not count.
        d.visits[0].assigned = vec![id(PLANNER), id(4242)];
        assert_eq!(figures(&d, &first_half()).accompanied_65, Ratio::new(0, 3));
    }

    #[test]
    fn birth_links_private_resources_and_mental_health_accompaniment() {
        let mut d = of(&data(), 1);
        // The birth household referred to the 보건소 in the period; another referral there (not a
        // birth household) does not count.
        d.referrals.push(referral(
            4,
            ReferralTarget::PublicHealthCentre,
            "2022-05-01",
        ));
        d.referrals.push(referral(
            2,
            ReferralTarget::PublicHealthCentre,
            "2022-05-01",
        ));
        // Two community-agency referrals of household 1 in the period, one of 2 after it.
        d.referrals
            .push(referral(1, ReferralTarget::CommunityAgency, "2022-02-01"));
        d.referrals
            .push(referral(1, ReferralTarget::CommunityAgency, "2022-03-01"));
        d.referrals
            .push(referral(2, ReferralTarget::CommunityAgency, "2022-08-01"));
        // Visits asking for a 정신건강전문요원: one made with them, one made without, one cancelled,
        // one after the period.
        let asks = |n: u128, at: &str, status: VisitStatus, workers: Vec<u128>| Visit {
            purpose: VisitPurpose::CrisisMonitoring,
            required_roles: vec![Role::MentalHealthOfficer],
            status,
            assigned: workers.into_iter().map(id).collect(),
            ..visit(n, 5, ContactMode::Home, VisitOutcome::Met, at, 0)
        };
        for (n, at, status, workers) in [
            (40, "2022-03-01", VisitStatus::Completed, vec![PLANNER, MHO]),
            (
                41,
                "2022-03-02",
                VisitStatus::Completed,
                vec![PLANNER, NURSE],
            ),
            (42, "2022-03-03", VisitStatus::Cancelled, vec![PLANNER, MHO]),
            (43, "2022-07-03", VisitStatus::Completed, vec![PLANNER, MHO]),
        ] {
            d.visits.push(asks(n, at, status, workers));
        }
        let f = figures(&d, &first_half());
        assert_eq!(f.birth_health_links, Ratio::new(1, 1));
        assert_eq!(
            (f.private_resource_links, f.private_resource_households),
            (2, 1)
        );
        assert_eq!(f.accompanied_mental_health, Ratio::new(1, 2));
        assert_eq!(f.service_links.get("community_agency"), Some(&2));
    }

    #[test]
    fn non_response_counts_each_household_not_met_by_its_latest_attempt() {
        use crate::model::outreach::RefusalReason;
        use crate::model::outreach::{OutreachCampaign, OutreachMode as M, OutreachResult as R};
        let mut d = of(&data(), 1);
        let attempt = |n: u128,
                       h: u128,
                       campaign: OutreachCampaign,
                       on: &str,
                       (mode, result): (M, R),
                       corrects: Option<u128>| OutreachAttempt {
            id: id(n),
            household_id: id(h),
            campaign,
            attempted_on: day(on),
            mode,
            result,
            refusal_reason: (result == R::Refused).then_some(RefusalReason::Privacy),
            worker_id: id(PLANNER),
            corrects: corrects.map(id),
        };
        use OutreachCampaign::{Age65, Age70};
        d.outreach = vec![
            // Household 1 was met: its letter counts as an attempt, not as non-response.
            attempt(50, 1, Age65, "2022-01-20", (M::Letter, R::Delivered), None),
            // Household 3 (not at home on the visit): the letter arrived, then a call, first
            // recorded as unanswered and corrected to a refusal (privacy).
            attempt(51, 3, Age65, "2022-02-01", (M::Letter, R::Delivered), None),
            attempt(52, 3, Age65, "2022-03-05", (M::Phone, R::NoAnswer), None),
            attempt(53, 3, Age65, "2022-03-05", (M::Phone, R::Refused), Some(52)),
            // Household 4 (met after the period): the letter came back.
            attempt(54, 4, Age65, "2022-01-10", (M::Letter, R::Returned), None),
            // Another cohort, and after the period: not counted for 65.
            attempt(55, 5, Age70, "2022-02-01", (M::Letter, R::Returned), None),
            attempt(56, 4, Age65, "2022-08-01", (M::Phone, R::Responded), None),
        ];
        let f = figures(&d, &first_half());
        let c65 = &f.contact_rate[0];
        assert_eq!(c65.contacted, Ratio::new(2, 4));
        let n = &c65.non_response;
        assert_eq!(
            (
                n.not_contacted,
                n.refused,
                n.letter_returned,
                n.no_answer,
                n.no_attempt
            ),
            (2, 1, 1, 0, 0)
        );
        assert_eq!(n.refusal_reasons.get("privacy"), Some(&1));
        assert_eq!(
            c65.attempts_by_mode,
            BTreeMap::from([("letter".to_owned(), 3), ("phone".to_owned(), 1)])
        );
        // 70: household 5 was met by phone, so its returned letter is no non-response.
        let c70 = &f.contact_rate[1];
        assert_eq!(c70.non_response.not_contacted, 0);
        assert_eq!(c70.attempts_by_mode.get("letter"), Some(&1));
        // 출산 가구: household 4 not met, nothing tried for that cohort.
        assert_eq!(f.contact_rate[2].non_response.no_attempt, 1);
    }

    #[test]
    fn another_dong_sees_only_its_own_households() {
        let f = figures(&of(&data(), 2), &first_half());
        assert_eq!(f.contact_rate[0].contacted, Ratio::new(1, 1));
        assert_eq!(f.accompanied_65, Ratio::new(1, 1));
        assert_eq!(f.crisis_reports, 1);
        assert_eq!(f.service_links.get("care_sos"), Some(&1));
        assert_eq!(f.lonely_death_risk, Ratio::new(0, 0));
        assert_eq!(item(&f.emergency_support, "living").amount_won, 300_000);
        assert_eq!(f.care_sos_services.last().unwrap().count, 0);
    }

    #[test]
    fn the_period_is_korean_calendar_days_both_ends_included() {
        let p = Period {
            from: day("2022-03-10"),
            to: day("2022-03-10"),
        };
        let (a, b) = p.bounds_ms();
        // 2022-03-10 00:00 KST is 2022-03-09 15:00 UTC.
        assert_eq!(
            a,
            day("2022-03-09")
                .and_hms_opt(15, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        );
        assert_eq!(b - a, 86_400_000);
        assert!(p.contains_ms(a) && !p.contains_ms(b) && p.contains_ms(b - 1));
    }
}
