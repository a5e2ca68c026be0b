//! The eligibility input reader (`core/src/eligibility/input.rs`, what `donghaeng eligibility
//! evaluate --input` and the facade read), then a full evaluation with the built-in tables and both
//! renderings of its result.
//! The body and its invariants: `donghaeng_fuzz_checks::targets::eligibility_input` (tests/fuzz-checks), which
//! the test suite also runs over the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| donghaeng_fuzz_checks::targets::eligibility_input(data));
