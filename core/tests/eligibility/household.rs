//! `Store::evaluate_household`: the engine's input built from a household's own records in a real
//! SQLite file — members, the lonely-death tag, 서울형 긴급복지 support recorded as service
//! provisions (with its crisis reason and support kind), and this year's 돌봄SOS use — and the
//! decisions the engine's rules give on it (001 §7 ④: 재지원 never within 3 months; 생계비
//! 추가지원 1회, 2회 for a lonely-death-risk single household; 돌봄SOS yearly limits).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use donghaeng_core::clock::{kst, FixedClock};
use donghaeng_core::eligibility::{
    CareSosRequest, CrisisInput, CrisisReason, Decision, EnteredFacts, EvaluationOutput,
    ProgramCode, ProgramResult, Residence, SupportItem, SupportKind,
};
use donghaeng_core::model::{
    Disability, EmergencySupport, HouseholdTag, OrgUnitKind, Relation, Role, ServiceItem, Sex,
};
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::persons::NewMember;
use donghaeng_core::store::services::NewServiceProvision;
use donghaeng_core::store::workers::NewWorker;
use donghaeng_core::store::Store;
use donghaeng_core::{CoreResult, ErrorCode};
use tempfile::TempDir;
use uuid::Uuid;

use crate::fixtures::d;

const EW: ProgramCode = ProgramCode::SeoulEmergencyWelfare;
/// 단전·단수: a Seoul ordinance reason, not one of 긴급복지지원법 §2, so national emergency welfare
/// (screened first from 2025-10-23) does not take the household over and the Seoul rules decide.
const REASON: CrisisReason = CrisisReason::UtilityCutoff;

struct Home {
    _dir: TempDir,
    store: Store,
    planner: Uuid,
    household: Uuid,
}

/// A file store (clock: 2026-12-03 10:00 KST) with one 동, a planner and one household of the
/// given tags and members (birth date, disability).
fn home(tags: Vec<HouseholdTag>, members: &[(&str, Disability)]) -> Home {
    let dir = tempfile::tempdir().unwrap();
    let now = kst()
        .with_ymd_and_hms(2026, 12, 3, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let store =
        Store::open_with_clock(dir.path().join("donghaeng.db"), Arc::new(FixedClock(now))).unwrap();
    let org = store.org();
    let city = org.create(OrgUnitKind::City, "서울특별시", None).unwrap();
    let district = org
        .create(OrgUnitKind::District, "강남구", Some(city.id))
        .unwrap();
    let dong = org
        .create(OrgUnitKind::Dong, "역삼1동", Some(district.id))
        .unwrap();
    let team = org
        .create(OrgUnitKind::Team, "복지1팀", Some(dong.id))
        .unwrap();
    let planner = store
        .workers()
        .create(NewWorker {
            team_id: team.id,
            name: "박지은".into(),
            roles: vec![Role::WelfarePlanner],
            phone: None,
        })
        .unwrap();
    let members = members
        .iter()
        .enumerate()
        .map(|(i, (birth, disability))| NewMember {
            name: format!("가구원{i}"),
            birth_date: d(birth),
            sex: Sex::Female,
            relation: if i == 0 {
                Relation::Head
            } else {
                Relation::Other
            },
            disability: *disability,
        })
        .collect();
    let (household, _) = store
        .households()
        .create_with_members(
            NewHousehold {
                dong_id: dong.id,
                head_name: "김하나".into(),
                address: "서울특별시 강남구 테헤란로 1".into(),
                location: None,
                crisis_level: 4,
                tags,
                risk_flags: vec![],
                phone: None,
            },
            members,
        )
        .unwrap();
    Home {
        _dir: dir,
        store,
        planner: planner.id,
        household: household.id,
    }
}

fn single(tags: Vec<HouseholdTag>) -> Home {
    home(tags, &[("1960-04-01", Disability::None)])
}

fn lonely_single() -> Home {
    single(vec![
        HouseholdTag::LonelyDeathRisk,
        HouseholdTag::LivesAlone,
    ])
}

/// What the worker enters: under every 2026 limit for one person (income 100만원 ≤ 2,564,238원,
/// property 5,000만원, financial assets 100만원), in crisis (단전·단수), asking for living costs.
fn facts(kind: SupportKind) -> EnteredFacts {
    EnteredFacts {
        residence: Residence::Seoul,
        household_size: None,
        monthly_income_won: 1_000_000,
        recognised_income_won: None,
        property_won: 50_000_000,
        financial_assets_won: 1_000_000,
        receiving: vec![],
        health_insurance_bottom_20pct: false,
        crisis: Some(CrisisInput {
            reasons: vec![REASON],
            requested_items: vec![SupportItem::Living],
            support_kind: kind,
        }),
        care_sos_request: None,
        programs: Some(vec![EW]),
    }
}

impl Home {
    fn new_record(&self, item: ServiceItem, on: &str, amount: Option<i64>) -> NewServiceProvision {
        NewServiceProvision {
            household_id: self.household,
            case_id: None,
            item,
            provided_on: d(on),
            quantity: None,
            amount_won: amount,
            recorded_by: self.planner,
            note: None,
            corrects: None,
        }
    }

    /// Records a living-cost payment for `reason` of `kind`; its id.
    fn living(&self, on: &str, reason: CrisisReason, kind: SupportKind) -> Uuid {
        self.store
            .services()
            .record_with(
                self.new_record(ServiceItem::Living, on, Some(300_000)),
                Some(EmergencySupport {
                    crisis_reason: reason,
                    support_kind: kind,
                }),
            )
            .unwrap()
            .id
    }

    /// Records a paid 돌봄SOS service; its id.
    fn care(&self, item: ServiceItem, on: &str, quantity: i64, amount: Option<i64>) -> Uuid {
        let mut new = self.new_record(item, on, amount);
        new.quantity = Some(quantity);
        self.store.services().record(new).unwrap().id
    }

    fn evaluate(&self, as_of: &str, facts: &EnteredFacts) -> CoreResult<EvaluationOutput> {
        self.store
            .evaluate_household(self.household, d(as_of), facts)
    }

    fn emergency(&self, as_of: &str, kind: SupportKind) -> ProgramResult {
        self.evaluate(as_of, &facts(kind))
            .unwrap()
            .program(EW)
            .unwrap()
            .clone()
    }
}

fn note<'a>(r: &'a ProgramResult, code: &str) -> Option<&'a str> {
    r.notes
        .iter()
        .find(|n| n.code == code)
        .map(|n| n.ko.as_str())
}

