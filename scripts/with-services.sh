#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL and Redis on free loopback ports:
#   scripts/with-services.sh COMMAND [ARGS…]
# The command sees DATABASE_URL and CELERY_BROKER_URL; both servers stop on exit.
# Used by `make test`, and by hand for benchmarks against PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS…]" >&2; exit 2; }
log() { printf '\n== %s\n' "$*"; }

# --- Throwaway PostgreSQL and Redis -----------------------------------------------------
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
RUN_DIR=$(mktemp -d /tmp/qcdc-test.XXXXXX)
chmod 755 "$RUN_DIR"
PG_DATA="$RUN_DIR/pg"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  set +e
  [ -n "${REDIS_STARTED:-}" ] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
  [ -n "${PG_STARTED:-}" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap "exit 143" TERM
trap "exit 130" INT

log "starting PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT"
mkdir -p "$PG_DATA"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DATA"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U qcdc --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -l "$PG_DATA/server.log" start \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
PG_STARTED=1
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no \
  --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log"
REDIS_STARTED=1

export DATABASE_URL="postgres://qcdc@127.0.0.1:$PG_PORT/qcdc"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U qcdc qcdc


set +e
"$@"
status=$?
set -e
exit "$status"
