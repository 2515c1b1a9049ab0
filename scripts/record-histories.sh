#!/usr/bin/env bash
# Records a set of workflow histories from a run of the current code: the engine tests record the
# paths that matter (TestEnv::record_history) into tests/histories/<release>/, which the replay
# test then replays against every later release (docs/OPERATIONS.md, "Recorded histories").
#
#   scripts/record-histories.sh RELEASE [TEST_FILTER...]   (filters: only the tests they name)
#
# A set is written whole or not at all, and never over an existing one.
set -euo pipefail

release="${1:?usage: $0 RELEASE [TEST_FILTER...]}"
shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/tests/histories/$release"
[ ! -e "$target" ] || { echo "tests/histories/$release exists: a recorded set is never overwritten" >&2; exit 1; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
RECORD_HISTORIES="$scratch" DEV_ENV_PROFILE=test "$root/scripts/with-dev-env.sh" \
  cargo test --release --locked -p campaign-tests --test engine -- "$@"
mkdir -p "$root/tests/histories"
cp -r "$scratch" "$target"
echo "recorded $(find "$target" -name '*.json' | wc -l) histories into tests/histories/$release"
