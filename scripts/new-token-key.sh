#!/usr/bin/env bash
# Appends a new random key to a TOKEN_KEYS_FILE (creating it, mode 600). The new key becomes the newest: it
# writes new tokens, older keys still read. Then restart the service and run a rekey to move siv/ff1 tokens:
#   curl -X POST localhost:8081/trigger -d '{"dataset": "<urn>", "rekey": true}'
set -euo pipefail
file=${1:?usage: $0 KEYS_FILE}
mkdir -p "$(dirname "$file")"
umask 077
touch "$file"
count=$(grep -cE '^[A-Za-z0-9]+=' "$file" || true)
id="k$((count + 1))-$(date -u +%Y%m%d)"
id=${id//-/}
printf '%s=%s\n' "$id" "$(head -c 32 /dev/urandom | base64 -w0)" >>"$file"
# World-readable so the container's uid 10001 can read the bind mount; guard the secrets/ directory instead.
chmod 644 "$file"
echo "added key $id to $file (newest of $((count + 1)))"
