#!/bin/sh
# One-shot (temporalio/admin-tools): create/upgrade Temporal's Postgres schemas.
# Idempotent: on an existing database `update-schema` succeeds (no-op or
# upgrade); on a fresh one it fails and the initial setup runs first.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

echo "waiting for postgres at ${POSTGRES_SEEDS}:${DB_PORT}..."
i=0
until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do
  i=$((i + 1))
  [ "$i" -lt 60 ] || { echo "postgres not reachable"; exit 1; }
  sleep 1
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

setup_db() { # setup_db DB_NAME SCHEMA_SUBDIR
  sql_tool --db "$1" create
  if ! sql_tool --db "$1" update-schema -d "$SCHEMA_ROOT/$2/versioned"; then
    echo "initialising schema of $1"
    sql_tool --db "$1" setup-schema -v 0.0
    sql_tool --db "$1" update-schema -d "$SCHEMA_ROOT/$2/versioned"
  fi
}

setup_db temporal temporal
setup_db temporal_visibility visibility
echo "temporal schemas ready"
