//! The server's answers as the device's sync client reads them (`core/src/sync/device/client.rs`):
//! a pull page, a push response, an error body. A pull page that decodes is applied to a real
//! SQLite store (in memory), as the client does: a hostile or broken server may make the device
//! refuse the page, never crash it.
#![no_main]

use donghaeng_core::store::Store;
use donghaeng_core::sync::validate::validate_change;
use donghaeng_core::sync::{ErrorBody, PullResponse, PushResponse};
use donghaeng_fuzz::{assert_clear_error, device_answer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = device_answer::<PushResponse>(data);
    let _ = device_answer::<ErrorBody>(data);
    let Some(page) = device_answer::<PullResponse>(data) else {
        return;
    };
    for (i, sc) in page.changes.iter().enumerate() {
        if let Err(e) = validate_change(&sc.change, &format!("changes[{i}].change")) {
            assert_clear_error(&e);
        }
    }
    let store = Store::open_in_memory().expect("an in-memory store opens");
    let before = store.sync_state().expect("sync state").cursor;
    match store.apply_pull(&page) {
        Ok(_) => {
            let after = store.sync_state().expect("sync state").cursor;
            assert!(after >= before, "the cursor never moves back");
        }
        Err(e) => {
            assert_clear_error(&e);
            // A refused page leaves the cursor where it was: the page is fetched again later.
            assert_eq!(store.sync_state().expect("sync state").cursor, before);
        }
    }
});
