//! The server's answers as the device's sync client reads them (`core/src/sync/device/client.rs`):
//! a pull page, a push response, an error body. A pull page that decodes is applied to a real
//! SQLite store (in memory), as the client does: a hostile or broken server may make the device
//! refuse the page, never crash it.
//! The body and its invariants: `donghaeng_fuzz_checks::targets::sync_device_answers` (tests/fuzz-checks), which
//! the test suite also runs over the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| donghaeng_fuzz_checks::targets::sync_device_answers(data));
