//! Configuration documents (`core/src/sync/config_docs.rs` `check_body`): what the admin command
//! publishes and every device checks again before use — cadence tables, safety ladders, disaster
//! advisories, eligibility parameter sets. The same bytes are tried as every kind.
#![no_main]

use donghaeng_core::sync::config_docs::{check_body, ConfigKind};
use donghaeng_fuzz::assert_clear_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
