//! The fuzz targets' bodies and the invariants they check. Each target is a thin wrapper over a real
//! entry point of the core or the server; what it adds is only the checks below, cheap enough for
//! every input. `fuzz/fuzz_targets/*.rs` hand libFuzzer's inputs to [`targets`]; the workspace's test
//! (`tests/replay.rs`) hands them the committed seeds and mutants of them.

pub mod targets;

use donghaeng_core::CoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// A refusal must be one the app can show and act on: a stable code and both messages.
pub fn assert_clear_error(e: &CoreError) {
    assert!(!e.code.is_empty(), "error without a code: {e:?}");
    assert!(
        e.code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "error code is not snake_case: {:?}",
        e.code
    );
    assert!(
        !e.ko.trim().is_empty(),
        "error without a Korean message: {e:?}"
    );
    assert!(
        !e.en.trim().is_empty(),
        "error without an English message: {e:?}"
    );
}

/// Encoding a decoded value and decoding it again gives the same value: what one side reads, the
/// other side (or a retry of the same push, compared by content) reads identically.
pub fn assert_round_trip<T>(value: &T, decode: impl Fn(&[u8]) -> Option<T>)
where
    T: Serialize + PartialEq + Debug,
{
    let bytes = serde_json::to_vec(value).expect("a decoded value always encodes");
    let again = decode(&bytes).unwrap_or_else(|| {
        panic!(
            "re-encoded value does not decode: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert_eq!(&again, value, "decode → encode → decode changed the value");
}

/// Decodes as the server does (body extractor: field paths, trailing bytes refused) and checks the
/// error or the round trip.
pub fn server_body<T>(data: &[u8]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    match donghaeng_sync_server::body::parse::<T>(data) {
        Ok(v) => {
            assert_round_trip(&v, |b| donghaeng_sync_server::body::parse::<T>(b).ok());
            Some(v)
        }
        Err(e) => {
            assert_clear_error(&e);
            assert!(e.field.is_some(), "a body error names its field: {e:?}");
            None
        }
    }
}

/// Decodes as the device's sync client does (`serde_json::from_slice` of the answer) and checks the
/// round trip.
pub fn device_answer<T>(data: &[u8]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let v: T = serde_json::from_slice(data).ok()?;
    assert_round_trip(&v, |b| serde_json::from_slice(b).ok());
    Some(v)
}
