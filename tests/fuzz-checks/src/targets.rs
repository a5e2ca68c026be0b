//! One function a fuzz target: `fuzz/fuzz_targets/<name>.rs` calls the function of its name.

use crate::{assert_clear_error, device_answer, server_body};
use donghaeng_core::eligibility::{self, EvaluationInput, ParameterRegistry};
use donghaeng_core::store::Store;
use donghaeng_core::sync::config_docs::{check_body, ConfigKind};
use donghaeng_core::sync::enrolment::is_usable_device_id;
use donghaeng_core::sync::validate::{
    effective_limit, validate_change, validate_pull, validate_push, MAX_PULL_LIMIT,
};
use donghaeng_core::sync::{
    EnrolRequest, ErrorBody, PullRequest, PullResponse, PushRequest, PushResponse, TokenRequest,
};

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

/// A push body as the server reads it (`POST /v1/push`): the body extractor, then the batch
/// validation the server runs before touching storage (`core/src/sync/validate.rs`).
pub fn sync_push_body(data: &[u8]) {
    let Some(req) = server_body::<PushRequest>(data) else {
        return;
    };
    match validate_push(&req) {
        Ok(()) => {
            // A valid batch is valid again after the trip the device's outbox makes (stored as
            // JSON, read back, pushed again): a retry is never refused for its own encoding.
            let again: PushRequest =
                serde_json::from_slice(&serde_json::to_vec(&req).unwrap()).unwrap();
            assert!(validate_push(&again).is_ok());
        }
        Err(e) => {
            assert_clear_error(&e);
            assert!(
                e.field.is_some(),
                "a validation error names its field: {e:?}"
            );
        }
    }
}

/// The server's answers as the device's sync client reads them (`core/src/sync/device/client.rs`):
/// a pull page, a push response, an error body. A pull page that decodes is applied to a real
/// SQLite store (in memory), as the client does: a hostile or broken server may make the device
/// refuse the page, never crash it.
pub fn sync_device_answers(data: &[u8]) {
    let _ = device_answer::<PushResponse>(data);
    let _ = device_answer::<ErrorBody>(data);
    let Some(page) = device_answer::<PullResponse>(data) else {
        return;
    };
    for (i, sc) in page.changes.iter().enumerate() {
        if let Err(e) = validate_change(&sc.change, &format!("changes[{i}].change")) {
            assert_clear_error(&e);
        }
    }
    let store = Store::open_in_memory().expect("an in-memory store opens");
    let before = store.sync_state().expect("sync state").cursor;
    match store.apply_pull(&page) {
        Ok(_) => {
            let after = store.sync_state().expect("sync state").cursor;
            assert!(after >= before, "the cursor never moves back");
        }
        Err(e) => {
            assert_clear_error(&e);
            // A refused page leaves the cursor where it was: the page is fetched again later.
            assert_eq!(store.sync_state().expect("sync state").cursor, before);
        }
    }
}

/// The small request bodies as the server reads them: enrolment (`POST /v1/enrol`), access token
/// (`POST /v1/token`) and pull (`POST /v1/pull`, then its validation).
pub fn enrol_bodies(data: &[u8]) {
    if let Some(req) = server_body::<EnrolRequest>(data) {
        if let Some(id) = req.device_id {
            let _ = is_usable_device_id(id);
        }
    }
    if let Some(req) = server_body::<TokenRequest>(data) {
        let _ = is_usable_device_id(req.device_id);
    }
    if let Some(req) = server_body::<PullRequest>(data) {
        match validate_pull(&req) {
            Ok(()) => {
                let limit = effective_limit(&req);
                assert!((1..=MAX_PULL_LIMIT).contains(&limit));
            }
            Err(e) => assert_clear_error(&e),
        }
    }
}

/// Configuration documents (`core/src/sync/config_docs.rs` `check_body`): what the admin command
/// publishes and every device checks again before use — cadence tables, safety ladders, disaster
/// advisories, eligibility parameter sets. The same bytes are tried as every kind.
pub fn config_docs(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [
        ConfigKind::Cadence,
        ConfigKind::SafetyLadder,
        ConfigKind::DisasterAdvisory,
        ConfigKind::EligibilityParams,
    ] {
        if let Err(e) = check_body(kind, body) {
            assert_clear_error(&e);
        }
    }
}

/// The eligibility input reader (`core/src/eligibility/input.rs`, what `donghaeng eligibility
/// evaluate --input` and the facade read), then a full evaluation with the built-in tables and both
/// renderings of its result.
pub fn eligibility_input(data: &[u8]) {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let input = match EvaluationInput::from_json(json) {
        Ok(i) => i,
        Err(e) => {
            assert_clear_error(&e);
            assert!(e.field.is_some(), "an input error names its field: {e:?}");
            return;
        }
    };
    match eligibility::evaluate(&input) {
        Ok(out) => {
            assert_eq!(out.as_of, input.as_of);
            let text = eligibility::to_json(&out).expect("an evaluation always renders as JSON");
            assert!(!text.is_empty());
            let _ = eligibility::render_text(&out);
        }
        Err(e) => assert_clear_error(&e),
    }
}

/// Eligibility parameter tables (`core/src/eligibility/params`): what `donghaeng eligibility
/// check-params` and a published `eligibility_params` document load at run time. A table that loads
/// must then be usable: evaluations on fixed households never panic, whatever the figures.
pub fn eligibility_params(data: &[u8]) {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let mut registry = ParameterRegistry::with_builtin().expect("built-in tables load");
    if let Err(e) = registry.load_json(json) {
        assert_clear_error(&e);
        return;
    }
    // One program at a time, so that each loaded table is evaluated on its own program (a program
    // without a table for the date answers `not_evaluated`).
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
}
