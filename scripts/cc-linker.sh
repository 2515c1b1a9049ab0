#!/bin/sh
# The linker cargo calls (.cargo/config.toml): the system C compiler driver, with mold when it is
# installed (`make build` installs it with Debian's package). mold links a service binary in
# about a second where GNU ld takes tens of seconds, and `make test` links about twenty; without
# mold the link is GNU ld's, slower and the same.
if command -v mold >/dev/null 2>&1; then
  exec cc -fuse-ld=mold "$@"
fi
exec cc "$@"
