//! Bad input: each error has a stable code and names the field; nothing is silently defaulted.

use donghaeng_core::eligibility::{evaluate_json, EvaluationInput};
use serde_json::{json, Value};

fn example() -> Value {
    json!({
        "as_of": "2022-06-15",
        "residence": "seoul",
        "household": {
            "size": 2,
            "members": [{"birth_date": "1950-03-02", "disabled": false}],
            "monthly_income_won": 1500000,
            "property_won": 120000000,
            "financial_assets_won": 3000000,
            "lonely_death_risk": false,
            "receiving": [],
            "health_insurance_bottom_20pct": false
        },
        "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]},
        "history": [{"program": "seoul_emergency_welfare", "reason": "job_loss", "date": "2021-12-01"}],
        "care_sos_request": {"temporary_home_care_hours": 10, "short_stay_days": 2, "escort_minutes": 120,
                             "housing_help_minutes": 60, "meals": 12}
    })
}

/// Applies `edit` to the example and returns the error's (code, field).
fn error_of(edit: impl FnOnce(&mut Value)) -> (String, String) {
    let mut v = example();
    edit(&mut v);
    let e = EvaluationInput::from_json(&v.to_string()).unwrap_err();
    assert!(!e.ko.is_empty() && !e.en.is_empty());
    (e.code.to_string(), e.field.unwrap_or_default())
}

#[test]
fn the_example_reads_and_evaluates() {
    let out: Value = serde_json::from_str(&evaluate_json(&example().to_string()).unwrap()).unwrap();
    assert_eq!(out["as_of"], "2022-06-15");
    assert_eq!(out["programs"][0]["program"], "seoul_emergency_welfare");
    assert_eq!(out["programs"][0]["decision"], "eligible");
    assert_eq!(out["programs"][0]["support"][0]["max_amount_won"], 500000);
    assert_eq!(out["programs"].as_array().unwrap().len(), 6);
}

#[test]
fn optional_parts_may_be_left_out() {
    let mut v = example();
    let o = v.as_object_mut().unwrap();
    o.remove("crisis");
    o.remove("history");
    o.remove("care_sos_request");
    o["household"].as_object_mut().unwrap().remove("members");
    let i = EvaluationInput::from_json(&v.to_string()).unwrap();
    assert!(i.crisis.is_none() && i.history.is_empty() && i.household.members.is_empty());
}

#[test]
fn negative_amounts_name_their_field() {
    for f in ["monthly_income_won", "property_won", "financial_assets_won"] {
        let (code, field) = error_of(|v| v["household"][f] = json!(-1));
        assert_eq!(code, "negative_amount");
        assert_eq!(field, format!("household.{f}"));
    }
    let (code, field) = error_of(|v| v["care_sos_request"]["meals"] = json!(-3));
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("negative_amount", "care_sos_request.meals")
    );
}

#[test]
fn size_zero_and_too_many_members() {
    assert_eq!(
        error_of(|v| v["household"]["size"] = json!(0)),
        ("household_size_invalid".into(), "household.size".into())
    );
    assert_eq!(
        error_of(|v| v["household"]["size"] = json!(-2)),
        ("household_size_invalid".into(), "household.size".into())
    );
    let (code, field) = error_of(|v| {
        v["household"]["size"] = json!(1);
        v["household"]["members"] = json!([{"birth_date": "1950-01-01", "disabled": false}, {"birth_date": "1951-01-01", "disabled": false}]);
    });
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("members_exceed_size", "household.members")
    );
}

