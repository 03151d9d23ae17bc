#!/usr/bin/env bash
# One command for the whole local stack and the service: PostgreSQL + mock Kafka + DataHub stand-in,
# then tokenize-action in the foreground. Ctrl-C stops the service and tears the stack down.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build --product tokenize-action
swift build --product mock-kafka-broker
scripts/stack.sh up
trap 'scripts/stack.sh down' EXIT
# shellcheck disable=SC1091
source .stack/env
echo
echo "tokenize-action on $TOKENIZE_ACTION_URL; tag a dataset with:"
echo "  .venv/bin/python e2e/tag.py --gms $DATAHUB_GMS_URL --psql 'psql -h 127.0.0.1 -p $POSTGRES_PORT -U postgres'"
echo "or through the API (API_TOKENS_FILE=$API_TOKENS_FILE):"
echo "  curl -H 'Authorization: Bearer $API_TOKEN' -X POST $TOKENIZE_ACTION_URL/trigger -d '{\"dataset\": \"<urn>\"}'"
echo
.build/debug/tokenize-action serve
