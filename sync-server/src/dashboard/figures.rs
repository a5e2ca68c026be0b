//! Program figures (성과 지표, `domain.md` "Figures the programs report") for a period and a set of
//! 동, computed from synced records. Our definitions where the seeds leave a choice (also in
//! docs/dashboard.md):
//!
//! - **Period**: calendar days in Korea (KST, UTC+9), both ends included.
//! - **Contact (접촉)**: a visit completed in the period with outcome `met` (the core's rule, as in
//!   `Visits::complete`), by its contact mode (가정방문 home, 내방 centre, 전화 phone).
//! - **Contact rate by cohort (주민접촉률)**: cohort households contacted at least once by a universal
//!   visit (보편방문) / cohort households. Cohorts: `age65` and `age70` (a member turning 65 / 70 in the
//!   year the period ends in), `new_birth` and `child_rearing` (household tags). Per mode: households
//!   with at least one contact in that mode (a household met at home and by phone counts in both).
//! - **65세 accompanied-visit rate (동행방문률)**: completed home visits (universal visit) to `age65`
//!   households in the period made by a 복지플래너 and a 방문간호사 together (001 §5 ②; the core's
//!   `schedule::roles::accompanied_65` over the assigned workers' roles) / all such visits.
//! - **Crisis households found (위기가구 발굴)**: crisis reports made in the period in the 동 (distinct
//!   households named, and reports without a household yet).
//! - **Service links (서비스 연계)**: referrals made in the period, by target.
//! - **Lonely-death-risk households monitored**: households tagged `lonely_death_risk`, and of them
//!   those with at least one contact in the period.
//! - **돌봄SOS services by type (돌봄SOS 서비스 제공 실적)**: services provided (`service_provisions`)
//!   on a day in the period to households of the 동, per service type: distinct households,
//!   deliveries, quantity in the type's unit (minutes, days, meals) and amount. Every type is listed,
//!   0 included, so that a report form's rows are all there; a total row follows.
//! - **Emergency support by item (긴급복지 항목별 지원 실적)**: the same for 서울형 긴급복지 support items
//!   (households, payments, amount, `domain.md`: "households, amount").
//!   For both, a corrected record counts as its latest correction and a voided one not at all
//!   (`donghaeng_core::model::service::current`, the rule the phone uses).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use donghaeng_core::clock::day_start_ms;
use donghaeng_core::eligibility::{CrisisReason, SupportKind};
use donghaeng_core::model::service::current;
use donghaeng_core::model::{
    visit, ItemShape, Role, ServiceItem, ServiceProgram, ServiceProvision, VisitOutcome,
    VisitStatus,
};
use donghaeng_core::schedule::roles::accompanied_65;
use serde::Serialize;
use uuid::Uuid;

use super::projection::{codes, int, text, uuid, Projection};

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

    pub fn contains_day(&self, d: NaiveDate) -> bool {
        (self.from..=self.to).contains(&d)
    }
}

/// The records the figures read, typed.
#[derive(Debug, Default, Clone)]
pub struct Dataset {
    pub households: Vec<HouseholdRow>,
    pub persons: Vec<PersonRow>,
    pub visits: Vec<VisitRow>,
    pub referrals: Vec<ReferralRow>,
    pub crisis_reports: Vec<CrisisReportRow>,
    pub services: Vec<ServiceProvision>,
}

