//! The published input schema (`donghaeng eligibility schema`) agrees with the reader: every required
//! property is required, every optional one may be left out, unknown ones are refused, and the code
//! lists are the engine's.

use donghaeng_core::eligibility::codes::{CrisisReason, ProgramCode, Receiving, SupportItem};
use donghaeng_core::eligibility::input_schema::input_schema;
use donghaeng_core::eligibility::EvaluationInput;
use serde_json::{json, Value};

/// An input with every property of the schema.
fn complete() -> Value {
    json!({
        "as_of": "2026-12-03", "residence": "seoul",
        "household": {"size": 2, "members": [{"birth_date": "1950-03-02", "disabled": false}],
                      "monthly_income_won": 1_500_000, "recognised_income_won": 1_700_000,
                      "property_won": 120_000_000, "financial_assets_won": 3_000_000,
                      "lonely_death_risk": false, "receiving": ["near_poor"],
                      "health_insurance_bottom_20pct": false},
        "crisis": {"reasons": ["job_loss"], "requested_items": ["living"], "support_kind": "new"},
        "history": [{"program": "seoul_emergency_welfare", "reason": "job_loss", "date": "2025-01-10",
                     "support_kind": "new", "item": "living", "record": "service record 1"}],
        "care_sos_used": [{"service": "meals", "date": "2026-03-02", "quantity": 10,
                           "amount_won": 101_000, "record": "service record 2"}],
        "care_sos_request": {"temporary_home_care_hours": 4, "short_stay_days": 1, "escort_minutes": 60,
                             "housing_help_minutes": 60, "meals": 10},
        "programs": ["seoul_emergency_welfare", "care_sos"]
    })
}

/// (JSON pointer of an object in the input, its schema).
fn objects(schema: &Value) -> Vec<(&'static str, &'static str, Value)> {
    let p = &schema["properties"];
    vec![
        ("", "", schema.clone()),
        ("/household", "household.", p["household"].clone()),
        (
            "/household/members/0",
            "household.members[0].",
            p["household"]["properties"]["members"]["items"].clone(),
        ),
        ("/crisis", "crisis.", p["crisis"].clone()),
        ("/history/0", "history[0].", p["history"]["items"].clone()),
        (
            "/care_sos_used/0",
            "care_sos_used[0].",
            p["care_sos_used"]["items"].clone(),
        ),
        (
            "/care_sos_request",
            "care_sos_request.",
            p["care_sos_request"].clone(),
        ),
    ]
}

#[test]
fn the_complete_example_reads() {
    EvaluationInput::from_json(&complete().to_string()).unwrap();
}

#[test]
fn required_and_optional_properties_match_the_reader() {
    let schema = input_schema();
    for (pointer, prefix, obj) in objects(&schema) {
        assert_eq!(obj["additionalProperties"], false, "{pointer}");
        let required: Vec<&str> = obj["required"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        let props = obj["properties"].as_object().unwrap();
        for name in props.keys() {
            let mut v = complete();
            v.pointer_mut(pointer)
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove(name);
            let r = EvaluationInput::from_json(&v.to_string());
            if required.contains(&name.as_str()) {
                let e = r.unwrap_err();
                assert_eq!(e.code, "missing_field", "{prefix}{name}");
                assert_eq!(e.field.unwrap(), format!("{prefix}{name}"));
            } else {
                assert!(
                    r.is_ok(),
                    "{prefix}{name} should be optional: {:?}",
                    r.err()
                );
            }
        }
        // A property the schema does not list is refused.
        let mut v = complete();
        v.pointer_mut(pointer)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert("not_in_schema".into(), json!(1));
        let e = EvaluationInput::from_json(&v.to_string()).unwrap_err();
        assert_eq!(e.code, "unknown_field", "{pointer}");
        assert_eq!(e.field.unwrap(), format!("{prefix}not_in_schema"));
    }
}

#[test]
fn code_lists_are_the_engines() {
    let s = input_schema();
    let list = |v: &Value| -> Vec<String> {
        v["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    };
    let codes = |all: Vec<&str>| all.into_iter().map(String::from).collect::<Vec<_>>();
    let p = &s["properties"];
    assert_eq!(
        list(&p["programs"]["items"]),
        codes(ProgramCode::ALL.iter().map(|c| c.code()).collect())
    );
    assert_eq!(
        list(&p["crisis"]["properties"]["reasons"]["items"]),
        codes(CrisisReason::ALL.iter().map(|c| c.code()).collect())
    );
    assert_eq!(
        list(&p["crisis"]["properties"]["requested_items"]["items"]),
        codes(SupportItem::ALL.iter().map(|c| c.code()).collect())
    );
    assert_eq!(
        list(&p["household"]["properties"]["receiving"]["items"]),
        codes(Receiving::ALL.iter().map(|c| c.code()).collect())
    );
}
