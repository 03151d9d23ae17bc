#!/usr/bin/env bash
# make discovery-bench: PII discovery on public corpora (bench/discovery_bench.py), beside the generated corpus's
# figures. The corpora's sources are pinned in bench/discovery-requirements.txt and installed into their own venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build --product discovery-bench
if [ ! -x .tools/discovery-venv/bin/python ] || ! .tools/discovery-venv/bin/pip freeze | grep -qx 'Faker==33.1.0'; then
  python3 -m venv .tools/discovery-venv
  .tools/discovery-venv/bin/pip install -q -r bench/discovery-requirements.txt
fi
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
swift test --filter 'DiscoveryTests' 2>&1 | grep -E '^(PII discovery on|  [a-z_]+ +precision)' >"$generated" || true
.tools/discovery-venv/bin/python bench/discovery_bench.py --binary "$root/.build/debug/discovery-bench" --generated "$generated" "$@"
