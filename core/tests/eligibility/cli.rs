//! The command line, run as the real binary: JSON and text output, errors on stderr with exit ≠ 0,
//! and a run-time parameter table.

use std::io::Write;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn example() -> Value {
    json!({
        "as_of": "2022-06-15",
        "residence": "seoul",
        "household": {
            "size": 2,
            "members": [{"birth_date": "1950-03-02", "disabled": false}],
            "monthly_income_won": 1500000, "property_won": 120000000, "financial_assets_won": 3000000,
            "lonely_death_risk": false, "receiving": [], "health_insurance_bottom_20pct": false
        },
        "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]},
        "history": [{"program": "seoul_emergency_welfare", "reason": "job_loss", "date": "2021-12-01"}],
        "care_sos_request": {"temporary_home_care_hours": 10, "short_stay_days": 2, "escort_minutes": 120,
                             "housing_help_minutes": 60, "meals": 12}
    })
}

fn write_temp(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(content.as_bytes()).unwrap();
    path
}

fn donghaeng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_donghaeng"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn evaluate_prints_json_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_temp(&dir, "in.json", &example().to_string());
    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["programs"][0]["decision"], "eligible");
    assert_eq!(v["programs"][0]["checks"][3]["code"], "income");
    assert_eq!(v["programs"][0]["checks"][3]["limit"], 3260085);
    assert_eq!(
        v["programs"][2]["care_sos_cost"]["covered_total_won"],
        458430
    );
}

#[test]
fn evaluate_text_explains_in_korean_with_english() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_temp(&dir, "in.json", &example().to_string());
    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
        "--format",
        "text",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("서울형 긴급복지 (Seoul emergency welfare): 지원 가능 (eligible)"));
    assert!(text.contains("소득 1,500,000원 ≤ 기준 3,260,085원"));
    assert!(text.contains("income 1,500,000 won ≤ limit 3,260,085 won"));
    assert!(text.contains("생계비 최대 500,000원"));
}

#[test]
fn bad_input_exits_non_zero_with_the_field_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = example();
    v["household"]["property_won"] = json!(-1);
    let input = write_temp(&dir, "bad.json", &v.to_string());
    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("오류:"), "{err}");
    assert!(err.contains("error:"), "{err}");
    assert!(err.contains("household.property_won"), "{err}");
    assert!(err.contains("negative_amount"), "{err}");

    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        dir.path().join("missing.json").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("file_unreadable"));

    // A date without tables is not bad input: the programs without a table answer
    // `not_evaluated` with the reason, exit 0.
    let mut v = example();
    v["as_of"] = json!("2030-01-01");
    let input = write_temp(&dir, "late.json", &v.to_string());
    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["programs"][0]["decision"], "not_evaluated");
    assert_eq!(
        v["programs"][0]["notes"][0]["code"],
        "no_parameters_for_date"
    );
}

#[test]
fn params_are_loaded_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let median = json!({"table": "median_income", "sets": [{
        "valid_from": "2030-01-01", "valid_to": "2030-12-31", "source": "test", "provisional": false,
        "values": {"year": 2030, "by_size_won": [3000000, 5000000, 6000000, 7000000, 8000000, 9000000]}}]});
    let median_path = write_temp(&dir, "median.json", &median.to_string());
    let health = json!({"table": "visiting_health_care", "sets": [{
        "valid_from": "2030-01-01", "valid_to": null, "source": "test", "provisional": false,
        "values": {"qualifying_receiving": ["national_basic_livelihood"], "bottom_20pct_qualifies": true}}]});
    let health_path = write_temp(&dir, "health.json", &health.to_string());
    let out = donghaeng(&[
        "eligibility",
        "check-params",
        median_path.to_str().unwrap(),
        health_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut bad = median.clone();
    bad["sets"][0]["values"]["by_size_won"] =
        json!([3000000, 2000000, 6000000, 7000000, 8000000, 9000000]);
    let bad_path = write_temp(&dir, "bad.json", &bad.to_string());
    let out = donghaeng(&["eligibility", "check-params", bad_path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("param_not_rising") && err.contains("bad.json"),
        "{err}"
    );

    let mut v = example();
    v["as_of"] = json!("2030-02-01");
    v["programs"] = json!(["visiting_health_care"]);
    let input = write_temp(&dir, "in.json", &v.to_string());
    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
        "--params",
        median_path.to_str().unwrap(),
        "--params",
        health_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["programs"][0]["parameters"],
        "visiting_health_care 2030-01-01 (test)"
    );
}

#[test]
fn schema_prints_the_input_json_schema() {
    let out = donghaeng(&["eligibility", "schema"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(v["properties"]["household"]["additionalProperties"], false);
}

#[test]
fn bad_input_exits_2_with_the_exact_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = example();
    v["household"]
        .as_object_mut()
        .unwrap()
        .remove("lonely_death_risk");
    let input = write_temp(&dir, "missing.json", &v.to_string());
    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("field: household.lonely_death_risk"), "{err}");
    let text = example().to_string();
    let input = write_temp(&dir, "cut.json", &text[..40]);
    let out = donghaeng(&[
        "eligibility",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("1번째 줄") && err.contains("line 1, column"),
        "{err}"
    );
}
