//! Eligibility parameter tables (`core/src/eligibility/params`): what `donghaeng eligibility
//! check-params` and a published `eligibility_params` document load at run time. A table that loads
//! must then be usable: evaluations on fixed households never panic, whatever the figures.
#![no_main]

use donghaeng_core::eligibility::{EvaluationInput, ParameterRegistry};
use donghaeng_fuzz::assert_clear_error;
use libfuzzer_sys::fuzz_target;

/// Households that exercise every program: alone and elderly, a family in crisis, a care request.
const HOUSEHOLDS: [&str; 3] = [
    r#"{"household":{"size":1,"members":[{"birth_date":"1940-03-01","disabled":false}],"monthly_income_won":500000,"property_won":10000000,"financial_assets_won":1000000,"lonely_death_risk":true,"receiving":[],"health_insurance_bottom_20pct":true}}"#,
    r#"{"household":{"size":4,"monthly_income_won":2000000,"property_won":50000000,"financial_assets_won":3000000,"lonely_death_risk":false,"receiving":[],"health_insurance_bottom_20pct":false},"crisis":{"reasons":["job_loss"],"requested_items":["living"]}}"#,
    r#"{"household":{"size":2,"members":[{"birth_date":"1950-01-01","disabled":true},{"birth_date":"1952-01-01","disabled":false}],"monthly_income_won":0,"property_won":0,"financial_assets_won":0,"lonely_death_risk":false,"receiving":[],"health_insurance_bottom_20pct":false},"care_sos_request":{"temporary_home_care_hours":10,"short_stay_days":2,"escort_minutes":120,"housing_help_minutes":60,"meals":12}}"#,
];

const PROGRAMS: [&str; 6] = [
    "seoul_emergency_welfare",
    "seoul_basic_security",
    "care_sos",
    "seoul_safety_income",
    "visiting_health_care",
    "elderly_basic_care",
];

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let mut registry = ParameterRegistry::with_builtin().expect("built-in tables load");
    if let Err(e) = registry.load_json(json) {
        assert_clear_error(&e);
        return;
    }
    // One program at a time: a loaded table covers its own program only, and evaluating all six at
    // once would stop at the first program without a table for the date.
    for year in 2019..=2027 {
        for household in HOUSEHOLDS {
            for program in PROGRAMS {
                let doc = format!(
                    r#"{{"as_of":"{year}-07-01","residence":"seoul","programs":["{program}"],{}"#,
                    &household[1..]
                );
                let input =
                    EvaluationInput::from_json(&doc).expect("the fixed households are valid");
                if let Err(e) = registry.evaluate(&input) {
                    assert_clear_error(&e);
                }
            }
        }
    }
});
