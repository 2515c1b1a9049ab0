#!/usr/bin/env bash
# Refreshes .sqlx/, the query descriptions the store's compile-time checked queries are built
# from when no database is at hand (store/.env sets SQLX_OFFLINE=true): creates a scratch database
# on the dev Postgres, applies migrations/ to it, recompiles the store against it with
# SQLX_OFFLINE_DIR set (sqlx-macros then writes one query-*.json per query), swaps the new
# files in and drops the scratch database. Run it after changing a query or a migration:
#
#   scripts/sqlx-prepare.sh          (sets up the dev environment itself)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${DATABASE_URL:-}" ]; then
    exec "$root/scripts/with-dev-env.sh" "$root/scripts/sqlx-prepare.sh" "$@"
fi
cd "$root"

scratch="sqlx_prepare_$$"
server_url="${DATABASE_URL%/*}"
scratch_url="$server_url/$scratch"
generated="$(mktemp -d)"
cleanup() {
    psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $scratch" >/dev/null || true
    rm -rf "$generated"
}
trap cleanup EXIT

psql -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "CREATE DATABASE $scratch" >/dev/null
for migration in migrations/*.sql; do
    psql -q -v ON_ERROR_STOP=1 "$scratch_url" -f "$migration" >/dev/null
done

# The macros run again only when the crate recompiles.
touch store/src/*.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$generated" DATABASE_URL="$scratch_url" \
    cargo check -p campaign-store --all-targets --quiet

mkdir -p .sqlx
rm -f .sqlx/query-*.json
cp "$generated"/query-*.json .sqlx/
echo "[sqlx-prepare] $(ls .sqlx | wc -l) queries described in .sqlx/"
