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
echo "== the test build (one build for every step below: test binaries, facade library, server, bindgen)"
scripts/build-for-tests.sh
echo "== Rust doc tests"
cargo test --workspace --locked --doc
echo "== binding tests: Kotlin on the JVM, Python, Swift syntax, C header"
bindings/scripts/test.sh
echo "== dashboard browser tests: Debian chromium driven by playwright-core (screenshots in tests/dashboard/artifacts)"
DONGHAENG_SERVER_BIN="${DONGHAENG_SERVER_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/donghaeng-sync-server}" tests/dashboard/run.sh
echo "== PostgreSQL test server (the sync server's PostgreSQL store tests need one)"
# .ci/run has already started it and exported the URL; a developer gets it started here.
# DONGHAENG_SKIP_PG=1 skips those tests on purpose (they fail without a server otherwise).
if [ -z "${DONGHAENG_TEST_PG:-}" ] && [ "${DONGHAENG_SKIP_PG:-}" != 1 ]; then
  DONGHAENG_TEST_PG="$(scripts/pg-test-server.sh)"
  export DONGHAENG_TEST_PG
fi
# The fuzz targets run in it over their seeds and mutants (tests/fuzz-checks); coverage-guided runs
# with libFuzzer need an instrumented build of the whole tree and are made by hand:
# scripts/fuzz-smoke.sh, fuzz/README.md.
echo "== Rust tests (cargo nextest)"
cargo nextest run --workspace --locked --no-fail-fast
