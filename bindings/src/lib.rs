//! The uniffi facade over `donghaeng-core` arrives with issue 8; see `bindings/README.md`.
