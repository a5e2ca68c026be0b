//! Synthetic data: a realistic, entirely made-up 동 — households with Korean names and addresses,
//! members of all ages, a team of staff and volunteers, and a year of visits and wellness checks.
//!
//! Seeded and deterministic (the same [`SyntheticConfig`] gives the same 동, ids aside: ids are
//! derived from the seed too). Used by tests, benchmarks and the demo. No real personal data.

pub mod changes;
mod names;
mod rng;

use std::collections::HashSet;

use chrono::{Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::clock::kst;
use crate::model::*;
use crate::store::Store;
use crate::CoreResult;
use rng::Rng;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SyntheticConfig {
    pub seed: u64,
    pub households: usize,
    pub workers: usize,
    /// Visits in all, spread over the year before `today` and the two weeks after it.
    pub visits: usize,
    /// The day the data is "as of": visits before it are done, visits from it on are planned.
    pub today: NaiveDate,
}

impl SyntheticConfig {
    /// Visits need households to visit and a staff member to lead them; sizes stay within what a
    /// district could hold, so a typo cannot fill the phone.
    pub fn validate(&self) -> CoreResult<()> {
        let staff =
            (0..self.workers).any(|i| ROLE_MIX[i % ROLE_MIX.len()].iter().all(|r| r.is_staff()));
        if self.visits > 0 && (self.households == 0 || !staff) {
            return Err(crate::CoreError::invalid(
                "synthetic_nothing_to_visit",
                "synthetic.visits",
                "방문을 만들려면 가구와 직원이 한 명 이상 있어야 합니다",
                "visits need at least one household and one staff member",
            ));
        }
        if self.households > 100_000 || self.workers > 10_000 || self.visits > 5_000_000 {
            return Err(crate::CoreError::invalid(
                "synthetic_too_large",
                "synthetic",
                "합성 데이터 크기가 너무 큽니다 (가구 ≤ 100,000, 직원 ≤ 10,000, 방문 ≤ 5,000,000)",
                "synthetic sizes too large (households ≤ 100,000, workers ≤ 10,000, visits ≤ 5,000,000)",
            ));
        }
        Ok(())
    }

    /// About 700 households and 20 workers, as in an average Seoul 동, with a year of visits.
    pub fn dong(today: NaiveDate) -> Self {
        SyntheticConfig {
            seed: 20_221_022,
            households: 700,
            workers: 20,
            visits: 9_000,
            today,
        }
    }
}

/// What was generated, for callers that need handles into it.
#[derive(Debug, Clone)]
pub struct SyntheticDong {
    pub city: OrgUnit,
    pub district: OrgUnit,
    pub dong: OrgUnit,
    pub teams: Vec<OrgUnit>,
    pub workers: Vec<Worker>,
    pub household_ids: Vec<Id>,
    /// Visits generated: the configured number unless the team's slots ran out.
    pub visits: usize,
    pub wellness_checks: usize,
    pub persons: usize,
}

/// The staff and volunteer mix of a 동 team, repeated to reach the wanted head count.
const ROLE_MIX: &[&[Role]] = &[
    &[Role::WelfarePlanner],
    &[Role::VisitingNurse],
    &[Role::WelfarePlanner],
    &[Role::CareManager],
    &[Role::VolunteerNeighborhoodCare],
    &[Role::Escort],
    &[Role::VisitingNurse],
    &[Role::WelfarePlanner],
    &[Role::VolunteerNeighborhoodCare],
    &[Role::CaseManager],
    &[Role::VolunteerBorami],
    &[Role::CareManager],
    &[Role::MentalHealthOfficer],
    &[Role::VolunteerNeighborhoodCare],
    &[Role::WelfarePlanner],
    &[Role::Escort],
    &[Role::VisitingNurse],
    &[Role::VolunteerBorami],
    &[Role::CommunityReporter],
    &[Role::VolunteerNeighborhoodCare],
];

/// Generates a synthetic 동 into `store`, in one transaction.
pub fn generate(store: &Store, cfg: &SyntheticConfig) -> CoreResult<SyntheticDong> {
    cfg.validate()?;
    let mut rng = Rng::new(cfg.seed);
    let mut id = IdSource::new(cfg.seed);
    store.write(|tx| {
        let unit = |id: Id, kind, name: &str, parent: Option<Id>| -> CoreResult<OrgUnit> {
            let u = OrgUnit {
                id,
                kind,
                name: name.to_owned(),
                parent_id: parent,
            };
            tx.execute(
                "INSERT INTO org_units (id, kind, name, parent_id) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![u.id.to_string(), u.kind, u.name, u.parent_id.map(|p| p.to_string())],
            )?;
            Ok(u)
        };
        let city = unit(id.next(), OrgUnitKind::City, "서울특별시", None)?;
        let district = unit(id.next(), OrgUnitKind::District, "강남구", Some(city.id))?;
        let dong = unit(id.next(), OrgUnitKind::Dong, "역삼1동", Some(district.id))?;
        let teams = vec![
            unit(id.next(), OrgUnitKind::Team, "맞춤형복지팀", Some(dong.id))?,
            unit(id.next(), OrgUnitKind::Team, "방문간호팀", Some(dong.id))?,
        ];

        let mut workers = Vec::with_capacity(cfg.workers);
        for i in 0..cfg.workers {
            let roles = ROLE_MIX[i % ROLE_MIX.len()].to_vec();
            let team = if roles.contains(&Role::VisitingNurse) { &teams[1] } else { &teams[0] };
            let w = Worker {
                id: id.next(),
                team_id: team.id,
                name: names::person_name(&mut rng),
                roles,
                phone: Some(names::phone(&mut rng)),
                active: true,
            };
            tx.execute(
                "INSERT INTO workers (id, team_id, name, roles, phone, active) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                rusqlite::params![
                    w.id.to_string(),
                    w.team_id.to_string(),
                    w.name,
                    crate::store::conv::codes(&w.roles),
                    w.phone
                ],
            )?;
            workers.push(w);
        }
        let staff: Vec<&Worker> = workers.iter().filter(|w| w.is_staff()).collect();
        let everyone: Vec<&Worker> = workers.iter().collect();

        let mut households = Vec::with_capacity(cfg.households);
        let mut persons = 0;
        for _ in 0..cfg.households {
            let (h, members) = household(&mut rng, &mut id, &dong, &district.name, cfg.today);
            crate::store::households::insert(tx, &h)?;
            for p in &members {
                crate::store::persons::insert(tx, p)?;
            }
            crate::store::households::refresh_search_text(tx, h.id)?;
            persons += members.len();
            households.push(h);
        }

        let mut wellness_checks = 0;
        let mut visits = 0;
        let mut busy: HashSet<(Id, i64)> = HashSet::new();
        let first_day = cfg.today - Days::new(365);
        let span_days = 365 + 14;
        let mut attempts = 0;
        while visits < cfg.visits && attempts < cfg.visits * 4 {
            attempts += 1;
            // Higher crisis levels are visited more often.
            let h = loop {
                let h = rng.pick(&households);
                let weight = [1u64, 2, 4, 12, 40][h.crisis_level.value() as usize - 1];
                if rng.below(40) < weight {
                    break h;
                }
            };
            let day = first_day + Days::new(rng.below(span_days));
            let slot = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
                + Duration::minutes(30 * rng.range(0, 15));
            let start = kst()
                .from_local_datetime(&day.and_time(slot))
                .single()
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default();
            let mode = *rng.weighted(&[(ContactMode::Home, 6), (ContactMode::Phone, 3), (ContactMode::Centre, 1)]);
            let purpose = purpose_for(&mut rng, h);
            // Nobody is booked twice for the same slot (a few tries, then the slot is given up).
            let free = |w: &Worker, busy: &HashSet<(Id, i64)>| !busy.contains(&(w.id, start.timestamp()));
            let Some(lead) = (0..8).map(|_| *rng.pick(&staff)).find(|w| free(w, &busy)) else {
                continue;
            };
            let mut assigned = vec![lead.id];
            if mode.needs_pair() {
                let Some(partner) = (0..8)
                    .map(|_| *rng.pick(&everyone))
                    .find(|w| w.id != lead.id && free(w, &busy))
                else {
                    continue;
                };
                assigned.push(partner.id);
            }
            for w in &assigned {
                busy.insert((*w, start.timestamp()));
            }
            assigned.sort();
            let past = day < cfg.today;
            let outcome = past.then(|| {
                *rng.weighted(&[
                    (VisitOutcome::Met, 85),
                    (VisitOutcome::NotHome, 9),
                    (VisitOutcome::Refused, 3),
                    (VisitOutcome::Hospitalised, 2),
                    (VisitOutcome::Unreachable, 1),
                ])
            });
            let started = past.then(|| start + Duration::minutes(rng.range(-10, 20)));
            let completed = started.map(|s| s + Duration::minutes(rng.range(15, 70)));
            let visit = Visit {
                id: id.next(),
                household_id: h.id,
                purpose,
                contact_mode: mode,
                window: TimeWindow {
                    start,
                    end: start + Duration::minutes(if mode == ContactMode::Phone { 30 } else { 60 }),
                },
                required_roles: required_roles(purpose),
                assigned,
                status: if past { VisitStatus::Completed } else { VisitStatus::Planned },
                started_at: started,
                completed_at: completed,
                outcome,
                note: None,
            };
            crate::store::visits::insert(tx, &visit)?;
            visits += 1;
            if let (Some(VisitOutcome::Met), Some(at)) = (outcome, completed) {
                crate::store::households::note_contact(tx, h.id, at)?;
                if rng.chance(0.6) {
                    let check = WellnessCheck {
                        id: id.next(),
                        household_id: h.id,
                        visit_id: Some(visit.id),
                        worker_id: lead.id,
                        checked_at: at,
                        contact_mode: mode,
                        checklist: checklist(&mut rng),
                        note: rng.chance(0.3).then(|| "식사와 복약 상태 확인함".to_owned()),
                        corrects: None,
                    };
                    crate::store::wellness::insert(tx, &check)?;
                    wellness_checks += 1;
                }
            }
        }
        Ok(SyntheticDong {
            city,
            district,
            dong,
            teams,
            workers,
            household_ids: households.iter().map(|h| h.id).collect(),
            visits,
            wellness_checks,
            persons,
        })
    })
}

