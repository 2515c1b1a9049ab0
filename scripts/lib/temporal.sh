# shellcheck shell=bash
# The Temporal CLI (built into .tools/bin) and the profile's Temporal dev server.
# Sourced by scripts/dev-env.sh after lib/common.sh; needs DEV_ENV_ROOT, DEV_DIR,
# TOOLS_BIN and the profile's TEMPORAL_* settings (select_profile in dev-env.sh).

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
REGISTER_SEARCH_ATTRIBUTES="$DEV_ENV_ROOT/scripts/register-search-attributes.sh"

# Dynamic configuration of the dev server, tuned for one process on a small machine (issue
# "engine throughput"; measured in docs/PERFORMANCE.md):
# - the CLI sets forceSearchAttributesCacheRefreshOnRead=true, which re-reads cluster metadata
#   on every search attribute write; the attributes are registered before any workflow runs;
# - one task queue partition instead of four: there is one matching process, and partitions only
#   add forwarding between themselves (capped at 10/s);
# - eager activity execution: an activity scheduled on the workflow's own queue is handed back
#   with the workflow task's completion instead of going through matching.
TEMPORAL_DYNAMIC_CONFIG=(
  system.forceSearchAttributesCacheRefreshOnRead=false
  matching.numTaskqueueReadPartitions=1
  matching.numTaskqueueWritePartitions=1
  system.enableActivityEagerExecution=true
)

# The server's Go garbage collector: at the default (GOGC=100) it took about a third of the dev
# server's CPU during the fan-out benchmark (perf, docs/PERFORMANCE.md "Engine throughput").
# Collecting at four times the live heap instead trades a few hundred MB of memory for that CPU.
TEMPORAL_GOGC=400

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
  TEMPORAL_BIN="$TEMPORAL_BIN" sh "$REGISTER_SEARCH_ATTRIBUTES" "$1" "${TEMPORAL_NAMESPACE:-default}" ||
    die "search attributes are not registered on $1"
}

# Is $1 a live Temporal dev server process? (Guards against recycled pids.)
temporal_pid_alive() {
  pid_alive "${1:-}" || return 1
  [ -r "/proc/$1/cmdline" ] || return 0
  tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'server start-dev'
}

# True unless TEMPORAL_ADDRESS points at a server other than our dev server.
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

# Starts (or reuses) the profile's dev server, registers the search attributes
# and exports TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_UI_URL. With a
# foreign TEMPORAL_ADDRESS only checks it and registers the attributes there.
# Whether the server process $1 was started with every one of the settings that follow.
temporal_runs_with() {
  local cmdline setting
  cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline")"
  shift
  for setting in "$@"; do
    case "$cmdline" in *"$setting"*) ;; *) return 1 ;; esac
  done
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

  local port ui_port pid="" i
  port="$(cat "$TEMPORAL_PORT_FILE" 2>/dev/null || echo "$TEMPORAL_DEFAULT_PORT")"
  ui_port="$(cat "$TEMPORAL_UI_PORT_FILE" 2>/dev/null || echo $((port + 1000)))"
  [ -f "$TEMPORAL_PID_FILE" ] && pid="$(cat "$TEMPORAL_PID_FILE")"

  if temporal_pid_alive "$pid" && ! { temporal_runs_with "$pid" "synchronous=$TEMPORAL_SQLITE_SYNCHRONOUS" "${TEMPORAL_DYNAMIC_CONFIG[@]}" &&
    tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "GOGC=$TEMPORAL_GOGC"; }; then
    log "Temporal dev server (pid $pid) runs with other settings; restarting it"
    stop_temporal_server
    pid=""
  fi
  if temporal_healthy "127.0.0.1:$port"; then
    log "Temporal already answering on 127.0.0.1:$port"
  elif temporal_pid_alive "$pid"; then
    # Our server process exists but does not answer: maybe still starting.
    for i in $(seq 1 20); do
      temporal_healthy "127.0.0.1:$port" && break
      sleep 1
    done
    if ! temporal_healthy "127.0.0.1:$port"; then
      warn "Temporal dev server (pid $pid) is not answering; restarting it"
      stop_temporal_server
    fi
  fi

  if ! temporal_healthy "127.0.0.1:$port"; then
    rm -f "$TEMPORAL_PID_FILE"
    port=$TEMPORAL_DEFAULT_PORT
    if port_in_use "$port"; then port="$(find_free_port $((TEMPORAL_DEFAULT_PORT + 10000)))"; fi
    ui_port=$((TEMPORAL_DEFAULT_PORT + 1000))
    if port_in_use "$ui_port"; then ui_port="$(find_free_port $((TEMPORAL_DEFAULT_PORT + 11000)))"; fi
    if [ "$ui_port" = "$port" ]; then ui_port="$(find_free_port $((port + 1)))"; fi
    # A new server is born with the attributes (names from the registering script), so the
    # first workflows never race the namespace caches; the script still checks them below.
    local sa_flags=() dc_flags=() name setting
    for setting in "${TEMPORAL_DYNAMIC_CONFIG[@]}"; do
      dc_flags+=(--dynamic-config-value "$setting")
    done
    for name in $(sh "$REGISTER_SEARCH_ATTRIBUTES" --names); do
      sa_flags+=(--search-attribute "$name=Keyword")
    done
    log "starting Temporal dev server on 127.0.0.1:$port (UI :$ui_port, db $TEMPORAL_DB, log $TEMPORAL_LOG)"
    # setsid -f: detached in its own session (not a child of this shell, so
    # Ctrl-C in the terminal that started it, e.g. during `make run`, does not
    # stop it and no `wait` blocks on it). The exec'd bash records its own pid,
    # which the server process keeps.
    (
      cd "$DEV_DIR"
      # shellcheck disable=SC2016 # $$ and $@ are for the inner bash
      exec setsid -f env -u TEMPORAL_ADDRESS -u TEMPORAL_NAMESPACE GOGC="$TEMPORAL_GOGC" \
        bash -c 'echo $$ >"$0"; exec "$@"' "$TEMPORAL_PID_FILE" \
        "$TEMPORAL_BIN" server start-dev \
        --db-filename "$TEMPORAL_DB" --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" \
        --namespace "$TEMPORAL_NAMESPACE" "${sa_flags[@]}" "${dc_flags[@]}" --color never \
        --sqlite-pragma journal_mode=wal --sqlite-pragma "synchronous=$TEMPORAL_SQLITE_SYNCHRONOUS"
    ) </dev/null >>"$TEMPORAL_LOG" 2>&1 || die "could not launch the Temporal dev server"
    echo "$port" >"$TEMPORAL_PORT_FILE"
    echo "$ui_port" >"$TEMPORAL_UI_PORT_FILE"
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

# One status line for the selected profile's dev server.
temporal_status() {
  local pid=""
  [ -f "$TEMPORAL_PID_FILE" ] && pid="$(cat "$TEMPORAL_PID_FILE")"
  if temporal_pid_alive "$pid"; then
    echo "temporal ($SELECTED_PROFILE, SQLite $(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o 'synchronous=[a-z]*' || echo 'synchronous=default')): running (pid $pid) on 127.0.0.1:$(cat "$TEMPORAL_PORT_FILE"), UI http://127.0.0.1:$(cat "$TEMPORAL_UI_PORT_FILE")"
  else
    echo "temporal ($SELECTED_PROFILE): not running"
  fi
}
