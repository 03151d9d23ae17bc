#!/usr/bin/env bash
# Runs the real DataHub CLI on ingestion/postgres.yml against the local stack's PostgreSQL, with a file
# sink swapped in, and checks the output (e2e/ingest_check.py). Needs the local stack up (.stack/env).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck disable=SC1091
source .stack/env
POSTGRES_HOST_PORT="$POSTGRES_HOST:$POSTGRES_PORT" \
  scripts/datahub-cli.sh --python e2e/ingest_check.py --recipe ingestion/postgres.yml --gms "$DATAHUB_GMS_URL"
