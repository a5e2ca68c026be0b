//! Property tests: more income or property never improves a decision or raises a benefit; a larger
//! household never lowers a line; the JSON reader never panics.

use chrono::NaiveDate;
use donghaeng_core::eligibility::ParameterRegistry;
use donghaeng_core::eligibility::{
    evaluate, evaluate_json, CareSosRequest, CrisisInput, CrisisReason, Decision, EvaluationInput,
    HistoryEntry, HouseholdInput, Member, ProgramCode, Receiving, Residence, SupportItem,
    SupportKind,
};
use proptest::prelude::*;

/// Higher is better for the household. `case_conference` is between: support may still come.
fn rank(d: Decision) -> u8 {
    match d {
        Decision::Eligible => 4,
        Decision::CaseConference => 3,
        // 본인부담: the service is available, at the household's cost.
        Decision::SelfPay => 2,
        Decision::Ineligible => 1,
        Decision::NotApplicable => 0,
        // No table for the date: depends on the date only, never on income or property.
        Decision::NotEvaluated => 0,
    }
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..365)
        .prop_map(|d| NaiveDate::from_ymd_opt(2022, 1, 1).unwrap() + chrono::Duration::days(d))
}

prop_compose! {
    fn household_input()(
        as_of in date(),
        seoul in prop::bool::weighted(0.9),
        size in 1i64..=6,
        birth_year in 1930i32..2004,
        disabled in any::<bool>(),
        income in 0i64..8_000_000,
        property in 0i64..500_000_000,
        financial_share in 0i64..=100,
        lonely in any::<bool>(),
        receiving in prop::sample::subsequence(Receiving::ALL.to_vec(), 0..3),
        bottom in any::<bool>(),
        reasons in prop::sample::subsequence(CrisisReason::ALL.to_vec(), 0..3),
        items in prop::sample::subsequence(SupportItem::ALL.to_vec(), 0..4),
        history_days in prop::option::of(0i64..500),
        hours in 0i64..80, days in 0i64..20, minutes in 0i64..600, meals in 0i64..40,
    ) -> EvaluationInput {
        let history = history_days
            .and_then(|d| reasons.first().map(|r| (d, *r)))
            .map(|(d, r)| HistoryEntry {
                program: ProgramCode::SeoulEmergencyWelfare,
                reason: r,
                date: as_of - chrono::Duration::days(d),
                support_kind: SupportKind::New,
                item: None,
                record: None,
            })
            .into_iter()
            .collect();
        EvaluationInput {
            as_of,
            residence: if seoul { Residence::Seoul } else { Residence::Other },
            household: HouseholdInput {
                size,
                members: vec![Member {
                    birth_date: NaiveDate::from_ymd_opt(birth_year, 6, 1).unwrap(),
                    disabled,
                }],
                monthly_income_won: income,
                recognised_income_won: None,
                property_won: property,
                financial_assets_won: property / 100 * financial_share / 10,
                lonely_death_risk: lonely,
                receiving,
                health_insurance_bottom_20pct: bottom,
            },
            crisis: Some(CrisisInput { reasons, requested_items: items, support_kind: SupportKind::New }),
            history,
            care_sos_request: Some(CareSosRequest {
                temporary_home_care_hours: hours,
                short_stay_days: days,
                escort_minutes: minutes,
                housing_help_minutes: minutes / 2,
                meals,
            }),
            care_sos_used: vec![],
            programs: None,
        }
    }
}

