//! A push body as the server reads it (`POST /v1/push`): the body extractor, then the batch
//! validation the server runs before touching storage (`core/src/sync/validate.rs`).
//! The body and its invariants: `donghaeng_fuzz_checks::targets::sync_push_body` (tests/fuzz-checks), which
//! the test suite also runs over the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| donghaeng_fuzz_checks::targets::sync_push_body(data));
