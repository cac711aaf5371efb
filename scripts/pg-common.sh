# Helpers shared by scripts/backup and scripts/restore (sourced, not run).

log() { printf '== %s\n' "$*" >&2; }
die() {
  printf '%s: %s\n' "$(basename "$0")" "$*" >&2
  exit 1
}

# The PostgreSQL client program $1: from PATH, else from the newest /usr/lib/postgresql/*/bin.
pg_tool() {
  local found
  if found=$(command -v "$1"); then
    echo "$found"
    return
  fi
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/$1" ] || die "$1 not found (install postgresql-client)"
  echo "$found/$1"
}

# Reads DATABASE_URL (the app's own variable): refuses anything but PostgreSQL, sets PG_URL
# to a libpq URL without the password and exports the password as PGPASSWORD, so that it
# never appears on a command line (and in `ps`).
pg_connection_from_env() {
  local url=${DATABASE_URL:-}
  [ -n "$url" ] || die "DATABASE_URL is not set: the app then uses SQLite, and these scripts need PostgreSQL."
  case "$url" in
    sqlite:* | spatialite:*)
      die "DATABASE_URL is SQLite (${url%%:*}): these scripts handle PostgreSQL only. To back up the embedded set-up, stop the app and copy db.sqlite3 and media/."
      ;;
    postgres://* | postgresql://* | pgsql://* | psql://* | postgis://*) ;;
    *) die "DATABASE_URL is not a PostgreSQL URL (scheme ${url%%:*})." ;;
  esac
  local rest=${url#*://}
  local authority=${rest%%[/?]*}
  local tail=${rest:${#authority}}
  local hostport=$authority userinfo=""
  if [[ $authority == *@* ]]; then
    userinfo=${authority%@*}
    hostport=${authority##*@}
  fi
  local user=${userinfo%%:*}
  if [[ $userinfo == *:* ]]; then
    local encoded=${userinfo#*:}
    PGPASSWORD=$(printf '%b' "${encoded//%/\\x}") # percent-decoding
    export PGPASSWORD
  fi
  PG_URL="postgresql://${user:+$user@}$hostport$tail"
}
