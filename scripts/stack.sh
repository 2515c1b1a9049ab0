#!/usr/bin/env bash
# `make stack`: the engine in a production shape on one machine, in the background. Temporal's
# full server (v1.29.1, scripts/temporal-postgres.sh) on the local Postgres cluster, the sandbox
# provider, two API processes and three worker processes, all the release binaries of `make build`.
#
#   scripts/stack.sh up       # build, start what is not running, print the addresses
#   scripts/stack.sh down     # stop the engine's processes and the Temporal server
#   scripts/stack.sh status   # each process: pid and whether it is alive or serving
#
# The two APIs are two ports, no balancer in front: either serves every route, and the sandbox
# delivers its webhooks to API 1. Nothing restarts a process that dies (a process manager does in
# production): `status` shows it, `up` starts it again. The engine's data is the `campaigns_stack`
# database of the test profile's cluster; pids and logs are in .dev/stack/.
#
# Overridable: STACK_SANDBOX_PORT (3101), STACK_API_PORTS ("8181 8182"), STACK_WORKERS (3),
# RUST_LOG (info), WEBHOOK_SECRET, ADMIN_EMAIL / ADMIN_PASSWORD (defaults as `make run`'s).
set -euo pipefail

export DEV_ENV_PROFILE=test DEV_PG_DB=campaigns_stack
# shellcheck source=scripts/dev-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/dev-env.sh"
cd "$DEV_ENV_ROOT"

STACK_DIR="$DEV_DIR/stack"
# The defaults are the stack's shape, which docker-compose.temporal.yml follows (tests/tests/compose.rs).
SANDBOX_PORT="${STACK_SANDBOX_PORT:-3101}"
STACK_API_PORTS="${STACK_API_PORTS:-8181 8182}"
read -r -a API_PORTS <<<"$STACK_API_PORTS"
STACK_WORKERS="${STACK_WORKERS:-3}"
WORKERS=$STACK_WORKERS
# How long an API may take to answer after its start (it applies the migrations first).
API_START_SECS=60

