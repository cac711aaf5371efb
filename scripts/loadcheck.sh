#!/usr/bin/env bash
# The load check of README.md, end to end on loopback:
#   scripts/loadcheck.sh [LOADCHECK OPTIONS]   (e.g. --think 1; see scripts/loadcheck.py --help)
# starts a throwaway PostgreSQL + Redis (scripts/with-services.sh), migrates, seeds the
# demo province with $UNITS units, builds this year's stored reports the dashboards read
# (the root node and every node a demo account works on), collects static files, starts
# gunicorn with production settings and $WORKERS workers, runs scripts/loadcheck.py with
# $USERS virtual users for $DURATION seconds over the six demo accounts, stops everything.
# Defaults: UNITS=20000 USERS=50 DURATION=60 (seconds) WORKERS=4. Exits non-zero on any error.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${QCDC_LOADCHECK_SERVICES:-}" ]; then
  QCDC_LOADCHECK_SERVICES=1 exec bash scripts/with-services.sh bash scripts/loadcheck.sh "$@"
fi
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
UNITS=${UNITS:-20000}
USERS=${USERS:-50}
DURATION=${DURATION:-60}
WORKERS=${WORKERS:-4}
DEMO_PASSWORD=qcdc-demo-2026
ACCOUNTS=(quantri lanhdao.tinh canbo1 canbo2 chutich1 chutich2)
log() { printf '\n== %s\n' "$*"; }

RUN_DIR=$(mktemp -d /tmp/qcdc-loadcheck.XXXXXX)
GUNICORN_PID=""
stop() {
  set +e
  if [ -n "$GUNICORN_PID" ]; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null
    wait "$GUNICORN_PID" 2>/dev/null
  fi
  rm -rf "$RUN_DIR"
}
trap stop EXIT

# Production settings, except what needs TLS: loopback has none, so no redirect to
# https and cookies that are not marked Secure (a client would not send them over http).
export DEBUG=false
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export STATIC_ROOT="$RUN_DIR/static" MEDIA_ROOT="$RUN_DIR/media"
export LOG_LEVEL=WARNING

log "migrate"
"$PY" manage.py migrate --noinput -v0

log "seed_demo --units $UNITS"
"$PY" manage.py seed_demo --units "$UNITS" >/dev/null
# Planner statistics for the freshly COPYed tables: without them the root report picks
# nested loops and takes minutes instead of seconds (autovacuum would get there later).
"$PY" manage.py shell -v0 -c 'from django.db import connection; connection.cursor().execute("ANALYZE")'

log "this year's reports for the root and the demo accounts' nodes"
"$PY" manage.py shell -v0 -c '
import time
from django.utils import timezone
from reports import services
from reports.models import ReportRun
from units.models import OrgNode, Role

year = timezone.localdate().year
nodes = OrgNode.objects.filter(parent__isnull=True) | OrgNode.objects.filter(
    pk__in=Role.objects.filter(node__isnull=False).values("node")
)
for node in nodes.distinct().order_by("depth", "code"):
    began = time.perf_counter()
    run = ReportRun.objects.create(node=node, year=year)
    services.report_build(run_id=run.pk)
    print(f"  {node.code} {year}: {time.perf_counter() - began:.1f} s")
'

log "collectstatic"
"$PY" manage.py collectstatic --noinput -v0

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log "gunicorn on 127.0.0.1:$PORT with $WORKERS workers ($(nproc) cores)"
"$PY" -m gunicorn qcdc.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  >"$RUN_DIR/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
"$PY" - "$PORT" <<'PY'
import sys, time, urllib.request

deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=5).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("gunicorn did not answer within 60 s")
        time.sleep(0.3)
PY

log "loadcheck: $USERS users for $DURATION s"
LOGINS=$(printf "%s:$DEMO_PASSWORD," "${ACCOUNTS[@]}")
set +e
"$PY" scripts/loadcheck.py --base "http://127.0.0.1:$PORT" --users "$USERS" --seconds "$DURATION" --login "${LOGINS%,}" "$@"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "--- gunicorn log (end) ---"
  tail -n 40 "$RUN_DIR/gunicorn.log"
fi
exit "$status"