/// Ids derived from the seed (UUID v7 layout with a fixed time), so runs are reproducible.
struct IdSource(Rng);

impl IdSource {
    fn new(seed: u64) -> Self {
        IdSource(Rng::new(seed ^ 0x1D5))
    }

    fn next(&mut self) -> Id {
        let hi = self.0.next_u64();
        let lo = self.0.next_u64();
        // 2024-01-01 as the v7 timestamp; version 7 and the RFC 4122 variant bits set.
        let ms: u64 = 1_704_067_200_000;
        let hi = (ms << 16) | 0x7000 | (hi & 0x0FFF);
        let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        uuid::Uuid::from_u64_pair(hi, lo)
    }
}

fn household(
    rng: &mut Rng,
    id: &mut IdSource,
    dong: &OrgUnit,
    district: &str,
    today: NaiveDate,
) -> (Household, Vec<Person>) {
    let head = names::person_name(rng);
    // Monitored households are mostly small: many older people living alone.
    let size = *rng.weighted(&[(1usize, 45), (2, 25), (3, 15), (4, 10), (5, 4), (6, 1)]);
    let head_age = rng.range(25, 95);
    let hid = id.next();
    let birth = |rng: &mut Rng, age: i64| {
        let b = today - Days::new((age * 365 + rng.range(0, 364)) as u64);
        b.max(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(b))
    };
    let mut members = vec![Person {
        id: id.next(),
        household_id: hid,
        name: head.clone(),
        birth_date: birth(rng, head_age),
        sex: if rng.chance(0.6) {
            Sex::Female
        } else {
            Sex::Male
        },
        relation: Relation::Head,
        disability: *rng.weighted(&[
            (Disability::None, 85),
            (Disability::Mild, 10),
            (Disability::Severe, 5),
        ]),
    }];
    for i in 1..size {
        let (relation, age) = if i == 1 && rng.chance(0.6) {
            (Relation::Spouse, (head_age + rng.range(-5, 5)).max(18))
        } else if head_age > 70 && rng.chance(0.3) {
            (Relation::Grandchild, rng.range(0, 17))
        } else {
            (Relation::Child, (head_age - rng.range(20, 40)).max(0))
        };
        members.push(Person {
            id: id.next(),
            household_id: hid,
            name: names::same_family_name(rng, &head),
            birth_date: birth(rng, age),
            sex: if rng.chance(0.5) {
                Sex::Female
            } else {
                Sex::Male
            },
            relation,
            disability: *rng.weighted(&[
                (Disability::None, 92),
                (Disability::Mild, 6),
                (Disability::Severe, 2),
            ]),
        });
    }
    let mut tags = Vec::new();
    if size == 1 {
        tags.push(HouseholdTag::LivesAlone);
        if (50..65).contains(&head_age) {
            tags.push(HouseholdTag::MiddleAgedSingle);
        }
    }
    if head_age >= 65 {
        tags.push(HouseholdTag::Elderly);
    }
    if members.iter().any(|p| p.disability != Disability::None) {
        tags.push(HouseholdTag::Disability);
    }
    if members.iter().any(|p| p.age_on(today) < 1) {
        tags.push(HouseholdTag::NewBirth);
    } else if members.iter().any(|p| p.age_on(today) < 18) {
        tags.push(HouseholdTag::ChildRearing);
    }
    match rng.below(10) {
        0..=2 => tags.push(HouseholdTag::BasicLivelihood),
        3 => tags.push(HouseholdTag::NearPoor),
        _ => {}
    }
    let level = *rng.weighted(&[(1i64, 35), (2, 25), (3, 20), (4, 12), (5, 8)]);
    if size == 1 && level >= 4 {
        tags.push(HouseholdTag::LonelyDeathRisk);
    }
    let mut risk_flags = Vec::new();
    for (flag, p) in [
        (RiskFlag::Dog, 0.06),
        (RiskFlag::AggressionHistory, 0.03),
        (RiskFlag::InfectionRisk, 0.02),
        (RiskFlag::Alcohol, 0.04),
        (RiskFlag::Hoarding, 0.02),
        (RiskFlag::MentalHealthHighRiskNoConsent, 0.01),
    ] {
        if rng.chance(p) {
            risk_flags.push(flag);
        }
    }
    tags.sort();
    risk_flags.sort();
    // Around 역삼1동: 37.495–37.505 N, 127.030–127.045 E.
    let location = GeoPoint {
        lat: 37.495 + rng.unit() * 0.010,
        lon: 127.030 + rng.unit() * 0.015,
    };
    let h = Household {
        id: hid,
        dong_id: dong.id,
        head_name: head,
        address: names::address(rng, district),
        location: Some(location),
        crisis_level: CrisisLevel::new(level).unwrap_or(CrisisLevel::STABLE),
        tags,
        risk_flags,
        phone: rng.chance(0.8).then(|| names::phone(rng)),
        archived: false,
    };
    (h, members)
}

