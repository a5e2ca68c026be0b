//! 생활준비금 (001 §7 ①): 서울형 긴급복지 compares financial assets with the limit after
//! deducting the living-preparation allowance = the dated rate × the median income for the household
//! size (65% normally, 100% under the 2022 relaxation), rounded half up to the won.

use donghaeng_core::eligibility::{
    evaluate, Decision, EvaluationInput, ProgramCode, ProgramResult,
};

use crate::fixtures::crisis_household;

const EW: ProgramCode = ProgramCode::SeoulEmergencyWelfare;

/// A household of `size` in crisis with no income and 1억원 of property: only its financial
/// assets decide.
fn input(as_of: &str, size: i64, financial: i64) -> EvaluationInput {
    let mut input = crisis_household(as_of);
    input.household.size = size;
    input.household.members.clear();
    input.household.monthly_income_won = 0;
    input.household.property_won = 100_000_000;
    input.household.financial_assets_won = financial;
    input.programs = Some(vec![EW]);
    input
}

fn run(as_of: &str, size: i64, financial: i64) -> ProgramResult {
    evaluate(&input(as_of, size, financial)).unwrap().programs[0].clone()
}

const MEDIAN_2022: [i64; 6] = [
    1_944_812, 3_260_085, 4_194_701, 5_121_080, 6_024_515, 6_907_004,
];

#[test]
fn the_issue_example_two_persons_13_000_000_is_eligible() {
    let r = run("2022-06-15", 2, 13_000_000);
    assert_eq!(r.decision, Decision::Eligible);
    let c = r.check("financial_assets").unwrap();
    assert_eq!(
        (c.value, c.limit, c.passed),
        (Some(9_739_915), Some(10_000_000), true)
    );
    assert_eq!(
        c.ko,
        "금융재산 13,000,000원 − 생활준비금 3,260,085원 (2인 가구 2022년 기준 중위소득 100%; 한시 완화 65% → 100%) = 9,739,915원 ≤ 기준 10,000,000원"
    );
    assert!(
        c.en.contains("living-preparation allowance 3,260,085 won"),
        "{}",
        c.en
    );
}

#[test]
fn at_the_limit_and_one_won_either_side_2022_every_size() {
    for (i, median) in MEDIAN_2022.iter().enumerate() {
        let size = i as i64 + 1;
        // 2022: the allowance is 100% of the median.
        let at = 10_000_000 + median;
        assert_eq!(
            run("2022-06-15", size, at - 1).decision,
            Decision::Eligible,
            "size {size}"
        );
        assert_eq!(
            run("2022-06-15", size, at).decision,
            Decision::Eligible,
            "size {size}"
        );
        let over = run("2022-06-15", size, at + 1);
        assert_eq!(over.decision, Decision::CaseConference, "size {size}");
        let c = over.check("financial_assets").unwrap();
        assert_eq!((c.value, c.passed), (Some(10_000_001), false));
    }
}

#[test]
fn the_ordinary_65_percent_rate_rounds_half_up_2025_and_2026() {
    // 2025 ([C] medians): 65% — size 1: 2,392,013 × 0.65 = 1,554,808.45 → 1,554,808;
    // size 2: 3,932,658 × 0.65 = 2,556,227.7 → 2,556,228. 2026 size 2: 4,199,292 × 0.65 =
    // 2,729,539.8 → 2,729,540; size 4 ([C]): 6,494,738 × 0.65 = 4,221,579.7 → 4,221,580.
    for (date, size, allowance) in [
        ("2025-06-01", 1, 1_554_808),
        ("2025-06-01", 2, 2_556_228),
        ("2026-12-03", 2, 2_729_540),
        ("2026-12-03", 4, 4_221_580),
    ] {
        let at = 10_000_000 + allowance;
        let r = run(date, size, at);
        assert_eq!(r.decision, Decision::Eligible, "{date} size {size}");
        assert_eq!(r.check("financial_assets").unwrap().value, Some(10_000_000));
        assert_eq!(run(date, size, at - 1).decision, Decision::Eligible);
        assert_eq!(
            run(date, size, at + 1).decision,
            Decision::CaseConference,
            "{date} size {size}"
        );
    }
    let c = run("2026-12-03", 2, 12_729_540);
    let c = c.check("financial_assets").unwrap();
    assert!(
        c.ko.contains("생활준비금 2,729,540원 (2인 가구 2026년 기준 중위소득 65%)"),
        "{}",
        c.ko
    );
}

#[test]
fn an_allowance_larger_than_the_assets_counts_zero() {
    let r = run("2022-06-15", 1, 1_000_000);
    let c = r.check("financial_assets").unwrap();
    assert_eq!((c.value, c.passed), (Some(0), true));
}
