//! Tables through 2026: every [C] figure of domain.md "Figures after 2022" pinned to the
//! number; [S]/[U] figures and values carried over from another year only in provisional sets, which
//! every decision using them flags; today (2026-12-03) and a date in 2021 evaluate every program.

use donghaeng_core::eligibility::codes::CareService;
use donghaeng_core::eligibility::money::apply_rate;
use donghaeng_core::eligibility::programs::basic_security::monthly_benefit;
use donghaeng_core::eligibility::{
    evaluate, render_text, CrisisReason, Decision, EvaluationInput, ParameterRegistry, ProgramCode,
};
use serde_json::json;

use crate::fixtures::{crisis_household, d};

fn reg() -> &'static ParameterRegistry {
    ParameterRegistry::builtin().unwrap()
}

/// A 2-person Seoul household with an older member, in crisis (job loss), in the bottom 20 % of
/// health insurance premiums.
fn household(as_of: &str) -> EvaluationInput {
    let mut input = crisis_household(as_of);
    input.household.health_insurance_bottom_20pct = true;
    input
}

#[test]
fn emergency_2021_confirmed_figures() {
    let set = reg().emergency_on(d("2021-06-01")).unwrap();
    let p = &set.values;
    // [C] Seoul media hub 2021: 85% → 100%, property 2억5,700만 → 3억2,600만, living 30–100만원,
    // medical and housing up to 100만원.
    assert_eq!(
        (p.income_rate, p.income_rate_unrelaxed),
        (10_000, Some(8_500))
    );
    assert_eq!(
        (p.property_limit_won, p.property_limit_unrelaxed_won),
        (326_000_000, Some(257_000_000))
    );
    assert_eq!(p.living_by_size_won, [300_000, 500_000, 700_000, 1_000_000]);
    assert_eq!(
        (p.medical_max_won, p.housing_max_won),
        (1_000_000, 1_000_000)
    );
    assert_eq!(p.median_year, 2021);
    // The financial limit and the other amounts are the 2022 ones: a provisional set saying so.
    assert!(set.provisional);
    let c = set.carried_forward.as_ref().unwrap();
    assert!(c.ko.contains("2022년") && c.en.contains("2022"));
    assert_eq!(p.living_allowance_rate, 6_500);
}

#[test]
fn emergency_2023_to_2026_are_provisional() {
    for y in 2023..=2025 {
        let set = reg().emergency_on(d(&format!("{y}-07-01"))).unwrap();
        assert!(set.provisional && set.carried_forward.is_some(), "{y}");
        let p = &set.values;
        // No figures known: the ordinary 2022 criteria (85%, 310백만, 10백만, 65%), not the relaxation.
        assert_eq!(p.median_year, y);
        assert_eq!(p.income_rate, 8_500);
        assert_eq!(p.property_limit_won, 310_000_000);
        assert_eq!(p.financial_limit_won, 10_000_000);
        assert_eq!(p.living_allowance_rate, 6_500);
    }
    let set = reg().emergency_on(d("2026-12-03")).unwrap();
    assert!(set.provisional, "2026 figures are [S]");
    let p = &set.values;
    assert_eq!(
        (
            p.median_year,
            p.income_rate,
            p.property_limit_won,
            p.financial_limit_won
        ),
        (2026, 10_000, 409_000_000, 10_000_000)
    );
}

#[test]
fn basic_security_2023_to_2026_lines() {
    let at = |y: i32| reg().basic_security_on(d(&format!("{y}-06-01"))).unwrap();
    // [C] Seoul press release 2024-01-19: 47% → 48%; national line 30% (2023), 32% (2024–2026).
    assert_eq!(
        (
            at(2023).values.income_rate,
            at(2023).values.national_living_rate
        ),
        (4_700, 3_000)
    );
    for y in 2024..=2026 {
        assert_eq!(at(y).values.income_rate, 4_800, "{y}");
        assert_eq!(at(y).values.national_living_rate, 3_200, "{y}");
        assert_eq!(at(y).values.selection_median_year, y);
        assert!(at(y).provisional, "{y}: limits carried over");
    }
    let line = |y: i32, size: usize| {
        let s = at(y);
        apply_rate(
            reg().median(y).unwrap().values.by_size_won[size - 1],
            s.values.income_rate,
        )
    };
    // 2024 sizes 1 and 4: [C] median × [C] 48%.
    assert_eq!(line(2024, 1), 1_069_654);
    assert_eq!(line(2024, 4), 2_750_358);
    // 2025 (every median [C], 48% carried from 2024).
    let lines_2025: Vec<i64> = (1..=6).map(|s| line(2025, s)).collect();
    assert_eq!(
        lines_2025,
        [1_148_166, 1_887_676, 2_412_169, 2_926_931, 3_411_932, 3_871_106]
    );
}

