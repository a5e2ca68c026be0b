#!/usr/bin/env bash
# Runs every check and every test of the repository. README's test command; CI runs exactly this.
# On a fresh Debian 12 machine it first installs what the binding tests need (apt, npm, pip; idempotent).
# The Rust test suite runs last so that its summary closes the output.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== tools for the binding tests (installs only what is missing)"
bindings/scripts/install-deps.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== Rust doc tests"
cargo test --workspace --locked --doc
echo "== binding tests: Kotlin on the JVM, Python, Swift syntax, C header"
bindings/scripts/test.sh
echo "== Rust tests (cargo nextest)"
cargo nextest run --workspace --locked --no-fail-fast
