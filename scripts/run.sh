#!/usr/bin/env bash
# README's "run" command: the main job. Today: the demo device on a synthetic 동 (the sync server it will
# talk to arrives with issue 7). Extra arguments go to `donghaeng demo` (e.g. --fresh, --db FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --locked --bin donghaeng -- demo "$@"