fn assert_not_better(a: &EvaluationInput, b: &EvaluationInput) -> Result<(), TestCaseError> {
    // `b` has at least `a`'s income and property: nothing may improve.
    let ra = evaluate(a).unwrap();
    let rb = evaluate(b).unwrap();
    for (pa, pb) in ra.programs.iter().zip(&rb.programs) {
        prop_assert!(
            rank(pb.decision) <= rank(pa.decision),
            "{}: {:?} → {:?}",
            pa.program,
            pa.decision,
            pb.decision
        );
        if let (Some(x), Some(y)) = (pa.monthly_benefit_won, pb.monthly_benefit_won) {
            prop_assert!(y <= x, "{}: benefit {} → {}", pa.program, x, y);
        }
        if pa.monthly_benefit_won.is_none() {
            prop_assert!(
                pb.monthly_benefit_won.is_none(),
                "{}: benefit appeared",
                pa.program
            );
        }
        if let (Some(x), Some(y)) = (&pa.care_sos_cost, &pb.care_sos_cost) {
            prop_assert!(y.covered_total_won <= x.covered_total_won);
        }
        if pa.care_sos_cost.is_none() {
            prop_assert!(
                pb.care_sos_cost.is_none(),
                "{}: cost coverage appeared",
                pa.program
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn more_income_never_helps(i in household_input(), extra in 0i64..3_000_000) {
        let mut j = i.clone();
        j.household.monthly_income_won += extra;
        assert_not_better(&i, &j)?;
    }

    #[test]
    fn more_property_never_helps(i in household_input(), extra in 0i64..200_000_000, fin in 0i64..20_000_000) {
        let mut j = i.clone();
        j.household.property_won += extra + fin;
        j.household.financial_assets_won += fin;
        assert_not_better(&i, &j)?;
    }

    #[test]
    fn a_larger_household_never_lowers_a_line(as_of in date(), size in 1i64..6, income in 0i64..8_000_000) {
        let reg = ParameterRegistry::builtin().unwrap();
        let mk = |s: i64| {
            let mut i = EvaluationInput {
                as_of,
                residence: Residence::Seoul,
                household: HouseholdInput {
                    size: s, members: vec![], monthly_income_won: income, recognised_income_won: None, property_won: 0,
                    financial_assets_won: 0, lonely_death_risk: false, receiving: vec![],
                    health_insurance_bottom_20pct: false,
                },
                crisis: None, history: vec![], care_sos_request: None, care_sos_used: vec![], programs: None,
            };
            i.programs = Some(vec![
                ProgramCode::SeoulEmergencyWelfare, ProgramCode::SeoulBasicSecurity,
                ProgramCode::CareSos, ProgramCode::SeoulSafetyIncome,
            ]);
            reg.evaluate(&i).unwrap()
        };
        let small = mk(size);
        let large = mk(size + 1);
        for (a, b) in small.programs.iter().zip(&large.programs) {
            let la = a.check("income").and_then(|c| c.limit);
            let lb = b.check("income").and_then(|c| c.limit);
            prop_assert!(la.is_some() && lb.is_some(), "{}", a.program);
            prop_assert!(lb >= la, "{}: {:?} → {:?}", a.program, la, lb);
            prop_assert!(rank(b.decision) >= rank(a.decision), "{}", a.program);
        }
        // Median lines of every year, every size.
        for year in 2021..=2026 {
            let row = &reg.median(year).unwrap().values.by_size_won;
            prop_assert!(row.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn the_json_reader_never_panics_on_arbitrary_strings(s in "\\PC{0,200}") {
        let _ = evaluate_json(&s);
    }

    #[test]
    fn the_json_reader_never_panics_on_arbitrary_json(v in arb_json()) {
        let _ = evaluate_json(&v.to_string());
    }

    #[test]
    fn the_json_reader_never_panics_on_mutated_inputs(i in household_input(), path in 0usize..12, v in arb_json()) {
        // Replace one field of a valid input with an arbitrary value.
        let mut doc = serde_json::json!({
            "as_of": i.as_of.to_string(), "residence": i.residence.code(),
            "household": {
                "size": i.household.size, "members": [], "monthly_income_won": i.household.monthly_income_won,
                "property_won": i.household.property_won, "financial_assets_won": i.household.financial_assets_won,
                "lonely_death_risk": false, "receiving": [], "health_insurance_bottom_20pct": false
            },
            "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]},
            "care_sos_request": {"meals": 3}
        });
        let slot: &mut serde_json::Value = match path {
            0 => &mut doc["as_of"],
            1 => &mut doc["residence"],
            2 => &mut doc["household"]["size"],
            3 => &mut doc["household"]["members"],
            4 => &mut doc["household"]["monthly_income_won"],
            5 => &mut doc["household"]["property_won"],
            6 => &mut doc["household"]["receiving"],
            7 => &mut doc["crisis"]["reasons"],
            8 => &mut doc["crisis"],
            9 => &mut doc["care_sos_request"]["meals"],
            10 => &mut doc["history"],
            _ => &mut doc["programs"],
        };
        *slot = v;
        if let Err(e) = evaluate_json(&doc.to_string()) {
            prop_assert!(!e.code.is_empty() && !e.ko.is_empty() && !e.en.is_empty());
        }
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_0-9-]{0,12}".prop_map(Value::String),
        Just(Value::String("2022-06-15".into())),
        Just(Value::String("job_loss".into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
