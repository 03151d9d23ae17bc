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
scripts/next-steps.sh
echo
.build/debug/tokenize-action serve