#[test]
fn basic_security_benefit_ends_2024_to_2026() {
    let n_and_ends = |y: i32, size: usize| {
        let p = &reg()
            .basic_security_on(d(&format!("{y}-06-01")))
            .unwrap()
            .values;
        let n = apply_rate(
            reg().median(y).unwrap().values.by_size_won[size - 1],
            p.national_living_rate,
        );
        (n, monthly_benefit(p, n, 0), monthly_benefit(p, n, n))
    };
    // National living-benefit line (32% [C]) of the [C] medians; maximum N/2, minimum N/6.
    assert_eq!(n_and_ends(2024, 1), (713_102, 356_551, 118_850));
    assert_eq!(n_and_ends(2024, 4), (1_833_572, 916_786, 305_595));
    assert_eq!(n_and_ends(2025, 2), (1_258_451, 629_226, 209_742));
    assert_eq!(n_and_ends(2025, 6), (2_580_738, 1_290_369, 430_123));
    assert_eq!(n_and_ends(2026, 1), (820_556, 410_278, 136_759));
    assert_eq!(n_and_ends(2026, 4), (2_078_316, 1_039_158, 346_386));
}

#[test]
fn care_sos_2025_and_2026_fees() {
    let fees = |date: &str| {
        let p = &reg().care_sos_on(d(date)).unwrap().values;
        CareService::ALL
            .iter()
            .map(|s| {
                let sp = p.service(*s).unwrap();
                (sp.fee_won, sp.fee_per)
            })
            .collect::<Vec<_>>()
    };
    // [C] press 2026-02-19: 일시재가 per 30 minutes, 단기시설 a day, 동행·주거 an hour, 식사 a meal.
    assert_eq!(
        fees("2025-06-01"),
        [
            (16_940, 30),
            (71_970, 1),
            (16_300, 60),
            (16_300, 60),
            (10_100, 1)
        ]
    );
    assert_eq!(
        fees("2026-12-03"),
        [
            (17_450, 30),
            (74_060, 1),
            (16_800, 60),
            (16_800, 60),
            (10_400, 1)
        ]
    );
    let p26 = &reg().care_sos_on(d("2026-12-03")).unwrap().values;
    assert_eq!(p26.yearly_total_limit_won, 1_800_000);
    assert_eq!((p26.income_rate, p26.crisis_income_rate), (10_000, 10_000));
    assert!(p26.self_pay_over_line);
    assert!(
        !reg()
            .care_sos_on(d("2022-06-01"))
            .unwrap()
            .values
            .self_pay_over_line
    );
    for y in 2023..=2026 {
        assert!(
            reg()
                .care_sos_on(d(&format!("{y}-03-01")))
                .unwrap()
                .provisional
        );
    }
    assert!(reg().care_sos_on(d("2021-06-01")).is_none());
}

#[test]
fn national_emergency_welfare_table() {
    assert!(reg().national_emergency_on(d("2025-10-22")).is_none());
    let set = reg().national_emergency_on(d("2025-10-23")).unwrap();
    assert_eq!(set.values.income_rate, 7_500, "decree §7② [C]");
    assert_eq!(set.values.property_limit_large_city_won, 241_000_000);
    assert_eq!(set.values.financial_limit_won, 6_000_000);
    assert!(set.provisional, "property and financial limits are [S]");
    assert_eq!(
        reg()
            .national_emergency_on(d("2026-12-03"))
            .unwrap()
            .values
            .median_year,
        2026
    );
}

