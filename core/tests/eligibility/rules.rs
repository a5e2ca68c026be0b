//! Decisions: boundaries (at a line → eligible, one won over → not), dates on both sides of 2022-03-01,
//! the 3-month re-support rule, case conferences, residence, the cost calculator, and the choices made
//! where the seed is silent.

use donghaeng_core::eligibility::{
    evaluate, CareSosRequest, CrisisInput, CrisisReason, Decision, EvaluationInput, HistoryEntry,
    Member, ProgramCode, ProgramResult, Receiving, Residence, SupportItem, SupportKind,
};

use crate::fixtures::{crisis_household, d};

/// A 2-person Seoul household in crisis (job loss) on 2022-06-15, under every limit.
fn base() -> EvaluationInput {
    crisis_household("2022-06-15")
}

fn run(input: &EvaluationInput, program: ProgramCode) -> ProgramResult {
    let out = evaluate(input).unwrap();
    out.program(program).unwrap().clone()
}

const EW: ProgramCode = ProgramCode::SeoulEmergencyWelfare;
const BS: ProgramCode = ProgramCode::SeoulBasicSecurity;
const SOS: ProgramCode = ProgramCode::CareSos;

#[test]
fn the_issue_example_is_eligible_for_living_costs_of_500_000() {
    let mut i = base();
    i.history = vec![HistoryEntry {
        program: EW,
        reason: CrisisReason::JobLoss,
        date: d("2021-12-01"),
        support_kind: SupportKind::New,
        item: None,
        record: None,
    }];
    let r = run(&i, EW);
    assert_eq!(r.decision, Decision::Eligible);
    assert_eq!(r.support.len(), 1);
    assert_eq!(r.support[0].item, SupportItem::Living);
    assert_eq!(r.support[0].max_amount_won, 500_000);
    assert_eq!(r.support[0].extra_payments_allowed, 1);
    let c = r.check("income").unwrap();
    assert_eq!(
        (c.value, c.limit, c.passed),
        (Some(1_500_000), Some(3_260_085), true)
    );
    assert_eq!(
        c.ko,
        "소득 1,500,000원 ≤ 기준 3,260,085원 (2인 가구 2022년 기준 중위소득 100%; 코로나19 한시 완화 85% → 100%)"
    );
    assert_eq!(r.parameters, "seoul_emergency_welfare 2022-01-01 (001 §7)");
    assert!(!r.provisional);
}

#[test]
fn emergency_income_at_the_line_is_eligible_one_won_over_is_case_conference() {
    let mut i = base();
    i.household.monthly_income_won = 3_260_085;
    assert_eq!(run(&i, EW).decision, Decision::Eligible);
    i.household.monthly_income_won = 3_260_086;
    let r = run(&i, EW);
    assert_eq!(r.decision, Decision::CaseConference);
    assert!(!r.check("income").unwrap().passed);
    // The case conference still sees the ordinary ceilings.
    assert_eq!(r.support[0].max_amount_won, 500_000);
}

#[test]
fn emergency_property_and_financial_limits_at_and_over() {
    let mut i = base();
    i.household.property_won = 379_000_000;
    i.household.financial_assets_won = 10_000_000;
    assert_eq!(run(&i, EW).decision, Decision::Eligible);
    i.household.property_won = 379_000_001;
    assert_eq!(run(&i, EW).decision, Decision::CaseConference);
    // Issue 17: the financial limit applies after the 생활준비금 (100% of the 2-person 2022 median,
    // 3,260,085원); 10,000,001원 of financial assets, formerly over, is now well within.
    i.household.property_won = 379_000_000;
    i.household.financial_assets_won = 13_260_086;
    assert_eq!(run(&i, EW).decision, Decision::CaseConference);
}

