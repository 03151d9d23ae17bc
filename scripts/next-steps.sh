#!/usr/bin/env bash
# Prints the commands that try the running local stack, each one ready to paste into another shell (the e2e runs
# them as printed). Optional argument: the table of database shop they use (default customers, the demo table).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC1091
source "$root/.stack/env"
table=${1:-customers}
flag=""
[[ "$table" == customers ]] || flag=" --table $table"
urn="urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.$table,PROD)"
echo "tokenize-action on $TOKENIZE_ACTION_URL (this machine only). In another shell:"
echo "  cd $root && scripts/tag.sh$flag --field email    # tag the email column of $table tokenize/run in DataHub, wait, show the result"
echo "  cd $root && scripts/tag.sh$flag                  # tag the whole table: every PII column"
echo "or through the API, once scripts/tag.sh has registered the table in DataHub:"
echo "  curl -sS -H 'Authorization: Bearer $API_TOKEN' -X POST '$TOKENIZE_ACTION_URL/trigger?wait=true' -d '{\"dataset\": \"$urn\"}'"
