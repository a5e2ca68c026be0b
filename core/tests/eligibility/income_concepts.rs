//! 소득 and 소득인정액: distinct inputs; 서울형 기초보장 judges and pays on 소득인정액,
//! 긴급복지, 돌봄SOS and 안심소득 on 소득; each says which in its explanation.

use donghaeng_core::eligibility::{evaluate_json, EvaluationInput};
use serde_json::{json, Value};

fn doc(recognised: Option<i64>) -> Value {
    let mut v = json!({
        "as_of": "2022-06-15", "residence": "seoul",
        "household": {"size": 2, "members": [{"birth_date": "1950-03-02", "disabled": false}],
                      "monthly_income_won": 1_000_000, "property_won": 100_000_000,
                      "financial_assets_won": 1_000_000, "lonely_death_risk": false, "receiving": [],
                      "health_insurance_bottom_20pct": false},
        "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]}
    });
    if let Some(r) = recognised {
        v["household"]["recognised_income_won"] = json!(r);
    }
    v
}

fn run(v: &Value) -> Value {
    serde_json::from_str(&evaluate_json(&v.to_string()).unwrap()).unwrap()
}

fn program<'a>(out: &'a Value, code: &str) -> &'a Value {
    out["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["program"] == code)
        .unwrap()
}

fn income_check(p: &Value) -> &Value {
    p["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "income")
        .unwrap()
}

#[test]
fn basic_security_uses_recognised_income_the_others_income() {
    // 소득 1,000,000 (under the 46% line 1,499,639), 소득인정액 1,600,000 (over it, property counted).
    let out = run(&doc(Some(1_600_000)));
    let bs = program(&out, "seoul_basic_security");
    assert_eq!(bs["decision"], "ineligible");
    let c = income_check(bs);
    assert_eq!(
        (c["value"].as_i64(), c["limit"].as_i64()),
        (Some(1_600_000), Some(1_499_639))
    );
    assert!(c["ko"]
        .as_str()
        .unwrap()
        .starts_with("소득인정액 1,600,000원 >"));
    assert!(c["en"]
        .as_str()
        .unwrap()
        .contains("recognised income (소득인정액)"));
    for code in ["seoul_emergency_welfare", "care_sos", "seoul_safety_income"] {
        let c = income_check(program(&out, code));
        assert_eq!(c["value"].as_i64(), Some(1_000_000), "{code}");
        assert!(
            c["ko"].as_str().unwrap().starts_with("소득 1,000,000원"),
            "{code}"
        );
    }
    assert_eq!(
        program(&out, "seoul_emergency_welfare")["decision"],
        "eligible"
    );
}

#[test]
fn the_benefit_is_paid_on_recognised_income() {
    // 2022 size 2: N = 978,026; (N − 400,000)/2 = 289,013.
    let out = run(&doc(Some(400_000)));
    let bs = program(&out, "seoul_basic_security");
    assert_eq!(bs["decision"], "eligible");
    assert_eq!(bs["monthly_benefit_won"], 289_013);
    assert!(!bs["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["code"] == "recognised_income_not_entered"));
}

#[test]
fn older_inputs_without_recognised_income_still_read_and_say_so() {
    let out = run(&doc(None));
    let bs = program(&out, "seoul_basic_security");
    // (978,026 − 1,000,000)/2 < N/6 → the minimum 163,004.
    assert_eq!(bs["monthly_benefit_won"], 163_004);
    assert!(income_check(bs)["ko"]
        .as_str()
        .unwrap()
        .starts_with("소득인정액(미입력: 소득을 그대로 씀) 1,000,000원"));
    assert!(bs["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["code"] == "recognised_income_not_entered"));
}

#[test]
fn recognised_income_is_validated_with_its_field() {
    let e = EvaluationInput::from_json(&doc(Some(-1)).to_string()).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        ("negative_amount", Some("household.recognised_income_won"))
    );
    let mut v = doc(None);
    v["household"]["recognised_income_won"] = json!("많음");
    let e = EvaluationInput::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("household.recognised_income_won"));
}
