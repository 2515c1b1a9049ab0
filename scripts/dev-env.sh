#!/usr/bin/env bash
# Local development environment for the campaign engine.
#
# Provides (idempotently, fast when everything is already there):
#   * apt packages: protoc (protobuf-compiler + well-known types) and PostgreSQL
#   * a project-local Postgres cluster under .dev/pg on 127.0.0.1:<free port>
#     (skipped when DATABASE_URL points somewhere else)
#   * the Temporal CLI, built with `go install` into .tools/bin
#   * a Temporal dev server (SQLite file .dev/temporal.db) in the background,
#     with the CampaignId / JourneyState Keyword search attributes registered
#     (skipped when TEMPORAL_ADDRESS points somewhere else; search attributes
#     are still registered there)
# and writes the resulting variables to .dev/env (`source .dev/env`).
#
# Usage:
#   scripts/dev-env.sh [setup]   # set everything up, write .dev/env, print it
#   scripts/dev-env.sh stop      # stop the dev Temporal server and local Postgres
#   scripts/dev-env.sh status    # show what is running
#   scripts/dev-env.sh clean     # stop, then delete .dev (all local dev/test data)
#   scripts/dev-env.sh apt       # only install the apt packages (protoc, postgres)
#   source scripts/dev-env.sh    # from another bash script: defines the functions
#                                # (ensure_*, dev_env_setup, dev_env_stop, ...)
#
# Knobs (environment): DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
# TEMPORAL_CLI_VERSION (default v1.5.1), DEV_PG_DB (default campaigns).

set -euo pipefail

DEV_ENV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV_DIR="$DEV_ENV_ROOT/.dev"
TOOLS_BIN="$DEV_ENV_ROOT/.tools/bin"
# Two profiles share one durable Postgres cluster and differ in their Temporal dev server:
#   run  (`make run`):  .dev/temporal.*, SQLite synchronous=full: every commit syncs the log, so
#                       what the server acknowledged survives a power cut as well as a crash.
#   test (`make test`, benchmarks): .dev/test-temporal.*, synchronous=normal: survives a crash of
#                       the server (the chaos suite SIGKILLs one), may lose its last commits on a
#                       power cut. Test data is thrown away, and the 3,000-contact campaign
#                       test ran 1.7x as fast with it here (7.6 against 4.5 sends/s).
DEV_ENV_PROFILE="${DEV_ENV_PROFILE:-run}"
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"

# Sets the Temporal dev server's files, port and durability for profile $1.
select_profile() {
  case "$1" in
  run)
    TEMPORAL_STATE="$DEV_DIR/temporal"
    DEV_ENV_FILE="$DEV_DIR/env"
    TEMPORAL_SQLITE_SYNCHRONOUS=full
    TEMPORAL_DEFAULT_PORT=7233
    ;;
  test)
    TEMPORAL_STATE="$DEV_DIR/test-temporal"
    DEV_ENV_FILE="$DEV_DIR/test-env"
    TEMPORAL_SQLITE_SYNCHRONOUS=normal
    TEMPORAL_DEFAULT_PORT=7243
    ;;
  *)
    echo "DEV_ENV_PROFILE must be run or test, not $1" >&2
    exit 2
    ;;
  esac
  TEMPORAL_PID_FILE="$TEMPORAL_STATE.pid"
  TEMPORAL_LOG="$TEMPORAL_STATE.log"
  TEMPORAL_DB="$TEMPORAL_STATE.db"
  TEMPORAL_PORT_FILE="$TEMPORAL_STATE.port"
  TEMPORAL_UI_PORT_FILE="$TEMPORAL_STATE.ui-port"
}
select_profile "$DEV_ENV_PROFILE"
SEARCH_ATTRIBUTES=(CampaignId JourneyState) # all of type Keyword

PG_STATE_DIR="$DEV_DIR/pg"
PG_PORT_FILE="$PG_STATE_DIR/port"
PG_DB_NAME="${DEV_PG_DB:-campaigns}"

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

if [ -t 2 ]; then
  _C_INFO=$'\033[1;34m' _C_WARN=$'\033[1;33m' _C_ERR=$'\033[1;31m' _C_OFF=$'\033[0m'
