#!/usr/bin/env bash
# README's "run" command, the main job: the sync server on its embedded SQLite file, plus a demo device
# (a synthetic 동 on the phone's store: agenda, monitoring, a visit with its wellness check, an
# eligibility explanation). The server keeps serving until Ctrl-C.
#   scripts/run.sh [--fresh]          --fresh: start the demo device's data over
#   DONGHAENG_ADDR=127.0.0.1:8080     where the server listens
set -euo pipefail
cd "$(dirname "$0")/.."

ADDR="${DONGHAENG_ADDR:-127.0.0.1:8080}"
LOG="donghaeng-server.log"
# The same invocation as README's `cargo build --release --workspace`: selecting packages (-p) would
# unify dependency features differently and rebuild crates a workspace build already made.
cargo build --release --locked --workspace

# The server's log goes to a file, so the terminal is the demo's.
target/release/donghaeng-sync-server --addr "$ADDR" --db donghaeng-server.db 2>>"$LOG" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM

# Wait (at most 30 s) until the server answers /healthz.
for _ in $(seq 1 60); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://$ADDR/healthz', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "동기화 서버를 시작하지 못했습니다 / sync server failed to start (see $LOG):" >&2; tail -n 5 "$LOG" >&2; exit 1; }
  sleep 0.5
done
echo "동기화 서버 / sync server: http://$ADDR  (/healthz, /metrics, /openapi.json; 로그 / log: $LOG)"

target/release/donghaeng demo --db donghaeng-demo.db "$@"

# Two phones and the server: the admin makes a 동 with a team, a welfare planner and a volunteer
# (a new team on every run: enrolment codes work once), then `sync-demo` enrols both phones.
S="target/release/donghaeng-sync-server --db donghaeng-server.db admin"
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
stamp="$(date +%H%M%S)"
city=$($S create-unit --kind city --name 서울특별시 | field unit_id)
district=$($S create-unit --kind district --name 강남구 --parent "$city" | field unit_id)
dong=$($S create-unit --kind dong --name 역삼1동 --parent "$district" | field unit_id)
team=$($S create-unit --kind team --name "시연팀-$stamp" --parent "$dong" | field unit_id)
planner=$($S create-user --unit "$team" --name 시연복지플래너 --role welfare_planner | field user_id)
volunteer=$($S create-user --unit "$team" --name 시연봉사자 --role volunteer_neighborhood_care | field user_id)
planner_code=$($S issue-enrolment-code --user "$planner" | field code)
volunteer_code=$($S issue-enrolment-code --user "$volunteer" | field code)
target/release/donghaeng sync-demo --server "http://$ADDR" \
  --planner-code "$planner_code" --volunteer-code "$volunteer_code" --dir donghaeng-phones

echo
echo "동기화 서버가 계속 실행 중입니다 (Ctrl-C로 종료) / the sync server keeps serving; Ctrl-C to stop."
wait "$server"
