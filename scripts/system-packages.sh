#!/usr/bin/env bash
# The Debian packages the project needs, in one list, and the one way to get them.
#
#   scripts/system-packages.sh [ensure|check|install|list] [GROUP...]
#
# Groups: build (compile the service), stack (the local test stack: PostgreSQL, TLS, the Python stand-ins),
# checks (the compose file check), all (default). The Swift toolchain is assumed present; Python packages come
# from PyPI into the project's venvs (make venv).
#
#   ensure   (default) installs what is missing when it can (as root, or with sudo that needs no password);
#            otherwise names what is missing and the one command that installs it, and exits 1
#   check    names what is missing and the command; exits 1 when something is
#   install  installs what is missing (apt-get, with sudo when not root)
#   list     prints the packages of the groups
#
# For tests: SYSTEM_PACKAGES_QUERY is a command that gets a package name and succeeds when it is installed
# (default: dpkg-query); SYSTEM_PACKAGES_APT replaces `apt-get`; SYSTEM_PACKAGES_SUDO replaces the sudo check
# (`yes` or `no`).
set -euo pipefail

packages_of() {
  case "$1" in
    build) echo "pkg-config librdkafka-dev" ;;
    stack) echo "postgresql postgresql-client openssl curl python3-venv" ;;
    checks) echo "docker-compose" ;;
    all) echo "$(packages_of build) $(packages_of stack) $(packages_of checks)" ;;
    *) echo "system-packages: unknown group '$1' (build, stack, checks, all)" >&2; exit 2 ;;
  esac
}

installed() {
  if [ -n "${SYSTEM_PACKAGES_QUERY:-}" ]; then
    $SYSTEM_PACKAGES_QUERY "$1" >/dev/null 2>&1
  else
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
  fi
}

# The prefix that runs apt-get as root: nothing as root, sudo otherwise.
root_prefix() { if [ "$(id -u)" = 0 ]; then echo ""; else echo "sudo"; fi; }

# Whether this shell can install without asking anyone: root, or sudo without a password.
can_install() {
  case "${SYSTEM_PACKAGES_SUDO:-}" in
    yes) return 0 ;;
    no) return 1 ;;
  esac
  [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null
}

install_command() {
  local prefix
  prefix=$(root_prefix)
  echo "${prefix:+$prefix }apt-get update && ${prefix:+$prefix }apt-get install -y --no-install-recommends $*"
}

action=ensure
case "${1:-}" in
  ensure | check | install | list) action=$1; shift ;;
esac
[ $# -gt 0 ] || set -- all
wanted=""
for group in "$@"; do wanted="$wanted $(packages_of "$group")"; done
# One of each, in the order listed.
wanted=$(echo "$wanted" | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ')

if [ "$action" = list ]; then
  echo "$wanted"
  exit 0
fi

missing=""
for package in $wanted; do installed "$package" || missing="$missing $package"; done
missing=${missing# }
[ -z "$missing" ] && exit 0

if [ "$action" = check ] || { [ "$action" = ensure ] && ! can_install; }; then
  echo "system-packages: missing Debian package(s): $missing" >&2
  echo "system-packages: install them with: $(install_command "$missing")" >&2
  exit 1
fi

echo "system-packages: installing $missing" >&2
apt=${SYSTEM_PACKAGES_APT:-apt-get}
prefix=$(root_prefix)
export DEBIAN_FRONTEND=noninteractive
$prefix $apt update -qq
# shellcheck disable=SC2086
$prefix $apt install -y -qq --no-install-recommends $missing >/dev/null
still=""
for package in $missing; do installed "$package" || still="$still $package"; done
if [ -n "$still" ]; then
  echo "system-packages: still missing after apt-get install:$still" >&2
  exit 1
fi
