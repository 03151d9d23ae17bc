#!/usr/bin/env bash
# Tags a table of the local stack `tokenize/run` as the DataHub UI does, waits for the run and shows its record and
# the first rows. Needs the stack (`make local` or `make stack-up`); reads its settings from .stack/env.
#   scripts/tag.sh                       # the demo table customers, every PII column
#   scripts/tag.sh --field email         # one column
#   scripts/tag.sh --table other_table   # another table of database shop
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -f "$root/.stack/env" ]]; then
  echo "scripts/tag.sh: the local stack is not up (no .stack/env); start it with: make local" >&2
  exit 78
fi
# shellcheck disable=SC1091
source "$root/.stack/env"
exec "$root/.venv/bin/python" "$root/e2e/tag.py" --gms "$DATAHUB_GMS_URL" --token "$DATAHUB_TOKEN" \
  --psql "psql -h 127.0.0.1 -p $POSTGRES_PORT -U postgres" "$@"