target_dir="${CARGO_TARGET_DIR:-$DEV_ENV_ROOT/target}"
case "$target_dir" in /*) ;; *) target_dir="$DEV_ENV_ROOT/$target_dir" ;; esac
BIN_DIR="$target_dir/release"

process_names() {
  local i
  echo sandbox
  for i in "${!API_PORTS[@]}"; do echo "api-$((i + 1))"; done
  for i in $(seq 1 "$WORKERS"); do echo "worker-$i"; done
}

pid_of() { cat "$STACK_DIR/$1.pid" 2>/dev/null || true; }

# The HTTP port of NAME; none for a worker.
port_of() {
  case "$1" in
  sandbox) echo "$SANDBOX_PORT" ;;
  api-*) echo "${API_PORTS[${1#api-} - 1]}" ;;
  esac
}

# launch NAME PROGRAM [VAR=VALUE...]: detached from this shell (it outlives `up`), output
# appended to NAME.log, pid in NAME.pid; does nothing when NAME is alive.
launch() {
  local name=$1 program=$2
  shift 2
  if pid_alive "$(pid_of "$name")"; then
    log "$name already running (pid $(pid_of "$name"))"
    return 0
  fi
  (
    # shellcheck disable=SC2016 # $$ and $@ are for the inner bash
    exec setsid -f env "$@" bash -c 'echo $$ >"$0"; exec "$1"' "$STACK_DIR/$name.pid" "$program"
  ) </dev/null >>"$STACK_DIR/$name.log" 2>&1 || die "could not launch $name"
  local i
  for i in $(seq 1 50); do
    [ -s "$STACK_DIR/$name.pid" ] && break
    sleep 0.1
  done
  log "$name started (pid $(pid_of "$name"), log .dev/stack/$name.log)"
}

wait_for_http() { # wait_for_http NAME URL
  local i
  for i in $(seq 1 $((API_START_SECS * 5))); do
    curl -fsS -o /dev/null "$2" 2>/dev/null && return 0
    pid_alive "$(pid_of "$1")" || die "$1 exited; see .dev/stack/$1.log"
    sleep 0.2
  done
  die "$1 does not answer on $2 after ${API_START_SECS}s; see .dev/stack/$1.log"
}

up() {
  local temporal_address api_port name i
  make --no-print-directory build || die "cargo build failed"
  for name in wa-sandbox campaign-api campaign-worker; do
    [ -x "$BIN_DIR/$name" ] || die "expected binary $BIN_DIR/$name was not built"
  done
  temporal_address="$("$DEV_ENV_ROOT/scripts/temporal-postgres.sh" start | sed -n 's/^TEMPORAL_ADDRESS=//p')"
  [ -n "$temporal_address" ] || die "scripts/temporal-postgres.sh start printed no address"
  ensure_postgres
  mkdir -p "$STACK_DIR"
  for name in $(process_names); do
    pid_alive "$(pid_of "$name")" && continue
    if [ -n "$(port_of "$name")" ] && port_in_use "$(port_of "$name")"; then
      die "port $(port_of "$name") of $name is taken by another process (STACK_SANDBOX_PORT, STACK_API_PORTS)"
    fi
  done

  local api_1="http://127.0.0.1:${API_PORTS[0]}"
  local common=(
    RUST_LOG="${RUST_LOG:-info}" DATABASE_URL="$DATABASE_URL"
    TEMPORAL_ADDRESS="$temporal_address" TEMPORAL_NAMESPACE=default
    WHATSAPP_PROVIDER=sandbox WASSENGER_BASE_URL="http://127.0.0.1:$SANDBOX_PORT"
    WASSENGER_TOKEN=sandbox-token
  )
  local webhook_secret="${WEBHOOK_SECRET:-dev-webhook-secret}" admin_password password_source
  if [ -n "${ADMIN_PASSWORD:-}" ]; then
    admin_password=$ADMIN_PASSWORD password_source="the ADMIN_PASSWORD variable"
  else
    admin_password="$(secret_file admin-password)" password_source=.dev/admin-password
  fi
  launch sandbox "$BIN_DIR/wa-sandbox" RUST_LOG="${RUST_LOG:-info}" \
    SANDBOX_ADDR="127.0.0.1:$SANDBOX_PORT" SANDBOX_TOKEN=sandbox-token \
    SANDBOX_WEBHOOK_URL="$api_1/api/v1/webhooks/wassenger" WEBHOOK_SECRET="$webhook_secret"
  for i in "${!API_PORTS[@]}"; do
    api_port=${API_PORTS[$i]}
    # The console is served when it was built (`make run` or `scripts/web.sh build`).
    launch "api-$((i + 1))" "$BIN_DIR/campaign-api" "${common[@]}" \
      API_ADDR="127.0.0.1:$api_port" JWT_SECRET="$(secret_file jwt-secret)" \
      WEBHOOK_SECRET="$webhook_secret" ADMIN_EMAIL="${ADMIN_EMAIL:-admin@example.com}" \
      ADMIN_PASSWORD="$admin_password" CONSOLE_DIR="$(ls -d "$DEV_ENV_ROOT/web/dist" 2>/dev/null || true)"
    # One at a time: both would apply the migrations at once on a new database.
    wait_for_http "api-$((i + 1))" "http://127.0.0.1:$api_port/api/v1/health"
  done
  for i in $(seq 1 "$WORKERS"); do
    launch "worker-$i" "$BIN_DIR/campaign-worker" "${common[@]}" WORKER_IDENTITY="stack-worker-$i"
  done
  wait_for_http sandbox "http://127.0.0.1:$SANDBOX_PORT/sandbox/messages"

  cat >&2 <<EOF

  Production-shaped stack is up ('make stack-down' stops it; pids and logs in .dev/stack/):
    Temporal : $temporal_address, namespace default (full server, Postgres; scripts/temporal-postgres.sh)
$(for i in "${!API_PORTS[@]}"; do
    printf '    API %d    : http://127.0.0.1:%s/api/v1   (console http://127.0.0.1:%s/)\n' \
      $((i + 1)) "${API_PORTS[$i]}" "${API_PORTS[$i]}"
  done)
    Workers  : $WORKERS processes (worker-1 .. worker-$WORKERS), task queues shared
    Sandbox  : http://127.0.0.1:$SANDBOX_PORT   (webhooks to API 1)
    Postgres : $DATABASE_URL
    Admin    : ${ADMIN_EMAIL:-admin@example.com}, password in $password_source

EOF
}

down() {
  local name pid i
  for name in $(process_names); do
    pid="$(pid_of "$name")"
    pid_alive "$pid" && kill -TERM "$pid"
  done
  for name in $(process_names); do
    pid="$(pid_of "$name")"
    for i in $(seq 1 50); do
      pid_alive "$pid" || break
      sleep 0.2
    done
    pid_alive "$pid" && kill -KILL "$pid"
    rm -f "$STACK_DIR/$name.pid"
  done
  "$DEV_ENV_ROOT/scripts/temporal-postgres.sh" stop
  log "stack stopped (the Postgres cluster keeps running; 'make stop' stops it)"
}

status() {
  local name pid state
  "$DEV_ENV_ROOT/scripts/temporal-postgres.sh" status
  for name in $(process_names); do
    pid="$(pid_of "$name")"
    state="not running"
    if pid_alive "$pid"; then
      state="running (pid $pid)"
      if [ -n "$(port_of "$name")" ] && port_in_use "$(port_of "$name")"; then
        state="$state, listening on 127.0.0.1:$(port_of "$name")"
      fi
    fi
    printf '%-9s %s\n' "$name" "$state"
  done
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) die "usage: $0 up|down|status" ;;
esac