#[test]
fn safety_income_2023_to_2025_carry_the_2022_line() {
    for y in 2023..=2025 {
        let s = reg().safety_income_on(d(&format!("{y}-05-01"))).unwrap();
        assert!(s.provisional && s.carried_forward.is_some());
        assert_eq!((s.values.income_rate, s.values.payment_rate), (8_500, None));
    }
}

#[test]
fn today_evaluates_every_program_and_flags_provisional_figures() {
    let out = evaluate(&household("2026-12-03")).unwrap();
    assert_eq!(out.programs.len(), ProgramCode::ALL.len());
    for p in &out.programs {
        assert_ne!(p.decision, Decision::NotEvaluated, "{}", p.program);
    }
    for code in [
        ProgramCode::SeoulEmergencyWelfare,
        ProgramCode::SeoulBasicSecurity,
        ProgramCode::CareSos,
        ProgramCode::SeoulSafetyIncome,
    ] {
        let p = out.program(code).unwrap();
        assert!(p.provisional, "{code}");
        assert!(
            p.notes
                .iter()
                .any(|n| n.code == "provisional_parameters" && n.ko.contains("잠정 기준")),
            "{code}"
        );
    }
    let ew = out.program(ProgramCode::SeoulEmergencyWelfare).unwrap();
    // 100% of the 2026 2-person median [S].
    assert_eq!(ew.check("income").unwrap().limit, Some(4_199_292));
    let carried = ew
        .notes
        .iter()
        .find(|n| n.code == "carried_forward")
        .unwrap();
    assert!(carried.ko.contains("2022년 값"), "{}", carried.ko);
    let text = render_text(&out);
    assert!(text.contains(
        "⚠ 잠정 기준: 구청에 확인하세요 / provisional parameters: verify with the district"
    ));
}

#[test]
fn a_date_in_2021_evaluates_every_program_without_error() {
    let out = evaluate(&household("2021-06-15")).unwrap();
    let decision = |p| out.program(p).unwrap().decision;
    assert_ne!(
        decision(ProgramCode::SeoulEmergencyWelfare),
        Decision::NotEvaluated
    );
    assert_ne!(
        decision(ProgramCode::SeoulBasicSecurity),
        Decision::NotEvaluated
    );
    for p in [
        ProgramCode::CareSos,
        ProgramCode::SeoulSafetyIncome,
        ProgramCode::VisitingHealthCare,
        ProgramCode::ElderlyBasicCare,
    ] {
        assert_eq!(decision(p), Decision::NotEvaluated, "{p}");
        let n = &out.program(p).unwrap().notes[0];
        assert_eq!(n.code, "no_parameters_for_date");
        assert!(!n.ko.is_empty() && !n.en.is_empty());
    }
    // 2021 basic security is the seed's [C] table: not provisional.
    let bs = out.program(ProgramCode::SeoulBasicSecurity).unwrap();
    assert!(!bs.provisional);
    assert_eq!(bs.check("income").unwrap().limit, Some(1_389_636));
    // 2021 emergency: the [C] 100% line of the 2021 median; provisional (carried values).
    let ew = out.program(ProgramCode::SeoulEmergencyWelfare).unwrap();
    assert_eq!(ew.check("income").unwrap().limit, Some(3_088_079));
    assert!(ew.provisional);
}

#[test]
fn every_date_from_2021_to_2026_evaluates_without_error() {
    let mut day = d("2021-01-01");
    while day <= d("2026-12-31") {
        let mut i = household("2021-01-01");
        i.as_of = day;
        let out = evaluate(&i).unwrap_or_else(|e| panic!("{day}: {e}"));
        assert_eq!(out.programs.len(), ProgramCode::ALL.len());
        day += chrono::Duration::days(7);
    }
}

#[test]
fn a_carried_forward_value_needs_a_provisional_set() {
    let table = |provisional: bool| {
        json!({"table": "median_income", "sets": [{
            "valid_from": "2027-01-01", "valid_to": "2027-12-31", "source": "test",
            "provisional": provisional,
            "carried_forward": {"ko": "2026년 값", "en": "the 2026 values"},
            "values": {"year": 2027, "by_size_won": [1, 2, 3, 4, 5, 6]}
        }]})
        .to_string()
    };
    let mut r = ParameterRegistry::with_builtin().unwrap();
    let e = r.load_json(&table(false)).unwrap_err();
    assert_eq!(e.code, "param_carried_not_provisional");
    assert_eq!(e.field.as_deref(), Some("sets[0].carried_forward"));
    r.load_json(&table(true)).unwrap();
}

