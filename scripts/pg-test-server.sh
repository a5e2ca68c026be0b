#!/usr/bin/env bash
# Starts a PostgreSQL server for the sync server's tests and prints its URL on stdout (the only
# line this script writes there; progress goes to stderr):
#
#   export DONGHAENG_TEST_PG="$(scripts/pg-test-server.sh)"
#
# Idempotent: installs PostgreSQL (Debian package `postgresql`, as root) only if missing, creates a
# cluster of its own only once, starts it only if it is not running, creates the test role and
# database only if missing. The cluster is private to these tests (its own directory and port,
# listening on 127.0.0.1 only), so the machine's own PostgreSQL, if any, is left alone.
#
# Settings (environment):
#   DONGHAENG_PG_DIR   cluster directory (default /var/tmp/donghaeng-pg as root, else
#                      ${TMPDIR:-/tmp}/donghaeng-pg-$USER)
#   DONGHAENG_PG_PORT  TCP port on 127.0.0.1, used when the cluster is created (default 55432)
#   scripts/pg-test-server.sh --stop   stops the cluster (data kept for the next start)
set -euo pipefail

log() { echo "pg-test-server: $*" >&2; }
die() { log "$*"; exit 1; }

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1
if [ "$IS_ROOT" -eq 1 ]; then
  DIR="${DONGHAENG_PG_DIR:-/var/tmp/donghaeng-pg}"
else
  DIR="${DONGHAENG_PG_DIR:-${TMPDIR:-/tmp}/donghaeng-pg-$(id -un)}"
fi
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd -P)"
DATA="$DIR/data"
ROLE=donghaeng
PASSWORD=donghaeng
DB=donghaeng_test

pg_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

PGBIN="$(pg_bin || true)"
if [ -z "$PGBIN" ]; then
  if [ "$IS_ROOT" -eq 1 ]; then
    log "installing PostgreSQL (apt-get install postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    PGBIN="$(pg_bin || true)"
  fi
  [ -n "$PGBIN" ] || die "PostgreSQL is not installed: run 'sudo apt-get install postgresql', then this script again"
fi

# The server refuses to run as root: as root, the cluster belongs to the `postgres` user that the
# Debian package creates.
# From / : PostgreSQL's tools fail in a working directory they cannot read (a checkout under /root).
as_owner() {
  if [ "$IS_ROOT" -eq 1 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}
SUPERUSER="$( [ "$IS_ROOT" -eq 1 ] && echo postgres || id -un )"

# Whether the process named in the lock file is alive: a server killed with SIGKILL (a session's
# processes ended, a machine restarted) leaves its lock file behind, and its pid may linger as a
# zombie for a while where nothing reaps it.
lock_alive() {
  [ -f "$1" ] || return 1
  local pid state
  pid="$(head -n 1 "$1")"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  # The state letter after the command name in /proc (no `ps`: procps is not on every machine).
  state="$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$pid/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
server_alive() { lock_alive "$DATA/postmaster.pid"; }

if [ "${1:-}" = "--stop" ]; then
  if [ -f "$DATA/PG_VERSION" ] && server_alive; then
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
  fi
  exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  PORT="${DONGHAENG_PG_PORT:-55432}"
  log "creating a cluster in $DIR (port $PORT)"
  [ "$IS_ROOT" -eq 1 ] && chown postgres:postgres "$DIR"
  chmod 700 "$DIR"
  rm -rf "$DATA"
  # Local (socket) connections are trusted: the socket lives in the 0700 cluster directory, so only
  # its owner (and root) can reach it. TCP connections need the test role's password.
  as_owner "$PGBIN/initdb" -D "$DATA" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  # Tests run in parallel, each server node with its own pool: room for many connections.
  as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<CONF
# donghaeng test cluster (scripts/pg-test-server.sh)
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
max_connections = 300
CONF
fi
PORT="$(sed -n 's/^port = \([0-9]*\)$/\1/p' "$DATA/postgresql.conf" | tail -n 1)"
[ -n "$PORT" ] || die "no port in $DATA/postgresql.conf"

ready() { as_owner "$PGBIN/pg_isready" -q -h "$DIR" -p "$PORT"; }
if ! ready; then
  if server_alive; then
    # Starting up or shutting down: wait for it rather than start a second one.
    for _ in $(seq 1 120); do
      ready && break
      sleep 1
    done
  fi
  if ! ready; then
    # PostgreSQL itself only checks that the pid exists, which a zombie does.
    for lock in "$DATA/postmaster.pid" "$DIR/.s.PGSQL.$PORT.lock"; do
      lock_alive "$lock" || rm -f "$lock"
    done
    log "starting PostgreSQL on 127.0.0.1:$PORT (log: $DIR/server.log)"
    if ! as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 120 start >/dev/null; then
      tail -n 20 "$DIR/server.log" >&2 || true
      die "PostgreSQL did not start"
    fi
  fi
fi

psql_su() {
  as_owner "$PGBIN/psql" -h "$DIR" -p "$PORT" -U "$SUPERUSER" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}
# CREATEDB: every test makes a fresh database of its own and drops it after.
if [ "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
  psql_su -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  psql_su -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
