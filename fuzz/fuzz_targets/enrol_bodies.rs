//! The small request bodies as the server reads them: enrolment (`POST /v1/enrol`), access token
//! (`POST /v1/token`) and pull (`POST /v1/pull`, then its validation).
#![no_main]

use donghaeng_core::sync::enrolment::is_usable_device_id;
use donghaeng_core::sync::validate::{effective_limit, validate_pull, MAX_PULL_LIMIT};
use donghaeng_core::sync::{EnrolRequest, PullRequest, TokenRequest};
use donghaeng_fuzz::{assert_clear_error, server_body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