else
  _C_INFO="" _C_WARN="" _C_ERR="" _C_OFF=""
fi
log() { printf '%s[dev-env]%s %s\n' "$_C_INFO" "$_C_OFF" "$*" >&2; }
warn() { printf '%s[dev-env] WARNING:%s %s\n' "$_C_WARN" "$_C_OFF" "$*" >&2; }
die() {
  printf '%s[dev-env] ERROR:%s %s\n' "$_C_ERR" "$_C_OFF" "$*" >&2
  exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command with root privileges (directly when root, else via sudo).
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' but not root and sudo is not installed"
  fi
}

# Is something accepting TCP connections on 127.0.0.1:$1 ?
port_in_use() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" >/dev/null 2>&1
}

# Print the first port >= $1 that nothing listens on (tries 200 ports).
find_free_port() {
  local port=$1 last=$(($1 + 200))
  while [ "$port" -le "$last" ]; do
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
    port=$((port + 1))
  done
  die "no free TCP port found in $1..$last on 127.0.0.1"
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Is $1 a live Temporal dev server process? (Guards against recycled pids.)
temporal_pid_alive() {
  pid_alive "${1:-}" || return 1
  [ -r "/proc/$1/cmdline" ] || return 0
  tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'server start-dev'
}

# ---------------------------------------------------------------------------
# apt packages
# ---------------------------------------------------------------------------

_APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found; please install these packages manually: $*"
  if [ "$_APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
      die "apt-get update failed"
    _APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" ||
    die "apt-get install $* failed"
}

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

# True when we manage the Postgres cluster ourselves (no foreign DATABASE_URL).
uses_local_postgres() {
  [ -z "${DATABASE_URL:-}" ] && return 0
  # A DATABASE_URL exported from an earlier `source .dev/env` is still ours.
  [ -f "$PG_PORT_FILE" ] && [ "$DATABASE_URL" = "$(local_database_url "$(cat "$PG_PORT_FILE")")" ]
}

local_database_url() { echo "postgres://postgres@127.0.0.1:$1/$PG_DB_NAME"; }

ensure_apt_packages() {
  local pkgs=()
  command -v protoc >/dev/null 2>&1 || pkgs+=(protobuf-compiler)
  # Well-known types (google/protobuf/*.proto) for protoc.
  [ -f /usr/include/google/protobuf/timestamp.proto ] || pkgs+=(libprotobuf-dev)
  if uses_local_postgres; then
    [ -n "$(pg_bin_dir)" ] || pkgs+=(postgresql)
  fi
  command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
  if [ "${#pkgs[@]}" -gt 0 ]; then
    apt_install "${pkgs[@]}"
  fi
  command -v protoc >/dev/null 2>&1 || die "protoc still missing after installing protobuf-compiler"
  log "apt packages ok (protoc: $(protoc --version))"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

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
  pg_as_owner tee "$PG_BASE/data/dev-env.conf" >/dev/null <<EOF
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
EOF
}

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
  local durability i
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

# ---------------------------------------------------------------------------
# Temporal CLI
# ---------------------------------------------------------------------------

ensure_temporal_cli() {
  if [ -x "$TOOLS_BIN/temporal" ]; then
    TEMPORAL_BIN="$TOOLS_BIN/temporal"
  elif command -v temporal >/dev/null 2>&1; then
    TEMPORAL_BIN="$(command -v temporal)"
  else
    command -v go >/dev/null 2>&1 ||
      die "the Temporal CLI is missing and Go is not installed (needed to build it)"
    log "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (takes several minutes on a cold cache)..."
    mkdir -p "$TOOLS_BIN"
    GOBIN="$TOOLS_BIN" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" ||
      die "go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION failed"
    TEMPORAL_BIN="$TOOLS_BIN/temporal"
  fi
  export TEMPORAL_BIN
  log "temporal CLI: $TEMPORAL_BIN"
}

# The CLI reads TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE/... from the environment;
# pass everything explicitly instead so a stale exported value cannot interfere.
tcli() {
  env -u TEMPORAL_ADDRESS -u TEMPORAL_NAMESPACE -u TEMPORAL_API_KEY -u TEMPORAL_ENV \
    "$TEMPORAL_BIN" --color never "$@"
}

temporal_healthy() {
  tcli operator cluster health --address "$1" --command-timeout 5s 2>/dev/null | grep -q SERVING &&
    tcli operator namespace describe --namespace "${TEMPORAL_NAMESPACE:-default}" \
      --address "$1" --command-timeout 5s >/dev/null 2>&1
}

temporal_register_search_attributes() {
  local address=$1 ns=${TEMPORAL_NAMESPACE:-default} existing name out i
  for i in $(seq 1 10); do
    if existing="$(tcli operator search-attribute list --address "$address" --namespace "$ns" \
      --command-timeout 10s 2>&1)"; then break; fi
    [ "$i" -eq 10 ] && die "cannot list search attributes on $address: $existing"
    sleep 1
  done
  for name in "${SEARCH_ATTRIBUTES[@]}"; do
    if grep -Eq "^[[:space:]]*${name}[[:space:]]+Keyword" <<<"$existing"; then continue; fi
    log "registering search attribute $name (Keyword)"
    if ! out="$(tcli operator search-attribute create --name "$name" --type Keyword \
      --address "$address" --namespace "$ns" --command-timeout 30s 2>&1)"; then
      grep -qi "already exists" <<<"$out" || die "registering search attribute $name failed: $out"
    fi
  done
  # Verify (the server may take a moment to reflect new attributes).
  for i in $(seq 1 30); do
    existing="$(tcli operator search-attribute list --address "$address" --namespace "$ns" \
      --command-timeout 10s 2>&1 || true)"
    local missing=""
    for name in "${SEARCH_ATTRIBUTES[@]}"; do
      grep -Eq "^[[:space:]]*${name}[[:space:]]+Keyword" <<<"$existing" || missing+=" $name"
    done
    [ -z "$missing" ] && { log "search attributes ok: ${SEARCH_ATTRIBUTES[*]} (Keyword)"; return 0; }
    sleep 1
  done
  die "search attributes missing after registration:$missing"
}

# Temporal server settings that the local address/ports resolve to.
uses_local_temporal() {
  [ -z "${TEMPORAL_ADDRESS:-}" ] && return 0
  [ -f "$TEMPORAL_PORT_FILE" ] && [ "$TEMPORAL_ADDRESS" = "127.0.0.1:$(cat "$TEMPORAL_PORT_FILE")" ]
}

stop_temporal_server() {
  local pid=""
  [ -f "$TEMPORAL_PID_FILE" ] && pid="$(cat "$TEMPORAL_PID_FILE")"
  if temporal_pid_alive "$pid"; then
    log "stopping Temporal dev server (pid $pid)"
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 30); do
      temporal_pid_alive "$pid" || break
      sleep 0.5
    done
    if temporal_pid_alive "$pid"; then
      warn "Temporal dev server did not exit; sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
  else
    log "Temporal dev server is not running"
  fi
  rm -f "$TEMPORAL_PID_FILE"
}