#[test]
fn national_emergency_welfare_is_screened_first_from_2025_10_23() {
    // 2026, 2 persons: 75% of 4,199,292 = 3,149,469; 생활준비금 65% = 2,729,540.
    let mut i = household("2026-12-03");
    i.programs = Some(vec![ProgramCode::SeoulEmergencyWelfare]);
    i.household.monthly_income_won = 3_149_469;
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert_eq!(r.decision, Decision::NotApplicable);
    let c = r.check("national_emergency_screen").unwrap();
    assert!(!c.passed);
    assert!(c.ko.contains("소득 3,149,469원 ≤ 3,149,469원"), "{}", c.ko);
    assert!(r.notes.iter().any(|n| n.code == "national_emergency_first"));
    assert!(r.provisional);
    // One won over the national line: the Seoul program decides (its line is 100%).
    i.household.monthly_income_won = 3_149_470;
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert!(r.check("national_emergency_screen").unwrap().passed);
    assert_eq!(r.decision, Decision::Eligible);
    // Financial assets: 6,000,000 + 2,729,540 is within, one won more is not.
    i.household.monthly_income_won = 1_000_000;
    i.household.financial_assets_won = 8_729_540;
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert_eq!(r.decision, Decision::NotApplicable);
    i.household.financial_assets_won = 8_729_541;
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert_eq!(r.decision, Decision::Eligible);
    // Property over 2억4,100만 (large city): not national.
    i.household.financial_assets_won = 0;
    i.household.property_won = 241_000_001;
    assert_eq!(
        evaluate(&i).unwrap().programs[0].decision,
        Decision::Eligible
    );
    // A Seoul-only reason (utility cut-off) is not a §2 situation.
    i.household.property_won = 100_000_000;
    i.crisis.as_mut().unwrap().reasons = vec![CrisisReason::UtilityCutoff];
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert_eq!(r.decision, Decision::Eligible);
    assert!(r.check("national_emergency_screen").unwrap().passed);
    // Before 2025-10-23 there is no national table: no screen.
    let mut i = household("2025-10-22");
    i.programs = Some(vec![ProgramCode::SeoulEmergencyWelfare]);
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert!(r.check("national_emergency_screen").is_none());
}

#[test]
fn care_sos_over_the_2026_line_is_self_pay_with_the_cost() {
    use donghaeng_core::eligibility::CareSosRequest;
    let mut i = household("2026-12-03");
    i.crisis = None;
    i.programs = Some(vec![ProgramCode::CareSos]);
    i.care_sos_request = Some(CareSosRequest {
        temporary_home_care_hours: 2,
        meals: 10,
        ..Default::default()
    });
    // At 100% of the 2026 2-person median: covered in full.
    i.household.monthly_income_won = 4_199_292;
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert_eq!(r.decision, Decision::Eligible);
    let c = r.care_sos_cost.unwrap();
    // 2 hours = 4 × 17,450; 10 meals × 10,400.
    assert_eq!(
        (c.services_total_won, c.covered_total_won, c.self_pay_won),
        (173_800, 173_800, 0)
    );
    // One won over: 본인부담, the same cost paid by the household.
    i.household.monthly_income_won = 4_199_293;
    let r = evaluate(&i).unwrap().programs[0].clone();
    assert_eq!(r.decision, Decision::SelfPay);
    let c = r.care_sos_cost.clone().unwrap();
    assert_eq!(
        (c.services_total_won, c.covered_total_won, c.self_pay_won),
        (173_800, 0, 173_800)
    );
    assert!(r
        .notes
        .iter()
        .any(|n| n.code == "self_pay" && n.ko.contains("본인부담 173,800원")));
    assert!(render_text(&evaluate(&i).unwrap()).contains("본인부담 합계 173,800원"));
    // Not in a target group: ineligible, not self-pay.
    i.household.members[0].birth_date = d("1990-01-01");
    assert_eq!(
        evaluate(&i).unwrap().programs[0].decision,
        Decision::Ineligible
    );
}
