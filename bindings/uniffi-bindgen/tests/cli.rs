//! The bindgen binary as the binding scripts call it. Besides checking that the `cli` feature is on,
//! this test makes `cargo test --no-run` build `target/debug/uniffi-bindgen` (cargo builds a package's
//! binaries for its integration tests only), so the binding tests reuse the test build instead of a
//! second build of uniffi's generator with other features (scripts/build-for-tests.sh).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_uniffi-bindgen");

#[test]
fn the_bindgen_offers_generate() {
    let out = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("generate"), "no generate command in: {help}");
}

#[test]
fn a_missing_library_is_an_error_not_empty_bindings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(BIN)
        .args([
            "generate",
            "no-such-library.so",
            "--language",
            "kotlin",
            "--out-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("reads").count(), 0);
}