#[test]
fn emergency_without_crisis_reason_is_ineligible() {
    let mut i = base();
    i.crisis = None;
    let r = run(&i, EW);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(!r.check("crisis_reason").unwrap().passed);
    assert!(r.support.is_empty());
    i.crisis = Some(CrisisInput::default());
    assert_eq!(run(&i, EW).decision, Decision::Ineligible);
    // Over a limit without a crisis is still ineligible, not a case conference.
    i.household.monthly_income_won = 9_000_000;
    assert_eq!(run(&i, EW).decision, Decision::Ineligible);
}

#[test]
fn case_conference_recognition_counts_as_a_crisis_reason() {
    let mut i = base();
    i.crisis = Some(CrisisInput {
        reasons: vec![CrisisReason::CaseConferenceRecognised],
        requested_items: vec![],
        support_kind: SupportKind::New,
    });
    let r = run(&i, EW);
    assert_eq!(r.decision, Decision::Eligible);
    // No item requested: every item is listed with its ceiling.
    assert_eq!(r.support.len(), SupportItem::ALL.len());
    let amount = |item| {
        r.support
            .iter()
            .find(|l| l.item == item)
            .unwrap()
            .max_amount_won
    };
    assert_eq!(amount(SupportItem::Medical), 1_000_000);
    assert_eq!(amount(SupportItem::Housing), 1_000_000);
    assert_eq!(amount(SupportItem::CareSos), 1_600_000);
    assert_eq!(amount(SupportItem::EducationElementary), 124_100);
    assert_eq!(amount(SupportItem::EducationMiddle), 174_700);
    assert_eq!(amount(SupportItem::EducationHigh), 207_700);
    assert_eq!(amount(SupportItem::Fuel), 106_700);
    assert_eq!(amount(SupportItem::Childbirth), 700_000);
    assert_eq!(amount(SupportItem::Funeral), 800_000);
    assert_eq!(amount(SupportItem::Electricity), 500_000);
    let medical = r
        .support
        .iter()
        .find(|l| l.item == SupportItem::Medical)
        .unwrap();
    assert_eq!(medical.extra_payments_allowed, 1);
    let housing = r
        .support
        .iter()
        .find(|l| l.item == SupportItem::Housing)
        .unwrap();
    assert_eq!(housing.extra_payments_allowed, 0);
}

#[test]
fn living_costs_by_household_size() {
    for (size, amount) in [
        (1, 300_000),
        (2, 500_000),
        (3, 700_000),
        (4, 1_000_000),
        (5, 1_000_000),
        (6, 1_000_000),
    ] {
        let mut i = base();
        i.household.size = size;
        i.household.monthly_income_won = 0;
        let r = run(&i, EW);
        assert_eq!(r.support[0].max_amount_won, amount, "size {size}");
    }
}

#[test]
fn lonely_death_risk_single_households_get_two_extra_living_payments() {
    let mut i = base();
    i.household.size = 1;
    i.household.monthly_income_won = 1_000_000;
    i.household.lonely_death_risk = true;
    let r = run(&i, EW);
    assert_eq!(r.support[0].max_amount_won, 300_000);
    assert_eq!(r.support[0].extra_payments_allowed, 2);
    assert!(r
        .notes
        .iter()
        .any(|n| n.code == "lonely_death_support" && n.ko.contains("500,000원")));
    // Not for a 2-person household.
    i.household.size = 2;
    assert_eq!(run(&i, EW).support[0].extra_payments_allowed, 1);
}

#[test]
fn same_reason_within_three_months_is_ineligible_exactly_three_months_is_allowed() {
    let mut i = base();
    i.history = vec![HistoryEntry {
        program: EW,
        reason: CrisisReason::JobLoss,
        date: d("2022-03-15"),
        support_kind: SupportKind::New,
        item: None,
        record: None,
    }];
    i.as_of = d("2022-06-14");
    let r = run(&i, EW);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(r
        .check("resupport_interval")
        .unwrap()
        .ko
        .contains("2022-06-15부터"));
    i.as_of = d("2022-06-15");
    assert_eq!(run(&i, EW).decision, Decision::Eligible);
    // A different reason is not barred; another program's history does not count.
    i.as_of = d("2022-04-01");
    i.history[0].reason = CrisisReason::SeriousIllness;
    assert_eq!(run(&i, EW).decision, Decision::Eligible);
    i.history[0].reason = CrisisReason::JobLoss;
    i.history[0].program = ProgramCode::CareSos;
    assert_eq!(run(&i, EW).decision, Decision::Eligible);
}

