# shellcheck shell=bash
# The project-local Postgres cluster (.dev/pg on 127.0.0.1:<free port from 55432>).
# Sourced by scripts/dev-env.sh after lib/common.sh; needs DEV_ENV_ROOT and DEV_DIR.

PG_STATE_DIR="$DEV_DIR/pg"
PG_PORT_FILE="$PG_STATE_DIR/port"
PG_DB_NAME="${DEV_PG_DB:-campaigns}"

# Directory holding the newest installed PostgreSQL server binaries, or empty.
pg_bin_dir() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    if [ ! -x "$d/initdb" ] || [ ! -x "$d/pg_ctl" ]; then continue; fi
    if [ -z "$best" ] || [ "${d//[!0-9]/}" -gt "${best//[!0-9]/}" ]; then best=$d; fi
  done
  if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    best="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
  fi
  echo "$best"
}

local_database_url() { echo "postgres://postgres@127.0.0.1:$1/$PG_DB_NAME"; }

# True when we manage the Postgres cluster ourselves (no foreign DATABASE_URL).
uses_local_postgres() {
  [ -z "${DATABASE_URL:-}" ] && return 0
  # A DATABASE_URL exported from an earlier `source .dev/env` is still ours.
  [ -f "$PG_PORT_FILE" ] && [ "$DATABASE_URL" = "$(local_database_url "$(cat "$PG_PORT_FILE")")" ]
}

# Run a command as the owner of the cluster: the `postgres` system user when we
# are root (postgres refuses to run as root), else ourselves.
pg_as_owner() {
  if is_root; then
    # cd /: the checkout may not be readable by `postgres` (all paths are absolute).
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u postgres -- "$@")
    else
      (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
    fi
  else
    "$@"
  fi
}

# Sets PG_BASE (directory owned by the cluster owner holding data/, run/ and
# postgres.log). Normally .dev/pg itself; when running as root and the
# `postgres` user cannot reach the checkout (e.g. it lives under /root), the
# cluster lives in /var/lib/postgresql/campaign-dev/<hash> and .dev/pg/base is a
# symlink to it.
pg_resolve_base() {
  mkdir -p "$PG_STATE_DIR"
  if [ -L "$PG_STATE_DIR/base" ]; then
    PG_BASE="$(readlink -f "$PG_STATE_DIR/base")"
    return 0
  fi
  PG_BASE="$PG_STATE_DIR"
  if is_root; then
    id postgres >/dev/null 2>&1 ||
      die "running as root but there is no 'postgres' system user (is the Debian postgresql package installed?)"
    chmod a+rx "$DEV_DIR" "$PG_STATE_DIR" 2>/dev/null || true
    chown postgres: "$PG_STATE_DIR"
    if ! pg_as_owner test -w "$PG_STATE_DIR" 2>/dev/null; then
      local hash
      hash="$(printf '%s' "$DEV_ENV_ROOT" | md5sum | cut -c1-12)"
      PG_BASE="/var/lib/postgresql/campaign-dev/$hash"
      warn "user 'postgres' cannot access $PG_STATE_DIR; keeping the cluster in $PG_BASE"
      mkdir -p "$PG_BASE"
      chown postgres: "$(dirname "$PG_BASE")" "$PG_BASE"
      ln -sfn "$PG_BASE" "$PG_STATE_DIR/base"
    fi
  fi
}

pg_write_conf() {
  local port=$1 sockdir=$2
  # Rewritten on every start; included from postgresql.conf.
  pg_as_owner tee "$PG_BASE/data/dev-env.conf" >/dev/null <<CONF
# Managed by scripts/dev-env.sh -- local development/test cluster only.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
max_connections = 300
# 'make run' keeps its data here: what a commit acknowledged must survive a crash of Postgres
# or of the machine. The tests' throw-away databases turn synchronous_commit off for themselves
# (ALTER DATABASE); the cluster itself never trades durability for speed.
fsync = on
synchronous_commit = on
full_page_writes = on
CONF
}

