#!/usr/bin/env bash
# Lint, translations, migrations, deploy checks and pytest. Expects DATABASE_URL and
# CELERY_BROKER_URL to point at real services: run it through scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$(pwd)/.venv/bin/python"
log() { printf '\n== %s\n' "$*"; }
RUN_DIR=$(mktemp -d /tmp/qcdc-checks.XXXXXX)
trap 'rm -rf "$RUN_DIR"' EXIT
export QCDC_REQUIRE_SERVICES=1       # a test that would skip for lack of a service fails instead
export DJANGO_ALLOW_ASYNC_UNSAFE=true  # live_server and sync Playwright share a thread

# --- Static checks ----------------------------------------------------------------------
log "ruff"
"$PY" -m ruff check .
"$PY" -m ruff format --check .

log "translations"
"$PY" manage.py compilemessages --ignore .venv --ignore staticfiles >/dev/null
stats=$(msgfmt --check --statistics -o /dev/null locale/en/LC_MESSAGES/django.po 2>&1)
echo "$stats"
if grep -Eq 'untranslated|fuzzy' <<<"$stats"; then
  echo "locale/en: every message needs an English translation (run 'make messages')." >&2
  exit 1
fi

log "migrations"
"$PY" manage.py makemigrations --check --dry-run

log "check --deploy with production settings"
env -u DJANGO_ALLOW_ASYNC_UNSAFE DEBUG=false SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
  ALLOWED_HOSTS=qcdc.example.vn SITE_URL=https://qcdc.example.vn "$PY" manage.py check --deploy --fail-level WARNING

log "collectstatic (production storage)"
DEBUG=false STATIC_ROOT="$RUN_DIR/static" "$PY" manage.py collectstatic --noinput -v0

# --- The suite ----------------------------------------------------------------------------
log "pytest on PostgreSQL + Redis"
mkdir -p test-artifacts
set +e
"$PY" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
