//! The xlsx report of the figures, opened with a spreadsheet reader (calamine): the title, the unit,
//! the period, the Korean header row, and every figure's numbers — as number cells — equal to the
//! JSON API's.

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::Value;

use crate::dashboard_fixture::Browser;

/// The header row the district report form expects, in Korean.
const HEADER_KO: [&str; 11] = [
    "구분",
    "유형·항목",
    "건수",
    "대상",
    "비율",
    "가구",
    "제공량",
    "단위",
    "금액(원)",
    "지표 코드",
    "항목 코드",
];

fn string(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

/// A number cell (never a number written as text); `None` for an empty cell.
fn number(range: &calamine::Range<Data>, row: u32, col: u32) -> Option<f64> {
    match range.get_value((row, col)) {
        Some(Data::Float(x)) => Some(*x),
        Some(Data::Int(n)) => Some(*n as f64),
        None | Some(Data::Empty) => None,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

fn json_number(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Fetches `?{query}&format=xlsx` and checks it against `figs` (the JSON API's `figures` for the
/// same query).
pub async fn check_against_json(browser: &Browser<'_>, query: &str, figs: &Value) {
    let (status, kind, bytes) = browser
        .get_bytes(&format!("/dashboard/api/figures?{query}&format=xlsx"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["실적".to_owned()]);
    let range = book.worksheet_range("실적").unwrap();
    assert_eq!(string(&range, 0, 0), "동행 사업 실적");
    assert_eq!(string(&range, 1, 0), "조직");
    assert!(!string(&range, 1, 1).is_empty());
    assert_eq!(string(&range, 2, 0), "기간");
    let from = figs_period(query);
    assert_eq!(string(&range, 2, 1), from);
    let header: Vec<String> = (0..11).map(|c| string(&range, 4, c)).collect();
    assert_eq!(header, HEADER_KO);

    // Every data row, by its codes: (figure, key) → (count, base, rate, households, quantity, amount).
    type Numbers = [Option<f64>; 6];
    let mut rows: std::collections::HashMap<(String, String), Numbers> = Default::default();
    let last = range.end().unwrap().0;
    for row in 5..=last {
        let codes = (string(&range, row, 9), string(&range, row, 10));
        assert!(!string(&range, row, 0).is_empty() && !string(&range, row, 1).is_empty());
        let n = |c| number(&range, row, c);
        assert!(rows
            .insert(codes, [n(2), n(3), n(4), n(5), n(6), n(8)])
            .is_none());
    }
    let mut expected: Vec<((String, String), Numbers)> = Vec::new();
    let ratio = |r: &Value| -> Numbers {
        [
            json_number(&r["count"]),
            json_number(&r["base"]),
            json_number(&r["rate"]),
            None,
            None,
            None,
        ]
    };
    let count = |n: &Value| -> Numbers { [json_number(n), None, None, None, None, None] };
    let key = |f: &str, k: &str| (f.to_owned(), k.to_owned());
    for c in figs["contact_rate"].as_array().unwrap() {
        let cohort = c["cohort"].as_str().unwrap();
        expected.push((
            key("contact_rate", &format!("{cohort}:all")),
            ratio(&c["contacted"]),
        ));
        for (m, r) in c["by_mode"].as_object().unwrap() {
            expected.push((key("contact_rate", &format!("{cohort}:{m}")), ratio(r)));
        }
    }
    for c in figs["contact_rate"].as_array().unwrap() {
        let cohort = c["cohort"].as_str().unwrap();
        let n = &c["non_response"];
        for k in [
            "not_contacted",
            "letter_delivered",
            "letter_returned",
            "no_answer",
            "refused",
            "responded",
            "no_attempt",
        ] {
            expected.push((
                key("contact_non_response", &format!("{cohort}:{k}")),
                count(&n[k]),
            ));
        }
        for (reason, v) in n["refusal_reasons"].as_object().unwrap() {
            expected.push((
                key(
                    "contact_non_response",
                    &format!("{cohort}:refused:{reason}"),
                ),
                count(v),
            ));
        }
        for (mode, v) in c["attempts_by_mode"].as_object().unwrap() {
            expected.push((
                key("outreach_attempts", &format!("{cohort}:{mode}")),
                count(v),
            ));
        }
    }
    expected.push((
        key("accompanied_visit_rate_65", "home"),
        ratio(&figs["accompanied_65"]),
    ));
    expected.push((
        key("crisis_households_found", "households"),
        count(&figs["crisis_households"]),
    ));
    expected.push((
        key("crisis_reports", "reports"),
        count(&figs["crisis_reports"]),
    ));
    for (t, n) in figs["service_links"].as_object().unwrap() {
        expected.push((key("service_links", t), count(n)));
    }
    expected.push((
        key("lonely_death_risk_monitored", "households"),
        ratio(&figs["lonely_death_risk"]),
    ));
    expected.push((
        key("birth_health_links", "households"),
        ratio(&figs["birth_health_links"]),
    ));
    expected.push((
        key("accompanied_visit_rate_mental_health", "visits"),
        ratio(&figs["accompanied_mental_health"]),
    ));
    expected.push((
        key("private_resources", "links"),
        count(&figs["private_resource_links"]),
    ));
    expected.push((
        key("private_resources", "households"),
        count(&figs["private_resource_households"]),
    ));
    for list in ["care_sos_services", "emergency_support"] {
        for r in figs[list].as_array().unwrap() {
            expected.push((
                key(list, r["item"].as_str().unwrap()),
                [
                    json_number(&r["count"]),
                    None,
                    None,
                    json_number(&r["households"]),
                    json_number(&r["quantity"]),
                    json_number(&r["amount_won"]),
                ],
            ));
        }
    }
    assert_eq!(rows.len(), expected.len(), "one row per figure: {rows:?}");
    for (codes, numbers) in expected {
        assert_eq!(rows.get(&codes), Some(&numbers), "{codes:?}");
    }
    // The Korean labels of a few rows, as the page shows them.
    let labelled: Vec<(String, String, String)> = (5..=last)
        .map(|r| {
            (
                string(&range, r, 0),
                string(&range, r, 1),
                string(&range, r, 10),
            )
        })
        .collect();
    assert!(labelled.contains(&(
        "주민접촉률 (보편방문)".to_owned(),
        "65세 · 전체".to_owned(),
        "age65:all".to_owned()
    )));
    assert!(labelled.contains(&(
        "돌봄SOS 서비스 유형별 제공".to_owned(),
        "일시재가".to_owned(),
        "temporary_home_care".to_owned()
    )));
}

/// The period as the report writes it, from `from=…&to=…`.
fn figs_period(query: &str) -> String {
    let get = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap()
            .to_owned()
    };
    format!("{} ~ {}", get("from"), get("to"))
}
