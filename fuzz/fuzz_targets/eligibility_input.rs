//! The eligibility input reader (`core/src/eligibility/input.rs`, what `donghaeng eligibility
//! evaluate --input` and the facade read), then a full evaluation with the built-in tables and both
//! renderings of its result.
#![no_main]

use donghaeng_core::eligibility::{self, EvaluationInput};
use donghaeng_fuzz::assert_clear_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
