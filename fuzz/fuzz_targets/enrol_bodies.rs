//! The small request bodies as the server reads them: enrolment (`POST /v1/enrol`), access token
//! (`POST /v1/token`) and pull (`POST /v1/pull`, then its validation).
//! The body and its invariants: `donghaeng_fuzz_checks::targets::enrol_bodies` (tests/fuzz-checks), which
//! the test suite also runs over the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| donghaeng_fuzz_checks::targets::enrol_bodies(data));
