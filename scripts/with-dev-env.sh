#!/usr/bin/env bash
# Set up the local dev environment (see scripts/dev-env.sh), then run a command
# with DATABASE_URL / TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_UI_URL
# exported.
#
#   DEV_ENV_PROFILE=test scripts/with-dev-env.sh cargo test --release --workspace --locked
set -euo pipefail

[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }

# shellcheck source=scripts/dev-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/dev-env.sh"
dev_env_setup
cd "$DEV_ENV_ROOT"
log "running: $*"
exec "$@"