ensure_temporal_server() {
  export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
  mkdir -p "$DEV_DIR"

  if ! uses_local_temporal; then
    log "TEMPORAL_ADDRESS is set; using $TEMPORAL_ADDRESS instead of a local dev server"
    temporal_healthy "$TEMPORAL_ADDRESS" ||
      die "Temporal at $TEMPORAL_ADDRESS is not healthy (or namespace $TEMPORAL_NAMESPACE is missing)"
    temporal_register_search_attributes "$TEMPORAL_ADDRESS"
    export TEMPORAL_UI_URL="${TEMPORAL_UI_URL:-}"
    return 0
  fi

  local port ui_port pid=""
  port="$(cat "$TEMPORAL_PORT_FILE" 2>/dev/null || echo "$TEMPORAL_DEFAULT_PORT")"
  ui_port="$(cat "$TEMPORAL_UI_PORT_FILE" 2>/dev/null || echo $((port + 1000)))"
  [ -f "$TEMPORAL_PID_FILE" ] && pid="$(cat "$TEMPORAL_PID_FILE")"

  if temporal_pid_alive "$pid" && ! tr '\0' ' ' <"/proc/$pid/cmdline" |
    grep -q "synchronous=$TEMPORAL_SQLITE_SYNCHRONOUS"; then
    log "Temporal dev server (pid $pid) runs with other SQLite durability settings; restarting it"
    stop_temporal_server
    pid=""
  fi
  if temporal_healthy "127.0.0.1:$port"; then
    log "Temporal already answering on 127.0.0.1:$port"
  else
    if temporal_pid_alive "$pid"; then
      # Our server process exists but does not answer: maybe still starting.
      local i
      for i in $(seq 1 20); do
        temporal_healthy "127.0.0.1:$port" && break
        sleep 1
      done
      if ! temporal_healthy "127.0.0.1:$port"; then
        warn "Temporal dev server (pid $pid) is not answering; restarting it"
        stop_temporal_server
      fi
    fi
  fi

  if ! temporal_healthy "127.0.0.1:$port"; then
    rm -f "$TEMPORAL_PID_FILE"
    port=$TEMPORAL_DEFAULT_PORT
    if port_in_use "$port"; then port="$(find_free_port $((TEMPORAL_DEFAULT_PORT + 10000)))"; fi
    ui_port=$((TEMPORAL_DEFAULT_PORT + 1000))
    if port_in_use "$ui_port"; then ui_port="$(find_free_port $((TEMPORAL_DEFAULT_PORT + 11000)))"; fi
    if [ "$ui_port" = "$port" ]; then ui_port="$(find_free_port $((port + 1)))"; fi
    local sa_flags=() name
    for name in "${SEARCH_ATTRIBUTES[@]}"; do sa_flags+=(--search-attribute "$name=Keyword"); done
    log "starting Temporal dev server on 127.0.0.1:$port (UI :$ui_port, db $TEMPORAL_DB, log $TEMPORAL_LOG)"
    # setsid -f: detached in its own session (not a child of this shell, so
    # Ctrl-C in the terminal that started it, e.g. during `make run`, does not
    # stop it and no `wait` blocks on it). The exec'd bash records its own pid,
    # which the server process keeps.
    (
      cd "$DEV_DIR"
      exec setsid -f env -u TEMPORAL_ADDRESS -u TEMPORAL_NAMESPACE \
        bash -c 'echo $$ >"$0"; exec "$@"' "$TEMPORAL_PID_FILE" \
        "$TEMPORAL_BIN" server start-dev \
        --db-filename "$TEMPORAL_DB" --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" \
        --namespace "$TEMPORAL_NAMESPACE" "${sa_flags[@]}" --color never \
        --sqlite-pragma journal_mode=wal --sqlite-pragma "synchronous=$TEMPORAL_SQLITE_SYNCHRONOUS"
    ) </dev/null >>"$TEMPORAL_LOG" 2>&1 || die "could not launch the Temporal dev server"
    echo "$port" >"$TEMPORAL_PORT_FILE"
    echo "$ui_port" >"$TEMPORAL_UI_PORT_FILE"
    local i
    for i in $(seq 1 50); do
      [ -s "$TEMPORAL_PID_FILE" ] && break
      sleep 0.1
    done
    pid="$(cat "$TEMPORAL_PID_FILE" 2>/dev/null || true)"
    [ -n "$pid" ] || die "Temporal dev server did not start; see $TEMPORAL_LOG"
    for i in $(seq 1 120); do
      temporal_healthy "127.0.0.1:$port" && break
      pid_alive "$pid" || die "Temporal dev server exited during start-up; last log lines:
$(tail -n 20 "$TEMPORAL_LOG")"
      [ "$i" -eq 120 ] && die "Temporal dev server not ready after 120s; see $TEMPORAL_LOG"
      sleep 1
    done
    log "Temporal dev server ready (pid $pid)"
  fi

  temporal_register_search_attributes "127.0.0.1:$port"
  export TEMPORAL_ADDRESS="127.0.0.1:$port"
  export TEMPORAL_UI_URL="http://127.0.0.1:$ui_port"
}

