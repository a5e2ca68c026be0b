//! A push body as the server reads it (`POST /v1/push`): the body extractor, then the batch
//! validation the server runs before touching storage (`core/src/sync/validate.rs`).
#![no_main]

use donghaeng_core::sync::validate::validate_push;
use donghaeng_core::sync::PushRequest;
use donghaeng_fuzz::{assert_clear_error, server_body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
