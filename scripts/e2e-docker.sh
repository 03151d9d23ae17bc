#!/usr/bin/env bash
# `make e2e`: the whole loop against real DataHub in Docker. build → up → wait healthy → ingest → tag the
# customers dataset through GraphQL as the UI does → wait for tokenize/status:SUCCESS → check the rows in
# Postgres are tokens → trigger again and check rows_updated 0. Stops at the first failed step and says
# where to look. The driver (e2e/driver.py) is the same one CI runs against the local stand-ins.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f .env ] || { cp .env.example .env; echo "created .env from .env.example"; }
[ -f secrets/token-keys ] || scripts/new-token-key.sh secrets/token-keys
grep -q '^e2e=' secrets/api-tokens 2>/dev/null || scripts/new-api-token.sh secrets/api-tokens e2e >/dev/null
API_TOKEN=$(sed -n 's/^e2e=//p' secrets/api-tokens)
export API_TOKEN
set -a
# shellcheck disable=SC1091
source .env
set +a
gms="http://localhost:${DATAHUB_MAPPED_GMS_PORT:-8080}"
service="http://localhost:${TOKENIZE_ACTION_PORT:-8081}"

fail() { echo; echo "make e2e: FAILED at step '$1'"; echo "where to look: $2"; exit 1; }
step() { echo; echo "==> $1"; }

step "build the tokenize-action image"
docker compose build tokenize-action || fail build "the build output above (Dockerfile)"

step "start DataHub, Postgres and tokenize-action; wait until healthy (first start pulls ~5 GB, allow 10 minutes)"
docker compose up -d --wait --wait-timeout "${E2E_UP_TIMEOUT:-900}" \
  || fail up "docker compose ps; docker compose logs system-update datahub-gms tokenize-action (DataHub needs ~8 GiB of Docker memory)"

step "ingest shop.public.customers with ingestion/postgres.yml (adds tokenize/run with PATCH semantics)"
POSTGRES_HOST_PORT="localhost:${DEMO_POSTGRES_PORT:-5433}" DATAHUB_GMS_URL="$gms" \
  scripts/datahub-cli.sh ingest -c ingestion/postgres.yml \
  || fail ingest "the ingestion report above; is Postgres published on localhost:${DEMO_POSTGRES_PORT:-5433}?"

[ -x .venv/bin/python ] || make venv >/dev/null
step "tag through GraphQL, wait for SUCCESS, check tokens, re-trigger for rows_updated 0"
.venv/bin/python e2e/driver.py --gms "$gms" --token "${DATAHUB_TOKEN:-}" --service "$service" \
  --psql "docker compose exec -T postgres psql -U ${POSTGRES_USER:-postgres}" --database shop \
  --only demo,http --fail-fast --timeout "${E2E_TIMEOUT:-180}" \
  --where-to-look "docker compose logs tokenize-action; the DataHub UI at http://localhost:${DATAHUB_MAPPED_FRONTEND_PORT:-9002}" \
  || fail "tokenize and verify" "docker compose logs tokenize-action"

echo; echo "make e2e: passed. Open http://localhost:${DATAHUB_MAPPED_FRONTEND_PORT:-9002} (datahub/datahub) to see the customers dataset."