#[test]
fn overlapping_support_sends_a_crisis_household_to_case_conference() {
    for rec in [
        Receiving::NationalBasicLivelihood,
        Receiving::NationalEmergencyWelfare,
        Receiving::SeoulBasicSecurity,
        Receiving::SeoulEmergencyWelfare,
    ] {
        let mut i = base();
        i.household.receiving = vec![rec];
        let r = run(&i, EW);
        assert_eq!(r.decision, Decision::CaseConference, "{rec}");
        assert!(!r.check("no_overlapping_support").unwrap().passed);
    }
    // 차상위 is not overlapping.
    let mut i = base();
    i.household.receiving = vec![Receiving::NearPoor];
    assert_eq!(run(&i, EW).decision, Decision::Eligible);
}

#[test]
fn seoul_programs_are_not_applicable_outside_seoul_national_screens_still_apply() {
    let mut i = base();
    i.residence = Residence::Other;
    i.household.receiving = vec![Receiving::NationalBasicLivelihood];
    let out = evaluate(&i).unwrap();
    for p in [EW, BS, SOS, ProgramCode::SeoulSafetyIncome] {
        assert_eq!(
            out.program(p).unwrap().decision,
            Decision::NotApplicable,
            "{p}"
        );
    }
    assert_eq!(
        out.program(ProgramCode::VisitingHealthCare)
            .unwrap()
            .decision,
        Decision::Eligible
    );
}

#[test]
fn basic_security_46_percent_line_at_and_one_won_over_from_march_2022() {
    let mut i = base();
    i.as_of = d("2022-03-01");
    i.household.monthly_income_won = 1_499_639;
    let r = run(&i, BS);
    assert_eq!(r.decision, Decision::Eligible);
    assert_eq!(
        r.monthly_benefit_won,
        Some(163_004),
        "minimum at the 46% line"
    );
    assert!(r
        .notes
        .iter()
        .any(|n| n.code == "benefit_formula_unverified"));
    i.household.monthly_income_won = 1_499_640;
    assert_eq!(run(&i, BS).decision, Decision::Ineligible);
}

#[test]
fn basic_security_uses_the_2021_45_percent_line_on_2022_02_28() {
    let mut i = base();
    i.as_of = d("2022-02-28");
    i.household.monthly_income_won = 1_389_636;
    let r = run(&i, BS);
    assert_eq!(r.decision, Decision::Eligible);
    assert_eq!(r.check("income").unwrap().limit, Some(1_389_636));
    assert!(r.parameters.starts_with("seoul_basic_security 2022-01-01"));
    // Benefit already at 2022 levels: the 2-person minimum is 163,004.
    assert_eq!(r.monthly_benefit_won, Some(163_004));
    i.household.monthly_income_won = 1_389_637;
    assert_eq!(run(&i, BS).decision, Decision::Ineligible);
    // The same income a day later, under the 46% line, is eligible.
    i.as_of = d("2022-03-01");
    assert_eq!(run(&i, BS).decision, Decision::Eligible);
}

#[test]
fn basic_security_property_limits_change_on_2022_03_01() {
    let mut i = base();
    i.household.monthly_income_won = 0;
    i.household.property_won = 150_000_000;
    i.as_of = d("2022-02-28");
    assert_eq!(run(&i, BS).decision, Decision::Ineligible);
    i.as_of = d("2022-03-01");
    assert_eq!(run(&i, BS).decision, Decision::Eligible);
    i.household.property_won = 155_000_000;
    assert_eq!(run(&i, BS).decision, Decision::Eligible);
    i.household.property_won = 155_000_001;
    assert_eq!(run(&i, BS).decision, Decision::Ineligible);
    i.household.property_won = 50_000_000;
    i.household.financial_assets_won = 36_000_000;
    assert_eq!(run(&i, BS).decision, Decision::Eligible);
    i.household.financial_assets_won = 36_000_001;
    assert_eq!(run(&i, BS).decision, Decision::Ineligible);
}

