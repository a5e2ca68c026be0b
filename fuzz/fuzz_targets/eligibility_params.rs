//! Eligibility parameter tables (`core/src/eligibility/params`): what `donghaeng eligibility
//! check-params` and a published `eligibility_params` document load at run time. A table that loads
//! must then be usable: evaluations on fixed households never panic, whatever the figures.
//! The body and its invariants: `donghaeng_fuzz_checks::targets::eligibility_params` (tests/fuzz-checks), which
//! the test suite also runs over the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| donghaeng_fuzz_checks::targets::eligibility_params(data));
