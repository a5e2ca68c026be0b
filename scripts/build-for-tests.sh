#!/usr/bin/env bash
# The one build every test step shares: `cargo test --workspace --no-run`, the build nextest makes.
# Besides the test binaries it leaves in target/debug what the other steps run:
#   libdonghaeng_ffi.so    the facade (cargo makes every crate type of a library its tests link, but
#                          copies only binaries out of deps/: this script copies the library)
#   uniffi-bindgen         the binding generator (built for its own integration test)
#   donghaeng-sync-server  the server (Kotlin sync test, dashboard browser tests)
#   donghaeng              the core CLI
# Building these with `cargo build -p …` instead resolves other feature sets (per package, without
# dev-dependencies) and rebuilt most dependencies two or three more times: on a 2-core CI machine that
# was ~13 minutes of a 46-minute run. Parallelism: cargo reads CARGO_BUILD_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
messages="$(mktemp)"
trap 'rm -f "$messages"' EXIT
cargo test --workspace --locked --no-run --message-format=json-render-diagnostics >"$messages"
python3 - "$messages" "$target/debug" <<'PY'
import json, shutil, sys
messages, out = sys.argv[1], sys.argv[2]
found = None
for line in open(messages, encoding="utf-8"):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "donghaeng_ffi" \
            and "cdylib" in m["target"]["kind"]:
        found = next((f for f in m["filenames"] if f.endswith((".so", ".dylib"))), found)
if not found:
    sys.exit("build-for-tests: the test build made no libdonghaeng_ffi shared library")
dest = f"{out}/{found.rsplit('/', 1)[1]}"
if found != dest:
    shutil.copy2(found, dest)
PY
