# shellcheck shell=bash
# Helpers shared by the dev-env libraries: logging, root, apt, ports, pids.
# Sourced by scripts/dev-env.sh; defines functions only.

if [ -t 2 ]; then
  _C_INFO=$'\033[1;34m' _C_WARN=$'\033[1;33m' _C_ERR=$'\033[1;31m' _C_OFF=$'\033[0m'
else
  _C_INFO="" _C_WARN="" _C_ERR="" _C_OFF=""
fi
log() { printf '%s[dev-env]%s %s\n' "$_C_INFO" "$_C_OFF" "$*" >&2; }
warn() { printf '%s[dev-env] WARNING:%s %s\n' "$_C_WARN" "$_C_OFF" "$*" >&2; }
die() {
  printf '%s[dev-env] ERROR:%s %s\n' "$_C_ERR" "$_C_OFF" "$*" >&2
  exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command with root privileges (directly when root, else via sudo).
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' but not root and sudo is not installed"
  fi
}

_APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found; please install these packages manually: $*"
  if [ "$_APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
      die "apt-get update failed"
    _APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" ||
    die "apt-get install $* failed"
}

# Is something accepting TCP connections on 127.0.0.1:$1 ?
port_in_use() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" >/dev/null 2>&1
}

# Print the first port >= $1 that nothing listens on (tries 200 ports).
find_free_port() {
  local port=$1 last=$(($1 + 200))
  while [ "$port" -le "$last" ]; do
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
    port=$((port + 1))
  done
  die "no free TCP port found in $1..$last on 127.0.0.1"
}

# Print the secret kept in .dev/$1, generating it on first use (`make run`'s and the stack's
# signing secret and first super admin's password survive restarts, and stay out of git).
secret_file() {
  local file="$DEV_DIR/$1"
  if [ ! -s "$file" ]; then
    mkdir -p "$DEV_DIR"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$file")
  fi
  cat "$file"
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
