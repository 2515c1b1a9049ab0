#!/usr/bin/env bash
# `make run`: set up the dev environment, build (`make build`, the build `make test`
# shares) and run the sandbox, the API and the worker in the foreground with
# prefixed output. Ctrl-C stops them; the Temporal dev server and the local
# Postgres keep running in the background (`make stop` stops those).
#
# Overridable: SANDBOX_ADDR (127.0.0.1:3001), API_ADDR (127.0.0.1:8080),
# WHATSAPP_PROVIDER (sandbox; `meta` for Meta's Cloud API, on the sandbox unless
# META_GRAPH_URL is set), WASSENGER_BASE_URL / WASSENGER_TOKEN (the sandbox
# and sandbox-token), WEBHOOK_SECRET (dev-webhook-secret), RUST_LOG (info), and
# every other variable the binaries read (SANDBOX_*, TASK_QUEUE, ...).
set -euo pipefail

# shellcheck source=scripts/dev-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/dev-env.sh"
cd "$DEV_ENV_ROOT"

dev_env_setup

SANDBOX_ADDR="${SANDBOX_ADDR:-127.0.0.1:3001}"
API_ADDR="${API_ADDR:-127.0.0.1:8080}"
export RUST_LOG="${RUST_LOG:-info}"
export WHATSAPP_PROVIDER="${WHATSAPP_PROVIDER:-sandbox}"
if [ "$WHATSAPP_PROVIDER" = sandbox ]; then
  export WASSENGER_BASE_URL="${WASSENGER_BASE_URL:-http://$SANDBOX_ADDR}"
  export WASSENGER_TOKEN="${WASSENGER_TOKEN:-sandbox-token}"
fi
# WHATSAPP_PROVIDER=meta with no META_GRAPH_URL: Meta's Cloud API as the sandbox speaks it, with
# the sandbox's own ids and secrets (no credentials needed). With META_GRAPH_URL set, every
# META_* variable is yours (docs/OPERATIONS.md, "Meta's Cloud API with a real business account").
if [ "$WHATSAPP_PROVIDER" = meta ] && [ -z "${META_GRAPH_URL:-}" ]; then
  export META_GRAPH_URL="http://$SANDBOX_ADDR"
  export META_GRAPH_VERSION="${META_GRAPH_VERSION:-v23.0}"
  export META_PHONE_NUMBER_ID="${META_PHONE_NUMBER_ID:-100000000000001}"
  export META_WABA_ID="${META_WABA_ID:-200000000000001}"
  export META_ACCESS_TOKEN="${META_ACCESS_TOKEN:-sandbox-meta-token}"
  export META_APP_SECRET="${META_APP_SECRET:-sandbox-app-secret}"
  export META_VERIFY_TOKEN="${META_VERIFY_TOKEN:-sandbox-verify-token}"
fi
export WEBHOOK_SECRET="${WEBHOOK_SECRET:-dev-webhook-secret}"
# The API's signing secret and first super admin: generated once per checkout and kept in
# .dev/ (secret_file), so tokens and the password survive restarts.
export JWT_SECRET="${JWT_SECRET:-$(secret_file jwt-secret)}"
export ADMIN_EMAIL="${ADMIN_EMAIL:-admin@example.com}"
if [ -z "${ADMIN_PASSWORD:-}" ]; then
  ADMIN_PASSWORD="$(secret_file admin-password)"
  admin_password_source=".dev/admin-password"
else
  admin_password_source="the ADMIN_PASSWORD variable"
fi
export ADMIN_PASSWORD

# --- build -------------------------------------------------------------------
log "make build"
make --no-print-directory build || die "cargo build failed"
"$DEV_ENV_ROOT/scripts/web.sh" build || die "building the console (web/) failed"
export CONSOLE_DIR="${CONSOLE_DIR:-$DEV_ENV_ROOT/web/dist}"

target_dir="${CARGO_TARGET_DIR:-$DEV_ENV_ROOT/target}"
case "$target_dir" in /*) ;; *) target_dir="$DEV_ENV_ROOT/$target_dir" ;; esac
bin_dir="$target_dir/release"
for b in wa-sandbox campaign-worker campaign-api; do
  [ -x "$bin_dir/$b" ] || die "expected binary $bin_dir/$b was not built"
done

# --- run -----------------------------------------------------------------------
addr_port() { echo "${1##*:}"; }
http_addrs=("$SANDBOX_ADDR" "$API_ADDR")
for a in "${http_addrs[@]}"; do
  if port_in_use "$(addr_port "$a")"; then
    die "port $(addr_port "$a") ($a) is already in use; is another 'make run' active? (override with SANDBOX_ADDR / API_ADDR)"
  fi
done

PIDS=()
NAMES=()
# start NAME COLOR CMD... : run CMD in the background, prefixing its output.
start() {
  local name=$1 color=$2
  shift 2
  local prefix
  prefix="$(printf '%-8s|' "$name")"
  if [ -t 1 ]; then prefix=$'\033['"${color}m${prefix}"$'\033[0m'; fi
  # The subshell execs into CMD, so $! is CMD's pid.
  (exec "$@") > >(sed -u "s/^/${prefix} /") 2>&1 &
  PIDS+=("$!")
  NAMES+=("$name")
}

STOPPING=0
stop_all() {
  [ "$STOPPING" -eq 1 ] && return 0
  STOPPING=1
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 1 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait "${PIDS[@]}" 2>/dev/null || true
  log "stopped. Temporal dev server and Postgres are still running in the background ('make stop' stops them)."
}
trap 'echo; log "Ctrl-C: stopping..."; stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

api_url="http://$API_ADDR"
webhook_url="$api_url/api/v1/webhooks/wassenger"

start sandbox 35 env SANDBOX_ADDR="$SANDBOX_ADDR" SANDBOX_WEBHOOK_URL="$webhook_url" \
  SANDBOX_META_WEBHOOK_URL="$api_url/api/v1/webhooks/meta" \
  SANDBOX_TOKEN="${SANDBOX_TOKEN:-${WASSENGER_TOKEN:-sandbox-token}}" "$bin_dir/wa-sandbox"
start api 32 env API_ADDR="$API_ADDR" "$bin_dir/campaign-api"
start worker 36 "$bin_dir/campaign-worker"

# Give the HTTP servers a moment so the banner is printed after their start-up logs.
for a in "${http_addrs[@]}"; do
  for _ in $(seq 1 50); do
    if port_in_use "$(addr_port "$a")"; then break; fi
    sleep 0.2
  done
done

cat >&2 <<EOF

  Campaign engine is running (Ctrl-C to stop):
    Temporal UI : ${TEMPORAL_UI_URL:-n/a}   (gRPC $TEMPORAL_ADDRESS, namespace $TEMPORAL_NAMESPACE)
    Sandbox     : http://$SANDBOX_ADDR
    Console     : $api_url/
    API         : $api_url/api/v1   (webhook $webhook_url)
    OpenAPI     : $api_url/api/v1/docs   (document: $api_url/api/v1/openapi.json)
    Admin login : $ADMIN_EMAIL, password in $admin_password_source (created when no user exists)
    Postgres    : $DATABASE_URL
  The Temporal dev server and Postgres keep running after Ctrl-C; 'make stop' stops them.

EOF

# Exit (stopping the others) as soon as any process exits.
set +e
wait -n "${PIDS[@]}"
status=$?
set -e
for i in "${!PIDS[@]}"; do
  if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
    warn "${NAMES[$i]} exited (status $status); stopping the others"
    break
  fi
done
stop_all
exit "$status"