#[test]
fn unknown_codes_name_the_element() {
    assert_eq!(
        error_of(|v| v["crisis"]["reasons"] = json!(["job_loss", "bored"])),
        ("unknown_code".into(), "crisis.reasons[1]".into())
    );
    assert_eq!(
        error_of(|v| v["crisis"]["requested_items"] = json!(["yacht"])),
        ("unknown_code".into(), "crisis.requested_items[0]".into())
    );
    assert_eq!(
        error_of(|v| v["history"][0]["program"] = json!("lottery")),
        ("unknown_code".into(), "history[0].program".into())
    );
    assert_eq!(
        error_of(|v| v["history"][0]["reason"] = json!("nope")),
        ("unknown_code".into(), "history[0].reason".into())
    );
    assert_eq!(
        error_of(|v| v["household"]["receiving"] = json!(["pension"])),
        ("unknown_code".into(), "household.receiving[0]".into())
    );
    assert_eq!(
        error_of(|v| v["residence"] = json!("busan")),
        ("unknown_code".into(), "residence".into())
    );
    assert_eq!(
        error_of(|v| v["programs"] = json!(["care_sos", "x"])),
        ("unknown_code".into(), "programs[1]".into())
    );
}

#[test]
fn malformed_dates() {
    assert_eq!(
        error_of(|v| v["as_of"] = json!("2022-02-30")),
        ("invalid_date".into(), "as_of".into())
    );
    assert_eq!(
        error_of(|v| v["as_of"] = json!("15/06/2022")),
        ("invalid_date".into(), "as_of".into())
    );
    assert_eq!(
        error_of(|v| v["history"][0]["date"] = json!("yesterday")),
        ("invalid_date".into(), "history[0].date".into())
    );
    assert_eq!(
        error_of(|v| v["household"]["members"][0]["birth_date"] = json!("1950-13-01")),
        (
            "invalid_date".into(),
            "household.members[0].birth_date".into()
        )
    );
    assert_eq!(
        error_of(|v| v["history"][0]["date"] = json!("2022-07-01")),
        ("history_after_as_of".into(), "history[0].date".into())
    );
}

#[test]
fn unknown_fields_are_refused_with_their_path() {
    let (code, field) = error_of(|v| v["household"]["income"] = json!(5));
    assert_eq!(code, "unknown_field");
    assert!(field.starts_with("household"), "{field}");
    let mut v = example();
    v["surprise"] = json!(true);
    let e = EvaluationInput::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e.code, "unknown_field");
    assert!(e.en.contains("surprise"));
}

#[test]
fn missing_and_mistyped_fields() {
    let (code, field) = error_of(|v| {
        v["household"]
            .as_object_mut()
            .unwrap()
            .remove("monthly_income_won");
    });
    assert_eq!(code, "missing_field");
    assert!(field.starts_with("household"), "{field}");
    let (code, field) = error_of(|v| v["household"]["monthly_income_won"] = json!("lots"));
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("invalid_type", "household.monthly_income_won")
    );
    let (code, field) = error_of(|v| v["household"]["monthly_income_won"] = json!(1.5));
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("invalid_type", "household.monthly_income_won")
    );
}

#[test]
fn syntax_errors_and_trailing_garbage() {
    assert_eq!(
        EvaluationInput::from_json("{").unwrap_err().code,
        "json_syntax"
    );
    assert_eq!(
        EvaluationInput::from_json("").unwrap_err().code,
        "json_syntax"
    );
    let s = format!("{} x", example());
    assert_eq!(
        EvaluationInput::from_json(&s).unwrap_err().code,
        "json_syntax"
    );
}

#[test]
fn absurd_amounts_and_financial_over_property() {
    assert_eq!(
        error_of(|v| v["household"]["property_won"] = json!(i64::MAX)).0,
        "amount_too_large"
    );
    assert_eq!(
        error_of(|v| v["household"]["monthly_income_won"] = json!(u64::MAX)).0,
        "invalid_value"
    );
    assert_eq!(
        error_of(|v| v["care_sos_request"]["escort_minutes"] = json!(10_000_000)).0,
        "amount_too_large"
    );
    let (code, field) = error_of(|v| v["household"]["financial_assets_won"] = json!(200_000_000));
    assert_eq!(
        (code.as_str(), field.as_str()),
        (
            "financial_exceeds_property",
            "household.financial_assets_won"
        )
    );
}

/// Issue 17: errors name the exact field, say it in a Korean sentence of our own (no serde English),
/// list the valid codes or fields, and give line and column for broken JSON.
mod exact_errors {
    use super::*;
    use donghaeng_core::CoreError;

