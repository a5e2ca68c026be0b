#!/usr/bin/env bash
# README's "run" command, the main job: the sync server on its embedded SQLite file, plus a demo device
# (a synthetic 동 on the phone's store: agenda, monitoring, a visit with its wellness check, an
# eligibility explanation), two phones that sync (the planner's starts two safety sessions: one
# overdue, one SOS), and a supervisor login for the dashboard, printed last with its URL and a
# password made for this run. The server keeps serving until Ctrl-C; its log goes to a file.
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
# Synthetic work numbers (010-0000-…): the board offers them as tap-to-call links.
planner=$($S create-user --unit "$team" --name 시연복지플래너 --role welfare_planner --phone 010-0000-1001 | field user_id)
volunteer=$($S create-user --unit "$team" --name 시연봉사자 --role volunteer_neighborhood_care --phone 010-0000-1002 | field user_id)
# The 동's supervisor (팀장): a dashboard login with a password made for this run, shown once below.
lead=$($S create-user --unit "$dong" --name 시연팀장 --role welfare_planner | field user_id)
$S set-privilege --user "$lead" --privilege supervisor >/dev/null
lead_login="demo-lead-$stamp"
lead_password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
printf '%s\n' "$lead_password" | $S set-login --user "$lead" --login "$lead_login" --password-file - >/dev/null
planner_code=$($S issue-enrolment-code --user "$planner" | field code)
volunteer_code=$($S issue-enrolment-code --user "$volunteer" | field code)
target/release/donghaeng sync-demo --server "http://$ADDR" \
  --planner-code "$planner_code" --volunteer-code "$volunteer_code" --dir donghaeng-phones

echo
echo "== 관리자 현황판 / supervisor dashboard"
echo "  주소 / URL:        http://$ADDR/dashboard"
echo "  로그인 / login:    $lead_login"
echo "  비밀번호 / password: $lead_password   (이번 실행용, 다시 표시되지 않음 / made for this run, not shown again)"
echo "  안전 현황에 복귀 지연 1건과 SOS 1건이 보입니다 / the board shows one overdue visit and one SOS."
echo
echo "동기화 서버가 계속 실행 중입니다 (Ctrl-C로 종료) / the sync server keeps serving; Ctrl-C to stop."
wait "$server"