#[derive(Debug, Clone)]
pub struct HouseholdRow {
    pub id: Uuid,
    pub dong_id: Uuid,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PersonRow {
    pub household_id: Uuid,
    pub birth_date: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct VisitRow {
    pub id: Uuid,
    pub household_id: Uuid,
    pub purpose: String,
    pub contact_mode: String,
    pub status: String,
    pub outcome: Option<String>,
    pub completed_at_ms: Option<i64>,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    /// The roles of each worker assigned (one entry per person).
    pub workers: Vec<Vec<Role>>,
}

#[derive(Debug, Clone)]
pub struct ReferralRow {
    pub household_id: Uuid,
    pub target: String,
    pub referred_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct CrisisReportRow {
    pub dong_id: Uuid,
    pub household_id: Option<Uuid>,
    pub reported_at_ms: i64,
}

impl Dataset {
    /// The typed records of a projection (rows missing a required field are skipped: the phone's
    /// store refuses such rows too).
    pub fn from_projection(p: &Projection) -> Self {
        let date = |s: Option<&str>| s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
        let roles_of: HashMap<Uuid, Vec<Role>> = p
            .each("workers")
            .map(|(id, f)| (id, codes(text(&f, "roles"))))
            .collect();
        let mut workers_of: HashMap<Uuid, Vec<Vec<Role>>> = HashMap::new();
        for (visit, f) in p.each("visit_workers") {
            let mut w: Vec<Uuid> = f
                .iter()
                .filter(|(_, v)| v.as_bool() == Some(true))
                .filter_map(|(k, _)| Uuid::try_parse(k).ok())
                .collect();
            w.sort();
            let roles = w
                .iter()
                .map(|id| roles_of.get(id).cloned().unwrap_or_default())
                .collect();
            workers_of.insert(visit, roles);
        }
        Dataset {
            households: p
                .each("households")
                .filter_map(|(id, f)| {
                    Some(HouseholdRow {
                        id,
                        dong_id: uuid(&f, "dong_id")?,
                        tags: text(&f, "tags")
                            .unwrap_or("")
                            .split(',')
                            .filter(|t| !t.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    })
                })
                .collect(),
            persons: p
                .each("persons")
                .filter_map(|(_, f)| {
                    Some(PersonRow {
                        household_id: uuid(&f, "household_id")?,
                        birth_date: date(text(&f, "birth_date"))?,
                    })
                })
                .collect(),
            visits: p
                .each("visits")
                .filter_map(|(id, f)| {
                    Some(VisitRow {
                        id,
                        household_id: uuid(&f, "household_id")?,
                        purpose: text(&f, "purpose")?.to_owned(),
                        contact_mode: text(&f, "contact_mode")?.to_owned(),
                        status: text(&f, "status")?.to_owned(),
                        outcome: text(&f, "outcome").map(str::to_owned),
                        completed_at_ms: int(&f, "completed_at"),
                        window_start_ms: int(&f, "window_start")?,
                        window_end_ms: int(&f, "window_end")?,
                        workers: workers_of.get(&id).cloned().unwrap_or_default(),
                    })
                })
                .collect(),
            referrals: p
                .each("referrals")
                .filter_map(|(_, f)| {
                    Some(ReferralRow {
                        household_id: uuid(&f, "household_id")?,
                        target: text(&f, "target")?.to_owned(),
                        referred_on: date(text(&f, "referred_on"))?,
                    })
                })
                .collect(),
            crisis_reports: p
                .each("crisis_reports")
                .filter_map(|(_, f)| {
                    Some(CrisisReportRow {
                        dong_id: uuid(&f, "dong_id")?,
                        household_id: uuid(&f, "household_id"),
                        reported_at_ms: int(&f, "reported_at")?,
                    })
                })
                .collect(),
            services: p
                .each("service_provisions")
                .filter_map(|(id, f)| {
                    Some(ServiceProvision {
                        id,
                        household_id: uuid(&f, "household_id")?,
                        case_id: uuid(&f, "case_id"),
                        item: ServiceItem::from_code(text(&f, "item")?)?,
                        provided_on: date(text(&f, "provided_on"))?,
                        quantity: int(&f, "quantity"),
                        amount_won: int(&f, "amount_won"),
                        recorded_by: uuid(&f, "recorded_by")?,
                        note: None,
                        corrects: uuid(&f, "corrects"),
                        voided: int(&f, "voided").is_some_and(|v| v != 0)
                            || f.get("voided").and_then(|v| v.as_bool()) == Some(true),
                        // Not among the figures; read so that the record is the core's.
                        crisis_reason: text(&f, "crisis_reason").and_then(CrisisReason::from_code),
                        support_kind: text(&f, "support_kind").and_then(SupportKind::from_code),
                    })
                })
                .collect(),
        }
    }
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
    pub service_links: BTreeMap<String, u64>,
    pub lonely_death_risk: Ratio,
    /// 돌봄SOS services by type, every type, then `total`.
    pub care_sos_services: Vec<ItemFigure>,
    /// 서울형 긴급복지 support by item, every item, then `total`.
    pub emergency_support: Vec<ItemFigure>,
}

pub const COHORTS: &[&str] = &["age65", "age70", "new_birth", "child_rearing"];
pub const MODES: &[&str] = &["home", "centre", "phone"];

/// A contact in the period: the core's rule (`model::visit::is_contact`) on the visit's codes.
fn is_contact(v: &VisitRow, period: &Period) -> bool {
    let outcome = v.outcome.as_deref().and_then(VisitOutcome::from_code);
    VisitStatus::from_code(&v.status).is_some_and(|st| visit::is_contact(st, outcome))
        && v.completed_at_ms.is_some_and(|t| period.contains_ms(t))
}

/// Computes the figures over the households whose 동 is in `dongs`.
pub fn compute(data: &Dataset, period: &Period, dongs: &dyn Fn(Uuid) -> bool) -> Figures {
    let households: HashMap<Uuid, &HouseholdRow> = data
        .households
        .iter()
        .filter(|h| dongs(h.dong_id))
        .map(|h| (h.id, h))
        .collect();
    let year = period.to.year();
    let mut turning: HashMap<i32, HashSet<Uuid>> = HashMap::new();
    for p in &data.persons {
        if households.contains_key(&p.household_id) {
            let age = year - p.birth_date.year();
            turning.entry(age).or_default().insert(p.household_id);
        }
    }
    let cohort_of = |cohort: &str| -> HashSet<Uuid> {
        match cohort {
            "age65" => turning.get(&65).cloned().unwrap_or_default(),
            "age70" => turning.get(&70).cloned().unwrap_or_default(),
            tag => households
                .values()
                .filter(|h| h.tags.iter().any(|t| t == tag))
                .map(|h| h.id)
                .collect(),
        }
    };
    // Households contacted by universal visits, per mode; and by any visit.
    let mut universal: HashMap<&str, HashSet<Uuid>> = HashMap::new();
    let mut any_contact: HashSet<Uuid> = HashSet::new();
    for v in &data.visits {
        if !households.contains_key(&v.household_id) || !is_contact(v, period) {
            continue;
        }
        any_contact.insert(v.household_id);
        if v.purpose == "universal_visit" {
            universal
                .entry(v.contact_mode.as_str())
                .or_default()
                .insert(v.household_id);
        }
    }
    let contact_rate = COHORTS
        .iter()
        .map(|cohort| {
            let members = cohort_of(cohort);
            let base = members.len() as u64;
            let contacted = members
                .iter()
                .filter(|h| universal.values().any(|s| s.contains(h)))
                .count() as u64;
            let by_mode = MODES
                .iter()
                .map(|m| {
                    let n = universal
                        .get(m)
                        .map_or(0, |s| members.iter().filter(|h| s.contains(h)).count())
                        as u64;
                    ((*m).to_owned(), Ratio::new(n, base))
                })
                .collect();
            CohortContact {
                cohort,
                households: base,
                contacted: Ratio::new(contacted, base),
                by_mode,
            }
        })
        .collect();
    let age65 = cohort_of("age65");
    let home65: Vec<&VisitRow> = data
        .visits
        .iter()
        .filter(|v| {
            age65.contains(&v.household_id)
                && v.purpose == "universal_visit"
                && v.contact_mode == "home"
                && v.status == "completed"
                && v.completed_at_ms.is_some_and(|t| period.contains_ms(t))
        })
        .collect();
    let accompanied = home65
        .iter()
        .filter(|v| {
            let members: Vec<&[Role]> = v.workers.iter().map(Vec::as_slice).collect();
            accompanied_65(&members)
        })
        .count() as u64;
    let reports: Vec<&CrisisReportRow> = data
        .crisis_reports
        .iter()
        .filter(|r| dongs(r.dong_id) && period.contains_ms(r.reported_at_ms))
        .collect();
    let crisis_households = reports
        .iter()
        .filter_map(|r| r.household_id)
        .collect::<HashSet<_>>()
        .len() as u64
        + reports.iter().filter(|r| r.household_id.is_none()).count() as u64;
    let mut service_links = BTreeMap::new();
    for r in &data.referrals {
        if households.contains_key(&r.household_id) && period.contains_day(r.referred_on) {
            *service_links.entry(r.target.clone()).or_insert(0) += 1;
        }
    }
    // Corrections first (over every record, as a correction may move a delivery's day), then the
    // period and the 동.
    let provided: Vec<&ServiceProvision> = current(&data.services)
        .into_iter()
        .filter(|p| households.contains_key(&p.household_id) && period.contains_day(p.provided_on))
        .collect();
    let lonely: Vec<Uuid> = cohort_of("lonely_death_risk").into_iter().collect();
    let monitored = lonely.iter().filter(|h| any_contact.contains(h)).count() as u64;
    Figures {
        contact_rate,
        accompanied_65: Ratio::new(accompanied, home65.len() as u64),
        crisis_reports: reports.len() as u64,
        crisis_households,
        service_links,
        lonely_death_risk: Ratio::new(monitored, lonely.len() as u64),
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

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Noon KST of a day, in UTC ms.
    fn noon(s: &str) -> i64 {
        day(s)
            .and_hms_opt(3, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    fn hh(n: u128, dong: u128, tags: &[&str]) -> HouseholdRow {
        HouseholdRow {
            id: id(n),
            dong_id: id(dong),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    /// A planner and a nurse (the 65세 pair), or the first `workers` of planner, nurse, escort.
    fn visit(n: u128, h: u128, mode: &str, outcome: &str, at: &str, workers: usize) -> VisitRow {
        VisitRow {
            id: id(n),
            household_id: id(h),
            purpose: "universal_visit".into(),
            contact_mode: mode.into(),
            status: "completed".into(),
            outcome: Some(outcome.into()),
            completed_at_ms: Some(noon(at)),
            window_start_ms: noon(at),
            window_end_ms: noon(at) + 3_600_000,
            workers: [Role::WelfarePlanner, Role::VisitingNurse, Role::Escort]
                .iter()
                .take(workers)
                .map(|r| vec![*r])
                .collect(),
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
            recorded_by: id(9000),
            note: None,
            corrects: corrects.map(id),
            voided,
            crisis_reason: None,
            support_kind: None,
        }
    }

    /// 동 1: households 1–4 with a member turning 65 in 2022, household 5 turning 70, household 6
    /// lonely-death risk; 동 2: household 7 turning 65 (must never count for 동 1).
    fn data() -> Dataset {
        let person = |h: u128, born: &str| PersonRow {
            household_id: id(h),
            birth_date: day(born),
        };
        Dataset {
            households: vec![
                hh(1, 1, &[]),
                hh(2, 1, &[]),
                hh(3, 1, &[]),
                hh(4, 1, &["new_birth"]),
                hh(5, 1, &[]),
                hh(6, 1, &["lonely_death_risk", "lives_alone"]),
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
                visit(10, 1, "home", "met", "2022-03-10", 2),
                visit(11, 1, "phone", "met", "2022-03-11", 1),
                // 65: household 2 met at home alone (not accompanied).
                visit(12, 2, "home", "met", "2022-04-01", 1),
                // 65: household 3 not at home: a completed home visit but no contact.
                visit(13, 3, "home", "not_home", "2022-04-02", 2),
                // 65: household 4 met at the centre, but after the period.
                visit(14, 4, "centre", "met", "2022-07-01", 1),
                // 70: household 5 met by phone.
                visit(15, 5, "phone", "met", "2022-05-05", 1),
                // The other 동.
                visit(16, 7, "home", "met", "2022-03-10", 2),
                // Lonely-death risk household met by a wellness visit.
                VisitRow {
                    purpose: "wellness_check".into(),
                    ..visit(17, 6, "home", "met", "2022-02-01", 1)
                },
            ],
            referrals: vec![
                ReferralRow {
                    household_id: id(1),
                    target: "care_sos".into(),
                    referred_on: day("2022-03-12"),
                },
                ReferralRow {
                    household_id: id(2),
                    target: "care_sos".into(),
                    referred_on: day("2022-06-30"),
                },
                ReferralRow {
                    household_id: id(3),
                    target: "public_health_centre".into(),
                    referred_on: day("2022-07-01"),
                },
                ReferralRow {
                    household_id: id(7),
                    target: "care_sos".into(),
                    referred_on: day("2022-03-12"),
                },
            ],
            crisis_reports: vec![
                CrisisReportRow {
                    dong_id: id(1),
                    household_id: Some(id(3)),
                    reported_at_ms: noon("2022-01-05"),
                },
                CrisisReportRow {
                    dong_id: id(1),
                    household_id: Some(id(3)),
                    reported_at_ms: noon("2022-02-05"),
                },
                CrisisReportRow {
                    dong_id: id(1),
                    household_id: None,
                    reported_at_ms: noon("2022-02-06"),
                },
                CrisisReportRow {
                    dong_id: id(2),
                    household_id: Some(id(7)),
                    reported_at_ms: noon("2022-02-05"),
                },
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
        let f = compute(&data(), &first_half(), &|d| d == id(1));
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
        // Completed home visits to 65 households: 10 (2 workers), 12 (1), 13 (2, not home).
        assert_eq!(f.accompanied_65, Ratio::new(2, 3));
        assert_eq!(f.crisis_reports, 3);
        assert_eq!(
            f.crisis_households, 2,
            "household 3 once, plus one report without"
        );
        assert_eq!(f.service_links.get("care_sos"), Some(&2));
        assert_eq!(f.service_links.get("public_health_centre"), None);
        assert_eq!(f.lonely_death_risk, Ratio::new(1, 1));

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
        let mut d = data();
        let with = |v: VisitRow, roles: &[&[Role]]| VisitRow {
            workers: roles.iter().map(|r| r.to_vec()).collect(),
            ..v
        };
        // Household 1's home visit (planner + nurse) counts; household 2's is made by two people
        // but a planner and an escort; a third by one person holding both roles.
        d.visits[2] = with(
            d.visits[2].clone(),
            &[&[Role::WelfarePlanner], &[Role::Escort]],
        );
        d.visits[3] = with(
            d.visits[3].clone(),
            &[&[Role::WelfarePlanner, Role::VisitingNurse]],
        );
        let f = compute(&d, &first_half(), &|x| x == id(1));
        assert_eq!(f.accompanied_65, Ratio::new(1, 3));
    }

    #[test]
    fn another_dong_sees_only_its_own_households() {
        let f = compute(&data(), &first_half(), &|d| d == id(2));
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

    #[test]
    fn csv_has_the_title_unit_period_a_header_and_one_row_per_figure() {
        use crate::dashboard::labels::Lang;
        use crate::dashboard::report::{to_csv, ReportHead};
        let f = compute(&data(), &first_half(), &|d| d == id(1));
        let head = ReportHead {
            unit_name: Some("길음1동".to_owned()),
            from: first_half().from,
            to: first_half().to,
        };
        let csv = String::from_utf8(to_csv(&f, &head, Lang::Ko).unwrap()).unwrap();
        assert!(
            csv.starts_with(
                "\u{feff}동행 사업 실적\n조직,길음1동\n기간,2022-01-01 ~ 2022-06-30\n\
                 구분,유형·항목,건수,대상,비율,가구,제공량,단위,금액(원),지표 코드,항목 코드\n"
            ),
            "{csv}"
        );
        assert!(
            csv.contains(
                "주민접촉률 (보편방문),65세 · 전체,2,4,0.5000,,,,,contact_rate,age65:all\n"
            ),
            "{csv}"
        );
        assert!(csv
            .contains("65세 동행방문률,가정방문,2,3,0.6667,,,,,accompanied_visit_rate_65,home\n"));
        assert!(
            csv.contains("돌봄SOS센터,2,,,,,,,service_links,care_sos\n"),
            "{csv}"
        );
        assert!(csv.contains(",2,,,2,360,분,115170,care_sos_services,temporary_home_care\n"));
        assert!(csv.contains(",0,,,0,0,일,0,care_sos_services,short_stay\n"));
        assert!(csv.contains(",1,,,1,0,,500000,emergency_support,living\n"));
        assert!(csv.contains("합계,2,,,2,0,,1300000,emergency_support,total\n"));
        // Every figure row has the header's eleven columns.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(records[3..].iter().all(|r| r.len() == 11), "{csv}");
        assert_eq!(
            records.len(),
            3 + 1 + crate::dashboard::report::rows(&f, Lang::Ko).len()
        );
        // English on request, codes unchanged.
        let en = String::from_utf8(to_csv(&f, &head, Lang::En).unwrap()).unwrap();
        assert!(en.contains("Contact rate (universal visits),Age 65 · All,2,4,0.5000,,,,,contact_rate,age65:all\n"), "{en}");
        assert!(
            en.contains("\nUnit,길음1동\nPeriod,2022-01-01 ~ 2022-06-30\n"),
            "{en}"
        );
    }

    #[test]
    fn a_unit_name_with_a_comma_or_a_quote_stays_in_its_cell() {
        use crate::dashboard::labels::Lang;
        use crate::dashboard::report::{to_csv, ReportHead};
        let f = compute(&data(), &first_half(), &|d| d == id(1));
        let head = ReportHead {
            unit_name: Some("성북구, \"시범\"동".to_owned()),
            from: first_half().from,
            to: first_half().to,
        };
        let csv = String::from_utf8(to_csv(&f, &head, Lang::Ko).unwrap()).unwrap();
        assert!(csv.contains("\n조직,\"성북구, \"\"시범\"\"동\"\n"), "{csv}");
    }
}
