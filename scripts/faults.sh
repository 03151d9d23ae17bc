#!/usr/bin/env bash
# The fault tests alone, on a fresh local stack: FAULT_ROWS rows in the big tables (default 200 000), ONLY a
# comma-separated list of scenario keys (see e2e/faults.py --help), FAULT_OPEN_REQUESTS erasure requests open at the
# restart (default 10 000), FAULT_BINARY another executable (e.g. a
# wrapper that runs the service under heaptrack).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/stack.sh down >/dev/null
scripts/stack.sh up
trap 'scripts/stack.sh down' EXIT
# shellcheck disable=SC1091
source .stack/env
mkdir -p .stack/faults
.venv/bin/python e2e/faults.py --binary "${FAULT_BINARY:-${TOKENIZE_ACTION_BIN_DIR:-$root/.build/debug}/tokenize-action}" --log-dir "$root/.stack/faults" \
  --rows "${FAULT_ROWS:-200000}" --open-requests "${FAULT_OPEN_REQUESTS:-10000}" ${ONLY:+--only "$ONLY"}