fn purpose_for(rng: &mut Rng, h: &Household) -> VisitPurpose {
    if h.crisis_level >= CrisisLevel::ALERT {
        *rng.weighted(&[
            (VisitPurpose::CrisisMonitoring, 6),
            (VisitPurpose::CaseWork, 2),
            (VisitPurpose::WellnessCheck, 2),
        ])
    } else if h.tags.contains(&HouseholdTag::Elderly) {
        *rng.weighted(&[
            (VisitPurpose::UniversalVisit, 3),
            (VisitPurpose::WellnessCheck, 5),
            (VisitPurpose::CareSos, 1),
        ])
    } else {
        *rng.weighted(&[
            (VisitPurpose::WellnessCheck, 5),
            (VisitPurpose::AfterCare, 2),
            (VisitPurpose::ReferralFollowUp, 1),
        ])
    }
}

fn required_roles(purpose: VisitPurpose) -> Vec<Role> {
    match purpose {
        VisitPurpose::UniversalVisit => vec![Role::VisitingNurse],
        VisitPurpose::CareSos => vec![Role::CareManager],
        VisitPurpose::CaseWork => vec![Role::WelfarePlanner],
        _ => Vec::new(),
    }
}

fn checklist(rng: &mut Rng) -> WellnessChecklist {
    let mut obs = || {
        *rng.weighted(&[
            (Observation::Good, 80),
            (Observation::Concern, 17),
            (Observation::Urgent, 3),
        ])
    };
    let (meals, health, mood, mobility, housing, heating_cooling, loneliness) =
        (obs(), obs(), obs(), obs(), obs(), obs(), obs());
    WellnessChecklist {
        meals,
        health,
        mood,
        mobility,
        housing,
        heating_cooling,
        loneliness,
        arrears_signs: rng.chance(0.05),
        utility_cutoff_signs: rng.chance(0.01),
        needs_referral: rng.chance(0.08),
    }
}
