#!/usr/bin/env bash
# Validates docker-compose.yml with .env.example, as `docker compose up` would read them. Uses the Compose v2
# plugin when the docker client has it, else Debian's docker-compose (1.29, which knows the same file format).
set -euo pipefail
cd "$(dirname "$0")/.."
export TOKENIZE_ENV_FILE=.env.example
if docker compose version >/dev/null 2>&1; then
  docker compose --env-file .env.example config -q
elif command -v docker-compose >/dev/null; then
  docker-compose --env-file .env.example config -q
else
  echo "compose-check: neither 'docker compose' nor 'docker-compose' is installed" >&2; exit 1
fi
echo "compose-check: docker-compose.yml is valid with .env.example"
