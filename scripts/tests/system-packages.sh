#!/usr/bin/env bash
# Tests scripts/system-packages.sh with a stubbed package query and a stubbed apt-get: what it says when packages
# are missing and it may not install, what it installs when it may, and that it is quiet when nothing is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
script="$root/scripts/system-packages.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL system-packages: $*"; failures=$((failures + 1)); }

# The stub query: a package is installed when its name is a line of $work/installed.
cat >"$work/query" <<STUB
#!/usr/bin/env bash
grep -qxF "\$1" "$work/installed"
STUB
# The stub apt-get: records its arguments; `install` marks the packages installed.
cat >"$work/apt" <<STUB
#!/usr/bin/env bash
echo "\$*" >>"$work/apt.log"
if [ "\$1" = install ]; then for p in "\$@"; do case "\$p" in -*|install) ;; *) echo "\$p" >>"$work/installed" ;; esac; done; fi
STUB
chmod +x "$work/query" "$work/apt"
export SYSTEM_PACKAGES_QUERY="$work/query" SYSTEM_PACKAGES_APT="$work/apt"

# 1. Everything installed: exit 0, nothing printed, apt-get not called.
"$script" list all | tr ' ' '\n' | awk NF >"$work/installed"
out=$(SYSTEM_PACKAGES_SUDO=no "$script" ensure all 2>&1) || fail "all installed: exit $?"
[ -z "$out" ] || fail "all installed: printed '$out'"
[ ! -e "$work/apt.log" ] || fail "all installed: apt-get was called"

# 2. Two hidden, no way to install: exit 1, both named, and the one command that installs exactly them.
grep -vxF -e librdkafka-dev -e postgresql "$work/installed" >"$work/installed.new"; mv "$work/installed.new" "$work/installed"
status=0; out=$(SYSTEM_PACKAGES_SUDO=no "$script" ensure all 2>&1) || status=$?
[ "$status" = 1 ] || fail "hidden, no sudo: exit $status, expected 1"
echo "$out" | grep -q "missing Debian package(s): librdkafka-dev postgresql$" || fail "hidden, no sudo: missing not named: $out"
echo "$out" | grep -q "apt-get install -y --no-install-recommends librdkafka-dev postgresql$" || fail "hidden, no sudo: no install command: $out"
[ ! -e "$work/apt.log" ] || fail "hidden, no sudo: apt-get was called"

# 3. Only the group asked for is checked: the build group misses librdkafka-dev alone.
status=0; out=$("$script" check build 2>&1) || status=$?
[ "$status" = 1 ] && echo "$out" | grep -q "package(s): librdkafka-dev$" || fail "check build: $status $out"

# 4. Allowed to install: apt-get update, then install of the missing ones only; afterwards nothing is missing.
status=0; out=$(SYSTEM_PACKAGES_SUDO=yes "$script" ensure all 2>&1) || status=$?
[ "$status" = 0 ] || fail "install: exit $status: $out"
grep -q "^update" "$work/apt.log" || fail "install: no apt-get update: $(cat "$work/apt.log")"
grep -q "^install -y -qq --no-install-recommends librdkafka-dev postgresql$" "$work/apt.log" || fail "install: wrong packages: $(cat "$work/apt.log")"
"$script" check all || fail "after install: still missing"

# 5. An install that does not deliver the package is an error naming it.
printf '#!/usr/bin/env bash\nexit 0\n' >"$work/apt"
grep -vxF curl "$work/installed" >"$work/installed.new"; mv "$work/installed.new" "$work/installed"
status=0; out=$(SYSTEM_PACKAGES_SUDO=yes "$script" install stack 2>&1) || status=$?
[ "$status" = 1 ] && echo "$out" | grep -q "still missing after apt-get install: curl" || fail "failed install: $status $out"

# 6. An unknown group is a usage error.
status=0; "$script" check nosuchgroup >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "unknown group: exit $status"

[ "$failures" = 0 ] && echo "system-packages: 6 checks passed" || exit 1