#[test]
fn basic_security_benefit_end_points_and_middle() {
    let mut i = base();
    i.household.size = 4;
    i.household.monthly_income_won = 0;
    assert_eq!(run(&i, BS).monthly_benefit_won, Some(768_162));
    i.household.monthly_income_won = 2_355_697;
    assert_eq!(run(&i, BS).monthly_benefit_won, Some(256_054));
    // In between: (N − I)/2 with N = 1,536,324.
    i.household.monthly_income_won = 500_000;
    assert_eq!(run(&i, BS).monthly_benefit_won, Some(518_162));
}

#[test]
fn basic_security_refuses_national_recipients() {
    let mut i = base();
    i.household.monthly_income_won = 0;
    i.household.receiving = vec![Receiving::NationalBasicLivelihood];
    let r = run(&i, BS);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(!r.check("not_national_recipient").unwrap().passed);
    assert_eq!(r.monthly_benefit_won, None);
}

#[test]
fn care_sos_income_lines_85_and_100_percent() {
    let mut i = base();
    i.crisis = None;
    i.household.monthly_income_won = 2_771_072;
    assert_eq!(run(&i, SOS).decision, Decision::Eligible);
    i.household.monthly_income_won = 2_771_073;
    assert_eq!(run(&i, SOS).decision, Decision::Ineligible);
    // In crisis the 2022 temporary 100% line applies.
    i.crisis = base().crisis;
    assert_eq!(run(&i, SOS).decision, Decision::Eligible);
    i.household.monthly_income_won = 3_260_086;
    assert_eq!(run(&i, SOS).decision, Decision::CaseConference);
}

#[test]
fn care_sos_target_groups() {
    let mut i = base();
    i.crisis = None;
    i.household.members = vec![Member {
        birth_date: d("1980-01-01"),
        disabled: false,
    }];
    assert_eq!(run(&i, SOS).decision, Decision::Ineligible);
    i.household.members[0].disabled = true;
    assert_eq!(run(&i, SOS).decision, Decision::Eligible);
    i.household.members[0] = Member {
        birth_date: d("1972-06-15"),
        disabled: false,
    };
    assert_eq!(
        run(&i, SOS).decision,
        Decision::Eligible,
        "turns 50 on the day"
    );
    i.household.members[0].birth_date = d("1972-06-16");
    assert_eq!(
        run(&i, SOS).decision,
        Decision::Ineligible,
        "49 until tomorrow"
    );
    i.household.members.clear();
    let r = run(&i, SOS);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(!r.check("target_group").unwrap().passed);
}

#[test]
fn care_sos_cost_of_the_issue_request() {
    let mut i = base();
    i.care_sos_request = Some(CareSosRequest {
        temporary_home_care_hours: 10,
        short_stay_days: 2,
        escort_minutes: 120,
        housing_help_minutes: 60,
        meals: 12,
    });
    let c = run(&i, SOS).care_sos_cost.unwrap();
    let costs: Vec<i64> = c.services.iter().map(|s| s.cost_won).collect();
    // 5 × 38,390; 2 × 60,490; 2 × 14,900; 14,900; 12 × 8,400.
    assert_eq!(costs, [191_950, 120_980, 29_800, 14_900, 100_800]);
    assert_eq!(c.services_total_won, 458_430);
    assert_eq!(c.covered_total_won, 458_430);
    assert_eq!(c.over_total_limit_won, 0);
    assert!(c.services.iter().all(|s| s.over_limit == 0));
}

