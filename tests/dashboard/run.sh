#!/usr/bin/env bash
# Browser tests of the supervisor dashboard (issue 9): installs what they need if missing (Debian's
# chromium, as root; the pinned playwright-core from npm), builds the server binary, runs the tests.
# Screenshots land in tests/dashboard/artifacts/ (gitignored). Environment:
#   DONGHAENG_SERVER_BIN  a prebuilt server binary (skips the build)
#   CHROMIUM              the browser binary (default /usr/bin/chromium)
#   CARGO_BUILD_JOBS      build parallelism (read by cargo)
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "dashboard tests: installing chromium (Debian package)" >&2
    apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
  else
    echo "dashboard tests: chromium is missing; run as root or: sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi

# Korean text in the screenshots (the tests read the page's text, so they pass without it).
if [ "$(id -u)" -eq 0 ] && ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  apt-get install -y --no-install-recommends fonts-noto-cjk >/dev/null 2>&1 || echo "dashboard tests: no CJK font (screenshots show boxes)" >&2
fi

if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund >&2
fi

if [ -z "${DONGHAENG_SERVER_BIN:-}" ]; then
  (cd "$ROOT" && scripts/build-for-tests.sh >&2)
  export DONGHAENG_SERVER_BIN="$ROOT/target/debug/donghaeng-sync-server"
fi

mkdir -p artifacts
node --test --test-concurrency=1 dashboard.test.mjs