# ---------------------------------------------------------------------------
# glue
# ---------------------------------------------------------------------------

write_env_file() {
  mkdir -p "$DEV_DIR"
  local tmp="$DEV_ENV_FILE.tmp.$$"
  {
    echo "# Generated by scripts/dev-env.sh -- do not edit; re-run 'make dev-env' instead."
    printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
    printf 'export TEMPORAL_ADDRESS=%q\n' "$TEMPORAL_ADDRESS"
    printf 'export TEMPORAL_NAMESPACE=%q\n' "$TEMPORAL_NAMESPACE"
    printf 'export TEMPORAL_UI_URL=%q\n' "${TEMPORAL_UI_URL:-}"
    printf 'export TEMPORAL_BIN=%q\n' "$TEMPORAL_BIN"
    printf 'case ":$PATH:" in *:%q:*) ;; *) export PATH=%q:"$PATH" ;; esac\n' "$TOOLS_BIN" "$TOOLS_BIN"
  } >"$tmp"
  mv "$tmp" "$DEV_ENV_FILE"
}

dev_env_setup() {
  local start=$SECONDS
  mkdir -p "$DEV_DIR"
  # Serialise concurrent set-ups (two `make test` at once); released before
  # returning so the lock is not inherited by the command that runs afterwards.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$DEV_DIR/.setup.lock"
    flock -w 900 9 || die "timed out waiting for another dev-env set-up ($DEV_DIR/.setup.lock)"
  fi
  ensure_apt_packages
  ensure_postgres
  ensure_temporal_cli
  ensure_temporal_server
  write_env_file
  if command -v flock >/dev/null 2>&1; then
    flock -u 9
    exec 9>&-
  fi
  log "environment ready in $((SECONDS - start))s -> $DEV_ENV_FILE"
}