#[test]
fn care_sos_yearly_limits_per_service_and_in_total() {
    let mut i = base();
    i.care_sos_request = Some(CareSosRequest {
        temporary_home_care_hours: 61,
        short_stay_days: 15,
        escort_minutes: 0,
        housing_help_minutes: 0,
        meals: 31,
    });
    let c = run(&i, SOS).care_sos_cost.unwrap();
    let by = |code: &str| {
        c.services
            .iter()
            .find(|s| s.service.code() == code)
            .unwrap()
            .clone()
    };
    let home = by("temporary_home_care");
    assert_eq!((home.requested, home.covered, home.over_limit), (61, 60, 1));
    assert_eq!(home.cost_won, 30 * 38_390);
    let stay = by("short_stay");
    assert_eq!(
        (stay.covered, stay.over_limit, stay.cost_won),
        (14, 1, 14 * 60_490)
    );
    let meals = by("meals");
    assert_eq!(
        (meals.covered, meals.over_limit, meals.cost_won),
        (30, 1, 30 * 8_400)
    );
    // 1,151,700 + 846,860 + 252,000 = 2,250,560 > 1,600,000.
    assert_eq!(c.services_total_won, 2_250_560);
    assert_eq!(c.covered_total_won, 1_600_000);
    assert_eq!(c.over_total_limit_won, 650_560);
    // Exactly at the limits: nothing over.
    i.care_sos_request = Some(CareSosRequest {
        temporary_home_care_hours: 60,
        short_stay_days: 14,
        meals: 30,
        ..Default::default()
    });
    let c = run(&i, SOS).care_sos_cost.unwrap();
    assert!(c.services.iter().all(|s| s.over_limit == 0));
}

#[test]
fn care_sos_partial_units_are_pro_rata() {
    let mut i = base();
    i.care_sos_request = Some(CareSosRequest {
        temporary_home_care_hours: 3,
        escort_minutes: 90,
        ..Default::default()
    });
    let c = run(&i, SOS).care_sos_cost.unwrap();
    assert_eq!(c.services[0].cost_won, 57_585); // 1.5 × 38,390
    assert_eq!(c.services[1].cost_won, 22_350); // 1.5 × 14,900
}

#[test]
fn no_cost_for_an_ineligible_household() {
    let mut i = base();
    i.crisis = None;
    i.household.monthly_income_won = 5_000_000;
    i.care_sos_request = Some(CareSosRequest {
        meals: 3,
        ..Default::default()
    });
    let r = run(&i, SOS);
    assert_eq!(r.decision, Decision::Ineligible);
    assert!(r.care_sos_cost.is_none());
}

#[test]
fn screens() {
    let mut i = base();
    i.household.monthly_income_won = 2_771_072;
    assert_eq!(
        run(&i, ProgramCode::SeoulSafetyIncome).decision,
        Decision::Eligible
    );
    i.household.monthly_income_won = 2_771_073;
    assert_eq!(
        run(&i, ProgramCode::SeoulSafetyIncome).decision,
        Decision::Ineligible
    );

    let vh = ProgramCode::VisitingHealthCare;
    assert_eq!(run(&i, vh).decision, Decision::Ineligible);
    i.household.health_insurance_bottom_20pct = true;
    assert_eq!(run(&i, vh).decision, Decision::Eligible);
    i.household.health_insurance_bottom_20pct = false;
    i.household.receiving = vec![Receiving::NationalBasicLivelihood];
    assert_eq!(run(&i, vh).decision, Decision::Eligible);

    let eb = ProgramCode::ElderlyBasicCare;
    let mut i = base();
    i.household.size = 1;
    i.household.monthly_income_won = 100_000;
    i.household.members = vec![Member {
        birth_date: d("1957-06-15"),
        disabled: false,
    }];
    assert_eq!(run(&i, eb).decision, Decision::Eligible, "65 on the day");
    i.household.members[0].birth_date = d("1957-06-16");
    assert_eq!(run(&i, eb).decision, Decision::Ineligible);
    i.household.members[0].birth_date = d("1940-01-01");
    i.household.size = 2;
    assert_eq!(
        run(&i, eb).decision,
        Decision::Ineligible,
        "not living alone"
    );
}