    fn err(v: &Value) -> CoreError {
        EvaluationInput::from_json(&v.to_string()).unwrap_err()
    }

    fn no_serde_english(e: &CoreError) {
        for w in [
            "invalid type",
            "expected",
            "missing field",
            "unknown field",
            "line ",
        ] {
            assert!(
                !e.ko.contains(w),
                "serde English in the Korean text: {}",
                e.ko
            );
        }
    }

    #[test]
    fn a_missing_sub_field_names_itself() {
        let mut v = example();
        v["household"]
            .as_object_mut()
            .unwrap()
            .remove("lonely_death_risk");
        let e = err(&v);
        assert_eq!(e.code, "missing_field");
        assert_eq!(e.field.as_deref(), Some("household.lonely_death_risk"));
        assert!(e
            .ko
            .contains("필수 필드가 없습니다: household.lonely_death_risk"));
        no_serde_english(&e);
        let mut v = example();
        v.as_object_mut().unwrap().remove("as_of");
        assert_eq!(err(&v).field.as_deref(), Some("as_of"));
        let mut v = example();
        v["history"][0].as_object_mut().unwrap().remove("date");
        assert_eq!(err(&v).field.as_deref(), Some("history[0].date"));
    }

    #[test]
    fn a_mistyped_amount_is_explained_in_korean() {
        let mut v = example();
        v["household"]["monthly_income_won"] = json!("90만원");
        let e = err(&v);
        assert_eq!(e.code, "invalid_type");
        assert_eq!(e.field.as_deref(), Some("household.monthly_income_won"));
        assert_eq!(
            e.ko,
            "값의 형식이 맞지 않습니다: household.monthly_income_won에는 정수 (원 단위 숫자, 쉼표·단위·따옴표 없이)이(가) 와야 하는데 문자열 \"90만원\"을(를) 받았습니다"
        );
        no_serde_english(&e);
        assert!(e.en.contains("expected a whole number"), "{}", e.en);
        let mut v = example();
        v["household"]["lonely_death_risk"] = json!("yes");
        let e = err(&v);
        assert!(e.ko.contains("true 또는 false"), "{}", e.ko);
        no_serde_english(&e);
    }

    #[test]
    fn an_unknown_field_lists_the_allowed_ones() {
        let mut v = example();
        v["household"]["income"] = json!(5);
        let e = err(&v);
        assert_eq!(e.code, "unknown_field");
        assert_eq!(e.field.as_deref(), Some("household.income"));
        assert!(e.ko.contains("monthly_income_won"), "{}", e.ko);
        no_serde_english(&e);
    }

    #[test]
    fn an_unknown_code_lists_the_valid_codes() {
        let mut v = example();
        v["household"]["receiving"] = json!(["pension"]);
        let e = err(&v);
        assert_eq!(e.field.as_deref(), Some("household.receiving[0]"));
        assert!(
            e.ko.contains("가능한 값: national_basic_livelihood, near_poor"),
            "{}",
            e.ko
        );
        assert!(e.en.contains("valid codes: national_basic_livelihood"));
        let mut v = example();
        v["crisis"]["reasons"] = json!(["bored"]);
        assert!(err(&v).ko.contains("main_earner_loss, serious_illness"));
    }

    #[test]
    fn broken_and_truncated_json_give_line_and_column() {
        let text = serde_json::to_string_pretty(&example()).unwrap();
        let cut = &text[..text.find("\"property_won\"").unwrap()];
        let e = EvaluationInput::from_json(cut).unwrap_err();
        assert_eq!(e.code, "json_syntax");
        let line = cut.lines().count();
        assert!(
            e.ko.contains(&format!("{line}번째 줄")) && e.ko.contains("끊겼습니다"),
            "{}",
            e.ko
        );
        assert!(e.en.contains(&format!("line {line}")), "{}", e.en);
        let e = EvaluationInput::from_json("{\n  \"as_of\": \"2022-06-15\",,\n}").unwrap_err();
        assert_eq!(e.code, "json_syntax");
        assert!(e.ko.contains("2번째 줄"), "{}", e.ko);
        assert!(e.field.is_some());
    }
}
