//! Configuration documents (`core/src/sync/config_docs.rs` `check_body`): what the admin command
//! publishes and every device checks again before use — cadence tables, safety ladders, disaster
//! advisories, eligibility parameter sets. The same bytes are tried as every kind.
//! The body and its invariants: `donghaeng_fuzz_checks::targets::config_docs` (tests/fuzz-checks), which
//! the test suite also runs over the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| donghaeng_fuzz_checks::targets::config_docs(data));
