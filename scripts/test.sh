#!/usr/bin/env bash
# `make test`: install what the tests need, start a throwaway PostgreSQL and Redis on
# free loopback ports, run lint, migration and deploy checks and the whole suite
# against them, stop both on exit. Works from a fresh clone on Debian/Ubuntu.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

APT_PACKAGES=(postgresql redis-server chromium poppler-utils gettext fonts-dejavu-core fonts-liberation2
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 tesseract-ocr tesseract-ocr-vie)

log() { printf '\n== %s\n' "$*"; }

# --- Debian packages ------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Python packages --------------------------------------------------------------------
log "python packages"
make --no-print-directory venv-dev
PY="$ROOT/.venv/bin/python"

# --- Checks and the suite, against the throwaway services ------------------------------------
export PYTHONDONTWRITEBYTECODE=1
exec bash scripts/with-services.sh bash scripts/checks.sh "$@"