#[test]
fn a_second_living_payment_for_the_same_crisis_is_refused_within_three_months_and_allowed_after() {
    let h = single(vec![HouseholdTag::LivesAlone]);
    let first = h.living("2026-08-01", REASON, SupportKind::New);

    // New support (재지원) one day before the 3 months are over: refused, naming the record.
    let r = h.emergency("2026-10-31", SupportKind::New);
    assert_eq!(r.decision, Decision::Ineligible);
    let c = r.check("resupport_interval").unwrap();
    assert!(!c.passed);
    assert!(c.ko.contains(&first.to_string()), "{}", c.ko);
    assert!(c.ko.contains("2026-08-01"), "{}", c.ko);
    assert!(c.ko.contains("2026-11-01부터 재지원 가능"), "{}", c.ko);
    assert!(c.en.contains(&format!("record {first}")), "{}", c.en);
    let counted = note(&r, "recorded_support_counted").unwrap();
    assert!(counted.contains(&first.to_string()), "{counted}");
    assert!(counted.contains("생계비"), "{counted}");

    // Exactly 3 months later: allowed, living costs of 300,000원 for one person.
    let r = h.emergency("2026-11-01", SupportKind::New);
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
    assert!(r.check("resupport_interval").unwrap().passed);
    assert_eq!(r.support.len(), 1);
    assert_eq!(r.support[0].item, SupportItem::Living);
    assert_eq!(r.support[0].max_amount_won, 300_000);
}

#[test]
fn support_for_another_crisis_does_not_bar_this_one() {
    let h = single(vec![HouseholdTag::LivesAlone]);
    h.living("2026-10-01", CrisisReason::HeatColdWave, SupportKind::New);
    let r = h.emergency("2026-11-01", SupportKind::New);
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
}

#[test]
fn an_ordinary_household_gets_one_extra_living_payment_in_the_episode() {
    let h = single(vec![HouseholdTag::LivesAlone]);
    h.living("2026-09-01", REASON, SupportKind::New);
    // The second payment as 추가지원: the one extra payment of the row.
    let r = h.emergency("2026-10-01", SupportKind::Extra);
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
    let c = r.check("extra_payments").unwrap();
    assert!(c.passed);
    assert!(c.ko.contains("생계비 추가지원 0/1회 사용"), "{}", c.ko);
    // After it, a third payment of the episode is refused.
    let extra = h.living("2026-10-01", REASON, SupportKind::Extra);
    let r = h.emergency("2026-11-02", SupportKind::Extra);
    assert_eq!(r.decision, Decision::Ineligible);
    let c = r.check("extra_payments").unwrap();
    assert!(!c.passed);
    assert!(c.ko.contains("생계비 추가지원 1/1회 사용"), "{}", c.ko);
    assert!(c.ko.contains(&extra.to_string()), "{}", c.ko);
}

