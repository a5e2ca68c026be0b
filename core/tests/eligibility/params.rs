//! Parameter tables: the built-in ones load; a loaded table is validated (sizes present, rates in 0–1,
//! thresholds rising, dates parse and are ordered) and refused with a clear error otherwise; a valid
//! loaded table is used on the dates it covers.

use chrono::NaiveDate;
use donghaeng_core::eligibility::{Decision, EvaluationInput, ParameterRegistry, ProgramCode};
use serde_json::{json, Value};

const EMERGENCY: &str = include_str!("../../src/eligibility/params/seoul_emergency_welfare.json");
const MEDIAN: &str = include_str!("../../src/eligibility/params/median_income.json");

fn load(v: &Value) -> Result<(), (String, String)> {
    let mut reg = ParameterRegistry::with_builtin().unwrap();
    reg.load_json(&v.to_string())
        .map_err(|e| (e.code.to_string(), e.field.unwrap_or_default()))
}

fn emergency() -> Value {
    serde_json::from_str(EMERGENCY).unwrap()
}

fn median_2027() -> Value {
    json!({"table": "median_income", "sets": [{
        "valid_from": "2027-01-01", "valid_to": "2027-12-31", "source": "test", "provisional": true,
        "values": {"year": 2027, "by_size_won": [2600000, 4300000, 5500000, 6600000, 7700000, 8700000]}
    }]})
}

#[test]
fn builtin_tables_load() {
    let reg = ParameterRegistry::builtin().unwrap();
    let d = NaiveDate::from_ymd_opt(2022, 6, 15).unwrap();
    for p in ProgramCode::ALL {
        assert!(reg.covers(*p, d), "{p}");
    }
    // Reloading a built-in table into an empty registry with its median works too.
    let mut fresh = ParameterRegistry::empty();
    fresh.load_json(MEDIAN).unwrap();
    fresh.load_json(EMERGENCY).unwrap();
}

#[test]
fn a_program_table_needs_its_median_year() {
    let mut reg = ParameterRegistry::empty();
    let e = reg.load_json(EMERGENCY).unwrap_err();
    assert_eq!(e.code, "param_median_year_missing");
}

#[test]
fn rates_outside_0_1_or_too_fine_are_refused() {
    let mut v = emergency();
    v["sets"][0]["values"]["income_rate"] = json!(1.2);
    assert_eq!(
        load(&v),
        Err((
            "param_rate_out_of_range".into(),
            "sets[0].values.income_rate".into()
        ))
    );
    v["sets"][0]["values"]["income_rate"] = json!(-0.1);
    assert_eq!(load(&v).unwrap_err().0, "param_rate_out_of_range");
    v["sets"][0]["values"]["income_rate"] = json!(0.123456);
    assert_eq!(load(&v).unwrap_err().0, "param_rate_precision");
}

#[test]
fn missing_sizes_and_falling_thresholds_are_refused() {
    let mut m = median_2027();
    m["sets"][0]["values"]["by_size_won"] = json!([2600000, 4300000, 5500000, 6600000, 7700000]);
    assert_eq!(
        load(&m),
        Err((
            "param_sizes_missing".into(),
            "sets[0].values.by_size_won".into()
        ))
    );
    m["sets"][0]["values"]["by_size_won"] =
        json!([2600000, 4300000, 4200000, 6600000, 7700000, 8700000]);
    assert_eq!(
        load(&m),
        Err((
            "param_not_rising".into(),
            "sets[0].values.by_size_won[2]".into()
        ))
    );
    m["sets"][0]["values"]["by_size_won"] =
        json!([2600000, 2600000, 5500000, 6600000, 7700000, 8700000]);
    assert_eq!(load(&m).unwrap_err().0, "param_not_rising");
    let mut v = emergency();
    v["sets"][0]["values"]["living_by_size_won"] = json!([300000, 200000]);
    assert_eq!(load(&v).unwrap_err().0, "param_not_rising");
    v["sets"][0]["values"]["living_by_size_won"] = json!([]);
    assert_eq!(load(&v).unwrap_err().0, "param_sizes_missing");
}

#[test]
fn negative_amounts_bad_dates_and_disorder_are_refused() {
    let mut v = emergency();
    v["sets"][0]["values"]["fuel_won"] = json!(-1);
    assert_eq!(
        load(&v),
        Err((
            "param_amount_negative".into(),
            "sets[0].values.fuel_won".into()
        ))
    );

    let mut v = emergency();
    v["sets"][0]["values"]["funeral_won"] = json!(10_000_000_000_000_000i64);
    assert_eq!(
        load(&v),
        Err((
            "param_amount_too_large".into(),
            "sets[0].values.funeral_won".into()
        ))
    );

    let mut v = emergency();
    v["sets"][0]["valid_from"] = json!("2022-13-01");
    assert_eq!(
        load(&v),
        Err(("param_date_invalid".into(), "sets[0].valid_from".into()))
    );

    let mut v = emergency();
    v["sets"][0]["valid_to"] = json!("2021-12-31");
    assert_eq!(load(&v).unwrap_err().0, "param_dates_unordered");

    // Two sets out of order, or overlapping.
    let mut v = emergency();
    let mut second = v["sets"][0].clone();
    second["valid_from"] = json!("2022-06-01");
    v["sets"].as_array_mut().unwrap().push(second);
    assert_eq!(
        load(&v),
        Err(("param_dates_unordered".into(), "sets[1].valid_from".into()))
    );

    let mut v = emergency();
    v["sets"][0]["source"] = json!(" ");
    assert_eq!(load(&v).unwrap_err().0, "param_source_missing");

    let mut v = emergency();
    v["sets"] = json!([]);
    assert_eq!(load(&v).unwrap_err().0, "param_no_sets");
}