#[test]
fn provisional_parameters_are_flagged_in_the_output() {
    let mut i = base();
    i.as_of = d("2026-05-01");
    i.programs = Some(vec![ProgramCode::SeoulSafetyIncome]);
    i.household.monthly_income_won = 2_000_000;
    let r = run(&i, ProgramCode::SeoulSafetyIncome);
    assert!(r.provisional);
    assert!(r
        .notes
        .iter()
        .any(|n| n.code == "provisional_parameters" && n.ko.contains("잠정 기준")));
    assert_eq!(r.decision, Decision::Eligible);
    // 85% of 4,199,292 = 3,569,398; (3,569,398 − 2,000,000) × 50% = 784,699.
    assert_eq!(r.check("income").unwrap().limit, Some(3_569_398));
    assert_eq!(r.monthly_benefit_won, Some(784_699));
    i.household.receiving = vec![Receiving::SeoulBasicSecurity];
    assert_eq!(
        run(&i, ProgramCode::SeoulSafetyIncome).decision,
        Decision::Ineligible
    );
}

/// Issue 17 replaced the former error (`no_parameters_for_date` for the whole request) with a
/// per-program answer: a program without a table is `not_evaluated` with the reason, the others are
/// evaluated.
#[test]
fn a_date_without_parameters_answers_not_evaluated_per_program() {
    let mut i = base();
    i.as_of = d("2020-05-01");
    let out = evaluate(&i).unwrap();
    assert_eq!(out.programs.len(), ProgramCode::ALL.len());
    for p in &out.programs {
        assert_eq!(p.decision, Decision::NotEvaluated, "{}", p.program);
        let n = &p.notes[0];
        assert_eq!(n.code, "no_parameters_for_date");
        assert!(n.ko.contains("2020-05-01") && n.en.contains("2020-05-01"));
        assert!(p.checks.is_empty() && p.support.is_empty());
    }
    i.as_of = d("2021-12-31");
    let out = evaluate(&i).unwrap();
    assert_eq!(
        out.program(SOS).unwrap().decision,
        Decision::NotEvaluated,
        "no 2021 Care SOS table"
    );
    assert_ne!(out.program(BS).unwrap().decision, Decision::NotEvaluated);
    // Only the programs asked for are answered: 2021 basic security exists.
    i.programs = Some(vec![BS]);
    i.household.monthly_income_won = 0;
    let out = evaluate(&i).unwrap();
    assert_eq!(out.programs.len(), 1);
    assert_eq!(out.programs[0].monthly_benefit_won, Some(463_212));
}

#[test]
fn households_larger_than_the_table_are_refused() {
    let mut i = base();
    i.household.size = 7;
    let e = evaluate(&i).unwrap_err();
    assert_eq!(e.code, "household_size_not_covered");
    assert_eq!(e.field.as_deref(), Some("household.size"));
}

#[test]
fn text_explanation_warns_on_provisional_figures_and_shows_limits() {
    use donghaeng_core::eligibility::render_text;
    let mut i = base();
    i.as_of = d("2026-05-01");
    i.programs = Some(vec![ProgramCode::SeoulSafetyIncome]);
    let text = render_text(&evaluate(&i).unwrap());
    assert!(text.contains(
        "⚠ 잠정 기준: 구청에 확인하세요 / provisional parameters: verify with the district"
    ));
    assert!(text.contains("월 지급액"));

    let mut i = base();
    i.care_sos_request = Some(CareSosRequest {
        meals: 31,
        ..Default::default()
    });
    let text = render_text(&evaluate(&i).unwrap());
    assert!(
        text.contains("식사지원 31식 중 30식 지원: 252,000원"),
        "{text}"
    );
    assert!(text.contains("연 한도 초과 1식 미지원"), "{text}");
    assert!(!text.contains("잠정 기준"));
}
