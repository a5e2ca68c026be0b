#!/usr/bin/env bash
# README's "run" command, the main job: the sync server on its embedded SQLite file, plus a demo device
# (a synthetic 동 on the phone's store: agenda, monitoring, a visit with its wellness check, an
# eligibility explanation). The server keeps serving until Ctrl-C.
#   scripts/run.sh [--fresh]          --fresh: start the demo device's data over
#   DONGHAENG_ADDR=127.0.0.1:8080     where the server listens
set -euo pipefail
cd "$(dirname "$0")/.."

ADDR="${DONGHAENG_ADDR:-127.0.0.1:8080}"
cargo build --release --locked -p donghaeng-sync-server -p donghaeng-core --bins

target/release/donghaeng-sync-server --addr "$ADDR" --db donghaeng-server.db &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM

# Wait (at most 30 s) until the server answers /healthz.
for _ in $(seq 1 60); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://$ADDR/healthz', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "sync server failed to start" >&2; exit 1; }
  sleep 0.5
done
echo "동기화 서버 / sync server: http://$ADDR  (/healthz, /metrics, /openapi.json)"

target/release/donghaeng demo --db donghaeng-demo.db "$@"

echo
echo "동기화 서버가 계속 실행 중입니다 (Ctrl-C로 종료) / the sync server keeps serving; Ctrl-C to stop."
wait "$server"
