#!/bin/sh
# One-shot (temporalio/admin-tools): wait for the Temporal server, make sure the
# namespace exists and register the custom search attributes the campaign
# engine uses (CampaignId, JourneyState: Keyword). Idempotent.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-72h}"
SEARCH_ATTRIBUTES="${SEARCH_ATTRIBUTES:-CampaignId JourneyState}"

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

has_attribute() {
  temporal operator search-attribute list --namespace "$NAMESPACE" --address "$ADDRESS" |
    grep -Eq "^[[:space:]]*$1[[:space:]]+Keyword"
}
create_attribute() {
  has_attribute "$1" ||
    temporal operator search-attribute create --name "$1" --type Keyword \
      --namespace "$NAMESPACE" --address "$ADDRESS"
}
for name in $SEARCH_ATTRIBUTES; do
  retry 30 create_attribute "$name" || { echo "could not register search attribute $name"; exit 1; }
  retry 30 has_attribute "$name" || { echo "search attribute $name not visible"; exit 1; }
  echo "search attribute $name (Keyword) ready"
done
echo "Temporal namespace $NAMESPACE ready"
