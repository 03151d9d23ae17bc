#!/usr/bin/env bash
# Adds a caller to an API_TOKENS_FILE (creating it, mode 600) and prints its token once:
#   scripts/new-api-token.sh secrets/api-tokens ops
# The caller is known to the service (requested_by, the policy's `api:` lists) by NAME; to revoke it,
# delete its line and restart the service.
set -euo pipefail
file=${1:?usage: $0 TOKENS_FILE NAME}
name=${2:?usage: $0 TOKENS_FILE NAME}
[[ $name =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "NAME must be 1-64 letters, digits, '.', '_' or '-'" >&2; exit 2; }
mkdir -p "$(dirname "$file")"
umask 077
touch "$file"
if grep -qE "^[[:space:]]*$name[[:space:]]*=" "$file"; then echo "$name already has a token in $file" >&2; exit 1; fi
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s=%s\n' "$name" "$token" >>"$file"
# World-readable so the container's uid 10001 can read the bind mount; guard the secrets/ directory instead.
chmod 644 "$file"
echo "added API caller $name to $file; its token (send as Authorization: Bearer <token>):"
echo "$token"