#[test]
fn a_lonely_death_single_household_gets_a_third_payment_and_not_a_fourth() {
    let h = lonely_single();
    let first = h.living("2026-09-01", REASON, SupportKind::New);
    let second = h.living("2026-10-01", REASON, SupportKind::Extra);

    // Third payment (second extra): allowed — 추가지원 2회 가능(총3회).
    let r = h.emergency("2026-11-02", SupportKind::Extra);
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
    let c = r.check("extra_payments").unwrap();
    assert!(c.passed);
    assert!(c.ko.contains("생계비 추가지원 1/2회 사용"), "{}", c.ko);
    assert!(c.ko.contains(&first.to_string()), "{}", c.ko);
    assert!(c.ko.contains(&second.to_string()), "{}", c.ko);
    assert!(c.ko.contains("고독사 위험 1인 가구"), "{}", c.ko);
    assert!(note(&r, "lonely_death_support").is_some());

    // Fourth payment: refused.
    h.living("2026-11-02", REASON, SupportKind::Extra);
    let r = h.emergency("2026-12-01", SupportKind::Extra);
    assert_eq!(r.decision, Decision::Ineligible);
    let c = r.check("extra_payments").unwrap();
    assert!(!c.passed);
    assert!(c.ko.contains("생계비 추가지원 2/2회 사용"), "{}", c.ko);
    // Nor as new support: the last payment of the crisis was less than 3 months ago.
    let r = h.emergency("2026-12-01", SupportKind::New);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(!r.check("resupport_interval").unwrap().passed);
}

#[test]
fn the_lonely_death_allowance_is_for_single_households_only() {
    // Lonely-death tag, two members: the ordinary one extra payment.
    let h = home(
        vec![HouseholdTag::LonelyDeathRisk],
        &[
            ("1960-04-01", Disability::None),
            ("1962-05-01", Disability::None),
        ],
    );
    h.living("2026-09-01", REASON, SupportKind::New);
    h.living("2026-10-01", REASON, SupportKind::Extra);
    let r = h.emergency("2026-11-02", SupportKind::Extra);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(r
        .check("extra_payments")
        .unwrap()
        .ko
        .contains("생계비 추가지원 1/1회 사용"));
}

#[test]
fn an_extra_payment_without_an_episode_is_refused() {
    let h = single(vec![]);
    let r = h.emergency("2026-11-02", SupportKind::Extra);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(!r.check("extra_payments").unwrap().passed);
}

#[test]
fn a_voided_payment_does_not_count_and_a_corrected_one_counts_as_corrected() {
    let h = single(vec![]);
    // Voided: entered in error.
    let wrong = h.living("2026-10-01", REASON, SupportKind::New);
    h.store
        .services()
        .void(wrong, h.planner, "다른 가구에 입력함")
        .unwrap();
    let r = h.emergency("2026-11-02", SupportKind::New);
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
    assert!(note(&r, "recorded_support_counted").is_none());

    // Recorded under another reason, then corrected to this crisis: the correction counts.
    let original = h.living("2026-09-15", CrisisReason::HeatColdWave, SupportKind::New);
    let mut fix = h.new_record(ServiceItem::Living, "2026-09-15", Some(300_000));
    fix.corrects = Some(original);
    let corrected = h
        .store
        .services()
        .record_with(
            fix,
            Some(EmergencySupport {
                crisis_reason: REASON,
                support_kind: SupportKind::New,
            }),
        )
        .unwrap()
        .id;
    let r = h.emergency("2026-11-02", SupportKind::New);
    assert_eq!(r.decision, Decision::Ineligible);
    let c = r.check("resupport_interval").unwrap();
    assert!(c.ko.contains(&corrected.to_string()), "{}", c.ko);
    assert!(!c.ko.contains(&original.to_string()), "{}", c.ko);
    let counted = note(&r, "recorded_support_counted").unwrap();
    assert!(!counted.contains(&original.to_string()), "{counted}");
    assert!(!counted.contains(&wrong.to_string()), "{counted}");
}

