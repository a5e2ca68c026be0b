//! docs/eligibility.md, the page a user reads: it lists every code the engine reads or writes, and its
//! complete example is a valid input that evaluates.

use donghaeng_core::eligibility::codes::{
    CareService, CrisisReason, ProgramCode, Receiving, Residence, SupportItem, SupportKind,
};
use donghaeng_core::eligibility::{evaluate, Decision, EvaluationInput};

const DOC: &str = include_str!("../../../docs/eligibility.md");

fn documented(code: &str) -> bool {
    DOC.contains(&format!("`{code}`"))
}

#[test]
fn every_code_is_documented() {
    let mut codes: Vec<&str> = Vec::new();
    codes.extend(ProgramCode::ALL.iter().map(|c| c.code()));
    codes.extend(CrisisReason::ALL.iter().map(|c| c.code()));
    codes.extend(SupportItem::ALL.iter().map(|c| c.code()));
    codes.extend(Receiving::ALL.iter().map(|c| c.code()));
    codes.extend(Residence::ALL.iter().map(|c| c.code()));
    codes.extend(CareService::ALL.iter().map(|c| c.code()));
    codes.extend(Decision::ALL.iter().map(|c| c.code()));
    // Check and note codes the engine writes.
    codes.extend([
        "residence",
        "crisis_reason",
        "resupport_interval",
        "income",
        "property",
        "financial_assets",
        "no_overlapping_support",
        "national_emergency_screen",
        "not_national_recipient",
        "target_group",
        "no_excluded_support",
        "lives_alone",
        "age",
        "provisional_parameters",
        "carried_forward",
        "no_parameters_for_date",
        "national_emergency_first",
        "case_conference",
        "all_items_listed",
        "lonely_death_support",
        "benefit_formula_unverified",
        "recognised_income_not_entered",
        "crisis_exception",
        "care_sos_over_limit",
        "self_pay",
        "safety_income_payment",
        "pilot_selection",
        "needs_assessment",
        "extra_payments",
        "care_sos_used_earlier",
        "recorded_support_counted",
        "records_without_crisis_reason",
    ]);
    codes.extend(SupportKind::ALL.iter().map(|c| c.code()));
    let missing: Vec<&&str> = codes.iter().filter(|c| !documented(c)).collect();
    assert!(
        missing.is_empty(),
        "not in docs/eligibility.md: {missing:?}"
    );
}

#[test]
fn the_complete_example_reads_and_evaluates_today() {
    let after = DOC.split("<!-- complete-example -->").nth(1).unwrap();
    let json = after
        .split("```json")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let input = EvaluationInput::from_json(json).unwrap();
    let out = evaluate(&input).unwrap();
    assert_eq!(out.programs.len(), ProgramCode::ALL.len());
    assert!(out
        .programs
        .iter()
        .all(|p| p.decision != Decision::NotEvaluated));
}
