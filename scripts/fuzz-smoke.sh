#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target of fuzz/ and runs each for a short time from the
# committed seed corpus (fuzz/corpus/<target>/). A crash, a failed invariant or a build error fails
# the script. Run by hand (not in CI, which replays the seeds and their mutants through the same
# target bodies in the test suite: tests/fuzz-checks); long runs: see fuzz/README.md.
#
#   scripts/fuzz-smoke.sh            # every target, 20 s each
#   FUZZ_SECONDS=60 scripts/fuzz-smoke.sh sync_push_body eligibility_input
#
# Toolchain: nightly with AddressSanitizer when rustup has a nightly toolchain; otherwise the
# stable toolchain with RUSTC_BOOTSTRAP=1 and no sanitizer (coverage-guided fuzzing and Rust's own
# checks — panics, overflow checks, debug assertions — still work; only ASan needs nightly).
# Environment:
#   FUZZ_SECONDS      seconds per target (default 20)
#   FUZZ_TOOLCHAIN    force "nightly" or "stable"
#   FUZZ_TARGET_DIR   cargo target dir (default: a temporary directory, deleted at the end;
#                     about 1.1 GB while it exists)
#   CARGO_BUILD_JOBS  build parallelism (default 1, or every core when CI=true)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"

seconds="${FUZZ_SECONDS:-20}"
if [[ -z "${CARGO_BUILD_JOBS:-}" ]]; then
    if [[ "${CI:-}" == "true" ]]; then CARGO_BUILD_JOBS="$(nproc)"; else CARGO_BUILD_JOBS=1; fi
fi
export CARGO_BUILD_JOBS CARGO_INCREMENTAL=0

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

toolchain="${FUZZ_TOOLCHAIN:-}"
if [[ -z "$toolchain" ]]; then
    if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then toolchain=nightly; else toolchain=stable; fi
fi
case "$toolchain" in
    nightly) fuzz=(cargo +nightly fuzz); sanitizer=address ;;
    stable) export RUSTC_BOOTSTRAP=1; fuzz=(cargo +stable fuzz); sanitizer=none ;;
    *) echo "fuzz-smoke: FUZZ_TOOLCHAIN must be nightly or stable" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
target_dir="${FUZZ_TARGET_DIR:-$work/target}"
cleanup() {
    if [[ -z "${FUZZ_TARGET_DIR:-}" ]]; then
        du -sh "$target_dir" 2>/dev/null | sed 's/^/fuzz-smoke: target dir size /' || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ $# -gt 0 ]]; then targets=("$@"); else mapfile -t targets < <("${fuzz[@]}" list); fi

echo "fuzz-smoke: toolchain $toolchain, sanitizer $sanitizer, ${seconds}s per target: ${targets[*]}"
"${fuzz[@]}" build --sanitizer "$sanitizer" --target-dir "$target_dir" >"$work/build.log" 2>&1 || {
    tail -50 "$work/build.log"
    echo "fuzz-smoke: build failed"
    exit 1
}

passed=0
failed=0
for t in "${targets[@]}"; do
    # A scratch copy of the seeds: the run adds entries, the repository's corpus stays as it is.
    mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
    cp corpus/"$t"/* "$work/corpus/$t/" 2>/dev/null || true
    if "${fuzz[@]}" run --sanitizer "$sanitizer" --target-dir "$target_dir" "$t" "$work/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -dict=dict/json.dict -artifact_prefix="$work/artifacts/$t/" >"$work/$t.log" 2>&1; then
        runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || true)"
        [[ -n "$runs" ]] || runs="$(grep -oE '^#[0-9]+' "$work/$t.log" | tail -1 | tr -d '#')"
        echo "fuzz-smoke: $t ok (${runs:-?} runs)"
        passed=$((passed + 1))
    else
        echo "fuzz-smoke: $t FAILED"
        tail -60 "$work/$t.log"
        for a in "$work/artifacts/$t"/*; do
            [[ -f "$a" ]] || continue
            echo "fuzz-smoke: crashing input ($(basename "$a")), base64:"
            base64 -w0 "$a" | head -c 4096
            echo
        done
        failed=$((failed + 1))
    fi
done

echo "fuzz-smoke: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