dev_env_stop() {
  local profile
  for profile in run test; do
    select_profile "$profile"
    stop_temporal_server
  done
  select_profile "$DEV_ENV_PROFILE"
  stop_postgres
}

# Stop everything and delete all local state (Postgres cluster, Temporal history).
dev_env_clean() {
  dev_env_stop
  if [ -L "$PG_STATE_DIR/base" ]; then
    local base
    base="$(readlink -f "$PG_STATE_DIR/base")"
    case "$base" in
    /var/lib/postgresql/campaign-dev/*) log "removing $base"; rm -rf "$base" ;;
    esac
  fi
  log "removing $DEV_DIR"
  rm -rf "$DEV_DIR"
}

dev_env_status() {
  local pid port profile
  for profile in run test; do
    select_profile "$profile"
    pid=""
    [ -f "$TEMPORAL_PID_FILE" ] && pid="$(cat "$TEMPORAL_PID_FILE")"
    if temporal_pid_alive "$pid"; then
      echo "temporal ($profile, SQLite $(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o 'synchronous=[a-z]*' || echo 'synchronous=default')): running (pid $pid) on 127.0.0.1:$(cat "$TEMPORAL_PORT_FILE"), UI http://127.0.0.1:$(cat "$TEMPORAL_UI_PORT_FILE")"
    else
      echo "temporal ($profile): not running"
    fi
  done
  select_profile "$DEV_ENV_PROFILE"
  if [ -f "$PG_PORT_FILE" ]; then
    port="$(cat "$PG_PORT_FILE")"
    if port_in_use "$port"; then echo "postgres: running on 127.0.0.1:$port"; else echo "postgres: not running (port $port)"; fi
  else
    echo "postgres: no local cluster"
  fi
  [ -f "$DEV_ENV_FILE" ] && { echo "--- $DEV_ENV_FILE"; cat "$DEV_ENV_FILE"; }
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-setup}" in
  setup)
    dev_env_setup
    cat "$DEV_ENV_FILE"
    ;;
  apt) ensure_apt_packages ;;
  stop) dev_env_stop ;;
  clean) dev_env_clean ;;
  status) dev_env_status ;;
  *) die "usage: $0 [setup|stop|status|clean|apt]" ;;
  esac
fi
