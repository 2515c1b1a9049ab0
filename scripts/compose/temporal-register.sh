#!/bin/sh
# One-shot (temporalio/admin-tools): wait for the Temporal server, make sure the
# namespace exists, then register the search attributes with the script the dev
# environment uses too (../register-search-attributes.sh). Idempotent.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-72h}"

# gRPC in this image sometimes prefers an unusable IPv6 address; use IPv4.
host="${ADDRESS%:*}"
port="${ADDRESS##*:}"
ip="$(getent ahostsv4 "$host" | awk '{ print $1; exit }' || true)"
[ -n "$ip" ] && ADDRESS="$ip:$port"

retry() { # retry TRIES CMD...
  tries=$1
  shift
  n=0
  until "$@"; do
    n=$((n + 1))
    [ "$n" -lt "$tries" ] || return 1
    sleep 2
  done
}

healthy() { temporal operator cluster health --address "$ADDRESS" 2>/dev/null | grep -q SERVING; }
echo "waiting for Temporal at $ADDRESS..."
retry 90 healthy || { echo "Temporal did not become healthy"; exit 1; }

if ! temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1; then
  echo "creating namespace $NAMESPACE (retention $RETENTION)"
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
fi
# A new namespace takes a few seconds to become usable everywhere.
retry 30 temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null

sh "$(dirname "$0")/../register-search-attributes.sh" "$ADDRESS" "$NAMESPACE"
echo "Temporal namespace $NAMESPACE ready"
