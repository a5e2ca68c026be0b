//! `uniffi-bindgen` for this workspace. Run it from inside the workspace (it calls `cargo metadata`);
//! `bindings/scripts/generate.sh` shows the usual call.

fn main() {
    uniffi::uniffi_bindgen_main()
}