# Starts (or reuses) the cluster, creates $PG_DB_NAME, checks durability and
# exports DATABASE_URL. With a foreign DATABASE_URL only checks it connects.
ensure_postgres() {
  if ! uses_local_postgres; then
    log "DATABASE_URL is set; using it instead of a local cluster"
    if command -v psql >/dev/null 2>&1; then
      psql "$DATABASE_URL" -XtAc 'select 1' >/dev/null 2>&1 ||
        die "cannot connect to DATABASE_URL=$DATABASE_URL"
    fi
    return 0
  fi

  local bindir
  bindir="$(pg_bin_dir)"
  [ -n "$bindir" ] || die "PostgreSQL server binaries not found (expected /usr/lib/postgresql/<ver>/bin)"

  pg_resolve_base
  local data="$PG_BASE/data" sockdir="$PG_BASE/run" pglog="$PG_BASE/postgres.log"
  # Unix socket paths are limited to ~107 bytes.
  if [ "${#sockdir}" -gt 80 ]; then
    sockdir="/tmp/campaign-dev-pg-$(printf '%s' "$DEV_ENV_ROOT" | md5sum | cut -c1-12)"
  fi

  # A cluster made by a different major version cannot be started.
  if [ -f "$data/PG_VERSION" ]; then
    local ver
    ver="$(cat "$data/PG_VERSION")"
    if [ -x "/usr/lib/postgresql/$ver/bin/pg_ctl" ]; then
      bindir="/usr/lib/postgresql/$ver/bin"
    elif [ "$ver" != "$("$bindir/pg_ctl" --version | awk '{print $3}' | cut -d. -f1)" ]; then
      die "$data was created by PostgreSQL $ver, which is not installed; remove $PG_STATE_DIR to recreate it"
    fi
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    log "initdb: new cluster in $data ($("$bindir/initdb" --version))"
    pg_as_owner mkdir -p "$data"
    pg_as_owner chmod 700 "$data"
    pg_as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C >"$DEV_DIR/initdb.log" 2>&1 ||
      die "initdb failed; see $DEV_DIR/initdb.log"
    echo "include_if_exists = 'dev-env.conf'" | pg_as_owner tee -a "$data/postgresql.conf" >/dev/null
  fi

  local port=""
  [ -f "$PG_PORT_FILE" ] && port="$(cat "$PG_PORT_FILE")"

  if pg_as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    [ -n "$port" ] || die "cluster in $data is running but $PG_PORT_FILE is missing; run 'make stop' and retry"
    log "postgres already running on 127.0.0.1:$port"
    # A cluster started by an older version of this script may run with durability off:
    # rewrite the settings and reload them (all three take effect on reload).
    pg_write_conf "$port" "$sockdir"
    pg_as_owner "$bindir/pg_ctl" -D "$data" reload >/dev/null
  else
    if [ -z "$port" ] || port_in_use "$port"; then
      [ -n "$port" ] && warn "port $port is taken by something else; choosing another one"
      port="$(find_free_port 55432)"
      echo "$port" >"$PG_PORT_FILE"
    fi
    pg_as_owner mkdir -p "$sockdir"
    pg_write_conf "$port" "$sockdir"
    log "starting postgres on 127.0.0.1:$port (log: $pglog)"
    pg_as_owner "$bindir/pg_ctl" -D "$data" -l "$pglog" -w -t 60 start >/dev/null ||
      die "pg_ctl start failed; see $pglog"
  fi

  local psql="$bindir/psql"
  [ -x "$psql" ] || psql="psql"
  local i
  for i in $(seq 1 30); do
    "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAc 'select 1' >/dev/null 2>&1 && break
    [ "$i" -eq 30 ] && die "postgres on 127.0.0.1:$port does not accept connections; see $pglog"
    sleep 1
  done
  if [ "$("$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAc \
    "select 1 from pg_database where datname = '$PG_DB_NAME'")" != "1" ]; then
    log "creating database $PG_DB_NAME"
    "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Xqc "create database \"$PG_DB_NAME\"" ||
      die "could not create database $PG_DB_NAME"
  fi
  local durability
  for i in $(seq 1 10); do
    durability="$("$psql" -h 127.0.0.1 -p "$port" -U postgres -d "$PG_DB_NAME" -XtAc \
      "select current_setting('fsync') || current_setting('synchronous_commit') || current_setting('full_page_writes')")"
    [ "$durability" = "ononon" ] && break
    sleep 0.5
  done
  [ "$durability" = "ononon" ] ||
    die "postgres on 127.0.0.1:$port is not durable (fsync, synchronous_commit, full_page_writes: $durability)"
  export DATABASE_URL
  DATABASE_URL="$(local_database_url "$port")"
  log "postgres ok (durable: fsync, synchronous commit, full-page writes): $DATABASE_URL"
}

stop_postgres() {
  [ -d "$PG_STATE_DIR" ] || { log "no local postgres cluster"; return 0; }
  local base="$PG_STATE_DIR" bindir
  [ -L "$PG_STATE_DIR/base" ] && base="$(readlink -f "$PG_STATE_DIR/base")"
  [ -f "$base/data/PG_VERSION" ] || { log "no local postgres cluster"; return 0; }
  bindir="/usr/lib/postgresql/$(cat "$base/data/PG_VERSION")/bin"
  [ -x "$bindir/pg_ctl" ] || bindir="$(pg_bin_dir)"
  if pg_as_owner "$bindir/pg_ctl" -D "$base/data" status >/dev/null 2>&1; then
    log "stopping postgres ($base/data)"
    pg_as_owner "$bindir/pg_ctl" -D "$base/data" -m fast -w stop >/dev/null
  else
    log "postgres is not running"
  fi
}

# Deletes the cluster's data when it lives outside .dev (see pg_resolve_base).
clean_postgres_outside_dev() {
  [ -L "$PG_STATE_DIR/base" ] || return 0
  local base
  base="$(readlink -f "$PG_STATE_DIR/base")"
  case "$base" in
  /var/lib/postgresql/campaign-dev/*)
    log "removing $base"
    rm -rf "$base"
    ;;
  esac
}

postgres_status() {
  if [ -f "$PG_PORT_FILE" ]; then
    local port
    port="$(cat "$PG_PORT_FILE")"
    if port_in_use "$port"; then echo "postgres: running on 127.0.0.1:$port"; else echo "postgres: not running (port $port)"; fi
  else
    echo "postgres: no local cluster"
  fi
}