#[test]
fn a_payment_recorded_without_a_crisis_reason_is_named_not_guessed() {
    let h = single(vec![]);
    let old = h
        .store
        .services()
        .record(h.new_record(ServiceItem::Living, "2026-10-01", Some(300_000)))
        .unwrap()
        .id;
    let r = h.emergency("2026-11-02", SupportKind::New);
    assert_eq!(r.decision, Decision::Eligible);
    let n = note(&r, "records_without_crisis_reason").unwrap();
    assert!(n.contains("1건"), "{n}");
    assert!(n.contains(&old.to_string()), "{n}");
}

#[test]
fn support_recorded_after_the_evaluation_date_is_not_counted() {
    let h = single(vec![]);
    h.living("2026-11-20", REASON, SupportKind::New);
    let r = h.emergency("2026-11-02", SupportKind::New);
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
}

fn care_facts(request: CareSosRequest) -> EnteredFacts {
    EnteredFacts {
        crisis: None,
        care_sos_request: Some(request),
        programs: Some(vec![ProgramCode::CareSos]),
        ..facts(SupportKind::New)
    }
}

fn older_single() -> Home {
    home(
        vec![HouseholdTag::LivesAlone],
        &[("1950-03-02", Disability::None)],
    )
}

#[test]
fn care_sos_meals_count_what_was_used_earlier_in_the_year() {
    let h = older_single();
    // 8 meals corrected to 20 (208,000원), 10 meals voided, 5 meals last year.
    let first = h.care(ServiceItem::Meals, "2026-03-10", 8, Some(83_200));
    let mut fix = h.new_record(ServiceItem::Meals, "2026-03-10", Some(208_000));
    fix.quantity = Some(20);
    fix.corrects = Some(first);
    let corrected = h.store.services().record(fix).unwrap().id;
    let voided = h.care(ServiceItem::Meals, "2026-04-01", 10, Some(104_000));
    h.store
        .services()
        .void(voided, h.planner, "중복 입력")
        .unwrap();
    h.care(ServiceItem::Meals, "2025-11-01", 5, Some(52_000));

    let out = h
        .evaluate(
            "2026-12-03",
            &care_facts(CareSosRequest {
                meals: 15,
                ..CareSosRequest::default()
            }),
        )
        .unwrap();
    let r = out.program(ProgramCode::CareSos).unwrap();
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
    let c = r.care_sos_cost.as_ref().unwrap();
    assert_eq!(c.services.len(), 1);
    let m = &c.services[0];
    // 30 meals a year: 20 used, 10 left.
    assert_eq!(
        (m.requested, m.used_earlier, m.covered, m.over_limit),
        (15, 20, 10, 5)
    );
    assert_eq!(m.cost_won, 104_000, "10 × 10,400원 (2026)");
    assert_eq!(c.used_earlier_won, 208_000);
    assert_eq!(c.covered_total_won, 104_000);
    let n = note(r, "care_sos_used_earlier").unwrap();
    assert!(n.contains(&corrected.to_string()), "{n}");
    assert!(!n.contains(&first.to_string()), "{n}");
    assert!(!n.contains(&voided.to_string()), "{n}");
    assert!(n.contains("식사지원 20식"), "{n}");
    assert!(note(r, "care_sos_over_limit").is_some());
}

#[test]
fn care_sos_home_care_hours_and_the_money_cap_count_earlier_use() {
    let h = older_single();
    // 50 hours of home care recorded without a fee: priced at 17,450원 per 30 minutes = 1,745,000원.
    let used = h.care(ServiceItem::TemporaryHomeCare, "2026-05-01", 3_000, None);
    let out = h
        .evaluate(
            "2026-12-03",
            &care_facts(CareSosRequest {
                temporary_home_care_hours: 20,
                meals: 10,
                ..CareSosRequest::default()
            }),
        )
        .unwrap();
    let r = out.program(ProgramCode::CareSos).unwrap();
    assert_eq!(r.decision, Decision::Eligible, "{:?}", r.checks);
    let c = r.care_sos_cost.as_ref().unwrap();
    let home = c
        .services
        .iter()
        .find(|s| s.service == donghaeng_core::eligibility::CareService::TemporaryHomeCare)
        .unwrap();
    // 60 hours a year: 50 used, 10 left of the 20 requested.
    assert_eq!(
        (home.used_earlier, home.covered, home.over_limit),
        (3_000, 10, 10)
    );
    assert_eq!(home.cost_won, 349_000, "600 min × 17,450원 / 30 min");
    assert_eq!(c.services_total_won, 349_000 + 104_000);
    // 180만원 a year: 1,745,000원 used, 55,000원 left.
    assert_eq!(c.used_earlier_won, 1_745_000);
    assert_eq!(c.covered_total_won, 55_000);
    assert_eq!(c.over_total_limit_won, 453_000 - 55_000);
    assert!(note(r, "care_sos_used_earlier")
        .unwrap()
        .contains(&used.to_string()));
}