#[test]
fn unknown_tables_fields_and_units_are_refused() {
    assert_eq!(
        load(&json!({"table": "lottery", "sets": []}))
            .unwrap_err()
            .0,
        "param_unknown_table"
    );
    let mut v = emergency();
    v["sets"][0]["values"]["bonus_won"] = json!(1);
    let (code, field) = load(&v).unwrap_err();
    assert_eq!(code, "param_json_invalid");
    assert!(field.starts_with("sets[0].values"), "{field}");
    let mut c: Value =
        serde_json::from_str(include_str!("../../src/eligibility/params/care_sos.json")).unwrap();
    c["sets"][0]["values"]["services"]["temporary_home_care"]["unit"] = json!("hour");
    assert_eq!(
        load(&c),
        Err((
            "param_unit_mismatch".into(),
            "sets[0].values.services.temporary_home_care.unit".into()
        ))
    );
    assert_eq!(
        load(&json!("not a table")).unwrap_err().0,
        "param_json_invalid"
    );
}

#[test]
fn a_refused_table_adds_nothing() {
    let mut reg = ParameterRegistry::with_builtin().unwrap();
    let mut v = emergency();
    // 2027: a year no built-in table covers (the built-in sets reach 2026).
    v["sets"][0]["valid_from"] = json!("2027-01-01");
    v["sets"][0]["valid_to"] = json!("2027-12-31");
    v["sets"][0]["values"]["median_year"] = json!(2026);
    v["sets"][0]["values"]["fuel_won"] = json!(-5);
    assert!(reg.load_json(&v.to_string()).is_err());
    assert!(!reg.covers(
        ProgramCode::SeoulEmergencyWelfare,
        NaiveDate::from_ymd_opt(2027, 6, 1).unwrap()
    ));
}

#[test]
fn a_loaded_table_is_used_on_its_dates_and_wins_over_the_builtin_one() {
    let mut reg = ParameterRegistry::with_builtin().unwrap();
    reg.load_json(&median_2027().to_string()).unwrap();
    let mut v = emergency();
    v["sets"][0]["valid_from"] = json!("2027-01-01");
    v["sets"][0]["valid_to"] = json!("2027-12-31");
    v["sets"][0]["source"] = json!("city notice 2027");
    v["sets"][0]["provisional"] = json!(false);
    v["sets"][0]["values"]["median_year"] = json!(2027);
    reg.load_json(&v.to_string()).unwrap();

    let input = |as_of: &str| {
        let mut i = EvaluationInput::from_json(&json!({
            "as_of": as_of, "residence": "seoul",
            "household": {"size": 2, "monthly_income_won": 4_000_000, "property_won": 0,
                          "financial_assets_won": 0, "lonely_death_risk": false, "receiving": [],
                          "health_insurance_bottom_20pct": false},
            "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]}
        }).to_string()).unwrap();
        i.programs = Some(vec![ProgramCode::SeoulEmergencyWelfare]);
        i
    };
    let r = reg.evaluate(&input("2027-03-01")).unwrap();
    let p = &r.programs[0];
    assert_eq!(
        p.decision,
        Decision::Eligible,
        "4,000,000 ≤ 4,300,000 (2027 line)"
    );
    assert_eq!(
        p.parameters,
        "seoul_emergency_welfare 2027-01-01 (city notice 2027)"
    );
    assert!(p.provisional, "the 2027 median row used is provisional");
    // 2022 still uses the built-in set.
    let r = reg.evaluate(&input("2022-03-01")).unwrap();
    assert_eq!(r.programs[0].decision, Decision::CaseConference);

    // A loaded table overlapping the built-in year wins on its dates.
    let mut over = emergency();
    over["sets"][0]["valid_from"] = json!("2022-07-01");
    over["sets"][0]["source"] = json!("amended");
    over["sets"][0]["values"]["income_rate"] = json!(0.5);
    reg.load_json(&over.to_string()).unwrap();
    let r = reg.evaluate(&input("2022-07-01")).unwrap();
    assert!(r.programs[0].parameters.contains("amended"));
    let r = reg.evaluate(&input("2022-06-30")).unwrap();
    assert!(r.programs[0].parameters.contains("001 §7"));
}

#[test]
fn tables_with_more_sizes_lift_the_size_limit() {
    let mut reg = ParameterRegistry::with_builtin().unwrap();
    let mut m = median_2027();
    m["sets"][0]["values"]["by_size_won"] =
        json!([2600000, 4300000, 5500000, 6600000, 7700000, 8700000, 9600000]);
    reg.load_json(&m.to_string()).unwrap();
    let mut s: Value = serde_json::from_str(include_str!(
        "../../src/eligibility/params/seoul_safety_income.json"
    ))
    .unwrap();
    s["sets"] = json!([s["sets"][0].clone()]);
    s["sets"][0]["valid_from"] = json!("2027-01-01");
    s["sets"][0]["valid_to"] = json!("2027-12-31");
    s["sets"][0]["values"]["median_year"] = json!(2027);
    reg.load_json(&s.to_string()).unwrap();
    let mut i = EvaluationInput::from_json(
        &json!({
            "as_of": "2027-02-01", "residence": "seoul",
            "household": {"size": 7, "monthly_income_won": 100, "property_won": 0,
                          "financial_assets_won": 0, "lonely_death_risk": false, "receiving": [],
                          "health_insurance_bottom_20pct": false}
        })
        .to_string(),
    )
    .unwrap();
    i.programs = Some(vec![ProgramCode::SeoulSafetyIncome]);
    let r = reg.evaluate(&i).unwrap();
    assert_eq!(
        r.programs[0].check("income").unwrap().limit,
        Some(8_160_000)
    );
}
