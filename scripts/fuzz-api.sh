#!/usr/bin/env bash
# Fuzzes the API against its own OpenAPI document with schemathesis (`pip install schemathesis`):
# every request the document calls valid must be accepted and every other one refused, no
# answer may be a 5xx, every status and body must be documented.
#
#   scripts/fuzz-api.sh [extra `st run` arguments, e.g. --max-examples 300]
#
# The fuzzer creates, changes and deletes records at random with a super admin's token (users
# included), so it never runs on the data of `make run`: the stack (scripts/run.sh) starts on a
# scratch database of the test profile's Postgres and on ports of its own, and the database is
# dropped afterwards. Its settings are in scripts/schemathesis.toml.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v st >/dev/null || {
    echo "schemathesis is not installed: pip install schemathesis" >&2
    exit 1
}
if [ -z "${DATABASE_URL:-}" ]; then
    exec env DEV_ENV_PROFILE=test "$root/scripts/with-dev-env.sh" "$root/scripts/fuzz-api.sh" "$@"
fi
source "$root/scripts/dev-env.sh"

scratch="fuzz_api_$$"
api_port="$(find_free_port 18080)"
sandbox_port="$(find_free_port 13001)"
log_file="$(mktemp)"
stack_pid=""
cleanup() {
    if [ -n "$stack_pid" ]; then
        kill -TERM "$stack_pid" 2>/dev/null || true
        wait "$stack_pid" 2>/dev/null || true
    fi
    psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null || true
    rm -f "$log_file"
    # run.sh wrote the scratch database into the profile's env file: write it back.
    env -u DATABASE_URL "$root/scripts/dev-env.sh" setup >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Build first, so the wait below is the stack's start-up, not a compilation.
log "make build"
make --no-print-directory -C "$root" build || die "cargo build failed"
"$root/scripts/web.sh" build || die "building the console (web/) failed"

psql -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "CREATE DATABASE $scratch" >/dev/null
export ADMIN_EMAIL="fuzz-admin@example.com"
ADMIN_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export ADMIN_PASSWORD
DATABASE_URL="${DATABASE_URL%/*}/$scratch" API_ADDR="127.0.0.1:$api_port" \
    SANDBOX_ADDR="127.0.0.1:$sandbox_port" "$root/scripts/run.sh" >"$log_file" 2>&1 &
stack_pid=$!

api="http://127.0.0.1:$api_port"
for _ in $(seq 1 600); do
    curl -fs "$api/api/v1/health" >/dev/null 2>&1 && break
    kill -0 "$stack_pid" 2>/dev/null || { cat "$log_file" >&2; die "the stack did not start"; }
    sleep 0.5
done
curl -fs "$api/api/v1/health" >/dev/null 2>&1 || { cat "$log_file" >&2; die "the API did not answer in 300 s"; }
token="$(curl -fs -X POST "$api/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\": \"$ADMIN_EMAIL\", \"password\": \"$ADMIN_PASSWORD\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

log "st run $api/api/v1/openapi.json --checks all $*"
st --config-file "$root/scripts/schemathesis.toml" run "$api/api/v1/openapi.json" --checks all -H "Authorization: Bearer $token" "$@"
