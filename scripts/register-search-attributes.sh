#!/bin/sh
# Registers the campaign engine's custom search attributes, all of type Keyword,
# in a Temporal namespace. The one place that lists and registers them: used by
# scripts/lib/temporal.sh (dev servers) and docker-compose.temporal.yml.
# Idempotent; needs only the `temporal` CLI ($TEMPORAL_BIN, else on PATH).
#
#   scripts/register-search-attributes.sh [ADDRESS [NAMESPACE]]
#   scripts/register-search-attributes.sh --names   # print the names, one a line
#
# ADDRESS defaults to $TEMPORAL_ADDRESS, else 127.0.0.1:7233; NAMESPACE to
# $TEMPORAL_NAMESPACE, else default.
set -eu

# The keys workflows/src/protocol.rs declares (SearchAttributeKey::keyword).
NAMES="CampaignId JourneyState"

if [ "${1:-}" = --names ]; then
  for name in $NAMES; do echo "$name"; done
  exit 0
fi

address="${1:-${TEMPORAL_ADDRESS:-127.0.0.1:7233}}"
namespace="${2:-${TEMPORAL_NAMESPACE:-default}}"
cli="${TEMPORAL_BIN:-temporal}"
# The CLI reads these too; everything is passed explicitly so a stale export cannot interfere.
unset TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_API_KEY TEMPORAL_ENV

say() { echo "[search-attributes] $*" >&2; }

sa() { # sa SUBCOMMAND ARGS...: temporal operator search-attribute on $address/$namespace
  sub=$1
  shift
  "$cli" --color never operator search-attribute "$sub" \
    --address "$address" --namespace "$namespace" "$@"
}

has() { # has NAME LISTING
  printf '%s\n' "$2" | grep -Eq "^[[:space:]]*$1[[:space:]]+Keyword([[:space:]]|\$)"
}

# The server may still be starting: retry the first listing.
tries=0
until listing="$(sa list --command-timeout 10s 2>&1)"; do
  tries=$((tries + 1))
  [ "$tries" -lt 30 ] || { say "cannot list search attributes on $address: $listing"; exit 1; }
  sleep 1
done

for name in $NAMES; do
  has "$name" "$listing" && continue
  say "registering $name (Keyword) in namespace $namespace on $address"
  tries=0
  # A namespace created a moment ago may not accept it yet: retry.
  until out="$(sa create --name "$name" --type Keyword --command-timeout 30s 2>&1)"; do
    printf '%s\n' "$out" | grep -qi 'already exists' && break
    tries=$((tries + 1))
    [ "$tries" -lt 10 ] || { say "registering $name failed: $out"; exit 1; }
    sleep 2
  done
done

# New attributes take a moment to show in the listing.
tries=0
while :; do
  listing="$(sa list --command-timeout 10s 2>&1 || true)"
  missing=""
  for name in $NAMES; do has "$name" "$listing" || missing="$missing $name"; done
  [ -z "$missing" ] && break
  tries=$((tries + 1))
  [ "$tries" -lt 30 ] || { say "still missing after registration:$missing"; exit 1; }
  sleep 1
done
say "ok: $NAMES (Keyword) in namespace $namespace on $address"