#[test]
fn members_ages_and_disability_come_from_the_records() {
    // A 40-year-old alone is not a 돌봄SOS target group; a disabled member makes it one.
    let h = home(vec![], &[("1986-01-01", Disability::None)]);
    let f = care_facts(CareSosRequest::default());
    let r = h.evaluate("2026-12-03", &f).unwrap();
    assert_eq!(
        r.program(ProgramCode::CareSos).unwrap().decision,
        Decision::Ineligible
    );
    let h = home(vec![], &[("1986-01-01", Disability::Severe)]);
    let r = h.evaluate("2026-12-03", &f).unwrap();
    assert_eq!(
        r.program(ProgramCode::CareSos).unwrap().decision,
        Decision::Eligible
    );
    let input = h
        .store
        .household_input(h.household, d("2026-12-03"), &f)
        .unwrap();
    assert_eq!(input.household.size, 1);
    assert!(input.household.members[0].disabled);
    assert!(!input.household.lonely_death_risk);
}

#[test]
fn an_unknown_household_is_a_typed_error() {
    let h = single(vec![]);
    let e = h
        .store
        .evaluate_household(Uuid::now_v7(), d("2026-12-03"), &facts(SupportKind::New))
        .unwrap_err();
    assert_eq!(e.kind, ErrorCode::NotFound);
    assert_eq!(e.code, "household_not_found");
    assert!(!e.ko.is_empty() && !e.en.is_empty());
}

#[test]
fn a_household_without_members_needs_its_size_entered() {
    let h = home(vec![], &[]);
    let e = h
        .evaluate("2026-12-03", &facts(SupportKind::New))
        .unwrap_err();
    assert_eq!(e.code, "household_size_unknown");
    assert_eq!(e.field.as_deref(), Some("facts.household_size"));
    let f = EnteredFacts {
        household_size: Some(1),
        ..facts(SupportKind::New)
    };
    let r = h.evaluate("2026-12-03", &f).unwrap();
    assert_eq!(r.program(EW).unwrap().decision, Decision::Eligible);
}

#[test]
fn bad_entered_facts_are_refused_with_the_field() {
    let h = single(vec![]);
    let f = EnteredFacts {
        monthly_income_won: -1,
        ..facts(SupportKind::New)
    };
    let e = h.evaluate("2026-12-03", &f).unwrap_err();
    assert_eq!(e.code, "negative_amount");
    assert_eq!(e.field.as_deref(), Some("household.monthly_income_won"));
}

#[test]
fn a_crisis_reason_belongs_to_emergency_items_only_and_survives_reopening() {
    let h = single(vec![]);
    let e = h
        .store
        .services()
        .record_with(
            NewServiceProvision {
                quantity: Some(3),
                ..h.new_record(ServiceItem::Meals, "2026-10-01", None)
            },
            Some(EmergencySupport {
                crisis_reason: REASON,
                support_kind: SupportKind::New,
            }),
        )
        .unwrap_err();
    assert_eq!(e.code, "crisis_reason_not_applicable");
    assert_eq!(e.field.as_deref(), Some("service.crisis_reason"));

    let id = h.living("2026-10-01", REASON, SupportKind::Extra);
    let path = h.store.path().unwrap().to_owned();
    let Home { _dir, store, .. } = h;
    drop(store);
    let store = Store::open(&path).unwrap();
    let p = store.services().get(id).unwrap();
    assert_eq!(p.crisis_reason, Some(REASON));
    assert_eq!(p.support_kind, Some(SupportKind::Extra));
    drop(_dir);
}

#[test]
fn the_sync_registry_carries_the_new_fields() {
    let spec = donghaeng_core::sync::entity("service_provisions").unwrap();
    assert!(spec.has_field("crisis_reason"));
    assert!(spec.has_field("support_kind"));
}
