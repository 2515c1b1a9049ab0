#!/usr/bin/env bash
# The operator console (web/): install its npm packages from package-lock.json, build it into
# web/dist when that is missing or older than its sources, and install Debian's Chromium for its
# browser tests. Uses the machine's Node.js and npm; downloads no browser.
#
#   scripts/web.sh build      npm ci when needed, then npm run build when web/dist is stale
#   scripts/web.sh test       build, then the console's unit tests (Vitest)
#   scripts/web.sh lint       ESLint over the console's sources
#   scripts/web.sh chromium   apt-get install chromium when /usr/bin/chromium is missing
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/web"
# shellcheck source=scripts/lib/common.sh
source "$root/scripts/lib/common.sh"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

ensure_node() {
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
}

# node_modules is current when npm ci ran after the last change of package-lock.json.
ensure_packages() {
  ensure_node
  local stamp="$web/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$web/package-lock.json" -nt "$stamp" ]; then
    log "npm ci (web/)"
    (cd "$web" && npm ci --no-audit --no-fund)
  fi
}

# web/dist is stale when any source is newer than its index.html.
dist_is_stale() {
  local built="$web/dist/index.html"
  [ -f "$built" ] || return 0
  [ -n "$(find "$web/src" "$web/index.html" "$web/openapi.json" "$web/package-lock.json" \
    "$web/vite.config.ts" "$web/tsconfig.json" -newer "$built" -print -quit)" ]
}

build() {
  ensure_packages
  if dist_is_stale; then
    log "npm run build (web/ -> web/dist)"
    (cd "$web" && npm run build)
  else
    log "web/dist is up to date"
  fi
}

chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

case "${1:-build}" in
build) build ;;
test)
  build
  (cd "$web" && npm test)
  ;;
lint)
  ensure_packages
  (cd "$web" && npm run lint)
  ;;
chromium) chromium ;;
*)
  echo "usage: $0 build|test|lint|chromium" >&2
  exit 2
  ;;
esac
