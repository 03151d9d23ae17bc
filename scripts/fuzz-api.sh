#!/usr/bin/env bash
# Fuzzes a running service's HTTP API against its own OpenAPI document (GET /openapi.json) with schemathesis
# (pinned in e2e/fuzz-requirements.txt, installed from PyPI into .tools/fuzz-venv): no 5xx, every status code, content
# type and body as documented. Bounded: FUZZ_EXAMPLES cases per operation and phase (default 20). Needs
# TOKENIZE_ACTION_URL and API_TOKEN (source .stack/env).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.tools/fuzz-venv"
if ! cmp -s "$root/e2e/fuzz-requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$root/e2e/fuzz-requirements.txt"
  cp "$root/e2e/fuzz-requirements.txt" "$venv/requirements.txt"
fi
exec "$venv/bin/schemathesis" run "$TOKENIZE_ACTION_URL/openapi.json" -H "Authorization: Bearer $API_TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${FUZZ_EXAMPLES:-20}" --workers 1 --phases examples,coverage,fuzzing --no-color
