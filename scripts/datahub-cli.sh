#!/usr/bin/env bash
# Runs the pinned DataHub CLI (acryl-datahub[postgres], version in ingestion/datahub-cli-version) from its
# own venv, .venv-datahub, created on first use. Arguments go to `datahub`; `--python` runs its Python.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$root/ingestion/datahub-cli-version")
venv="$root/.venv-datahub"
if [ ! -x "$venv/bin/datahub" ] || ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('acryl-datahub') != '$version')" 2>/dev/null; then
  echo "installing acryl-datahub[postgres]==$version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "acryl-datahub[postgres]==$version"
fi
export DATAHUB_TELEMETRY_ENABLED=false
if [ "${1:-}" = "--python" ]; then shift; exec "$venv/bin/python" "$@"; fi
exec "$venv/bin/datahub" "$@"
