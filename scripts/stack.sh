#!/usr/bin/env bash
# The local stack without Docker: a real PostgreSQL (Debian's server, temp dir, free loopback port),
# a Kafka-protocol broker (librdkafka's mock cluster), and the DataHub stand-in emitting MCLs to it.
#   scripts/stack.sh up     start everything; writes .stack/env (source it for the service and tests)
#   scripts/stack.sh down   stop everything and remove .stack/
#   scripts/stack.sh status print what runs
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The executables the stack runs (mock broker; the service for key exports): TOKENIZE_ACTION_BIN_DIR, else the debug build.
bin_dir=${TOKENIZE_ACTION_BIN_DIR:-$root/.build/debug}
dir="$root/.stack"
topic="${KAFKA_MCL_TOPIC:-MetadataChangeLog_Versioned_v1}"
python="${PYTHON:-$root/.venv/bin/python}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

pg_bin() {
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do [ -x "$candidate/initdb" ] && { echo "$candidate"; return; }; done
  echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1
}

# The test server logs every statement with its parameters and the client's application name, so the tests can
# count which process ran which batch and prove no key material reaches a log. STACK_STATEMENT_LOG=off (make bench)
# keeps PostgreSQL's defaults instead: a 1M-row ff1 run in the service writes about 200 MB of parameters to the log,
# which costs the server more CPU than some of the statements.
pg_logging() {
  if [ "${STACK_STATEMENT_LOG:-on}" = off ]; then
    echo "-c log_line_prefix=%m[%p]%a:"
  else
    echo "-c log_statement=all -c log_min_duration_statement=0 -c log_parameter_max_length=-1 -c log_parameter_max_length_on_error=-1 -c log_line_prefix=%m[%p]%a:"
  fi
}

# TLS for the test server: a throwaway CA and a server certificate for the name `localhost` only (no IP), so
# tests can prove sslmode require and verify-full, and that verify-full refuses another name (127.0.0.1).
make_tls() {
  local tls=$1
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=tokenize-action test CA" -keyout "$tls/ca.key" -out "$tls/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 3 -extfile "$tls/server.ext" \
    -out "$tls/server.crt" 2>/dev/null
  chmod 600 "$tls/server.key"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$tls"; fi
}

pg_tls() { echo "-c ssl=on -c ssl_cert_file=$1/server.crt -c ssl_key_file=$1/server.key"; }

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

wait_for_file() {
  local file=$1 what=$2 i
  for i in $(seq 1 150); do [ -s "$file" ] && return 0; sleep 0.2; done
  echo "timed out waiting for $what; see $dir/*.log" >&2; exit 1
}

up() {
  [ -f "$dir/env" ] && { echo "stack already up ($dir/env); run: $0 down" >&2; exit 1; }
  mkdir -p "$dir"
  [ -x "$bin_dir/mock-kafka-broker" ] || (cd "$root" && swift build --product mock-kafka-broker)
  [ -x "$python" ] || { echo "missing $python: run 'make venv'" >&2; exit 1; }

  # PostgreSQL
  local bin pg_port
  bin=$(pg_bin)
  pg_port=$(free_port)
  # The data directory lives outside the checkout: as root, the server runs as the postgres user, which
  # may not be able to enter the checkout's parent folders.
  local pgroot
  pgroot=$(mktemp -d "${TMPDIR:-/tmp}/tokenize-action-pg.XXXXXX")
  echo "$pgroot" >"$dir/pgroot"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pgroot"; fi
  # TCP connections need the password (SCRAM); the distinctive secrets let the tests prove none is ever logged.
  pg_password="pg-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s\n' "$pg_password" >"$pgroot/pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pgroot/pwfile"; fi
  as_pg "$bin/initdb" -D "$pgroot/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pgroot/pwfile" \
    -E UTF8 --locale=C.UTF-8 >"$dir/pg-init.log" 2>&1
  rm -f "$pgroot/pwfile"
  export PGPASSWORD=$pg_password
  make_tls "$pgroot/tls"
  cp "$pgroot/tls/ca.crt" "$dir/postgres-ca.crt"
  as_pg "$bin/pg_ctl" -D "$pgroot/data" -l "$pgroot/server.log" -w -t 30 \
    -o "-p $pg_port -k $pgroot -c listen_addresses=127.0.0.1 -c fsync=off $(pg_tls "$pgroot/tls") $(pg_logging)" start >/dev/null
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE shop" >/dev/null
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -d shop -q -v ON_ERROR_STOP=1 -f "$root/ingestion/demo-seed.sql" >/dev/null

  # Kafka-protocol broker
  # setsid: a Ctrl-C at the terminal reaches only the service, which drains before the stack goes down.
  setsid "$bin_dir/mock-kafka-broker" --topic "$topic:1" --bootstrap-file "$dir/kafka.bootstrap" >"$dir/kafka.log" 2>&1 &
  echo $! >"$dir/kafka.pid"
  wait_for_file "$dir/kafka.bootstrap" "the mock Kafka broker"
  local bootstrap
  bootstrap=$(cat "$dir/kafka.bootstrap")

  # DataHub stand-in, asking for a personal access token as GMS with metadata service authentication does.
  local gms_port datahub_token
  gms_port=$(free_port)
  datahub_token="datahub-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  STANDIN_REQUIRED_TOKEN=$datahub_token setsid "$python" "$root/standins/datahub/standin.py" --port "$gms_port" \
    --kafka-bootstrap "$bootstrap" --topic "$topic" \
    --port-file "$dir/gms.port" >"$dir/datahub-standin.log" 2>&1 &
  echo $! >"$dir/gms.pid"
  wait_for_file "$dir/gms.port" "the DataHub stand-in"
  gms_port=$(cat "$dir/gms.port")

  # The service reaches GMS through a proxy that fault tests can make refuse connections.
  setsid "$python" "$root/standins/faultproxy.py" --target "127.0.0.1:$gms_port" --port-file "$dir/gms-proxy.port" \
    --control-port-file "$dir/gms-proxy.control" >"$dir/gms-proxy.log" 2>&1 &
  echo $! >"$dir/gmsproxy.pid"
  wait_for_file "$dir/gms-proxy.port" "the GMS fault proxy"

  # Databricks SQL Statement Execution API stand-in (sqlglot → DuckDB), catalog `demo`, small result chunks.
  local dbx_port dbx_token
  dbx_port=$(free_port)
  dbx_token="dapi-local-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  setsid "$python" "$root/standins/databricks/standin.py" --port "$dbx_port" --token "$dbx_token" --warehouse-id localwh \
    --catalog demo --chunk-rows 3 --secrets-file "$dir/dbx-secrets.json" --port-file "$dir/dbx.port" >"$dir/databricks-standin.log" 2>&1 &
  echo $! >"$dir/dbx.pid"
  wait_for_file "$dir/dbx.port" "the Databricks stand-in"

  # A fresh random token key for this stack (TOKEN_KEYS_FILE format: KEY_ID=BASE64_SECRET).
  (umask 077 && printf 'local1=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$dir/token-keys")
  # Its hmac pads in the Databricks stand-in's secret scope, as an operator stores them with the Databricks CLI.
  if [ -x "$bin_dir/tokenize-action" ]; then
    (umask 077 && TOKEN_KEYS_FILE="$dir/token-keys" "$bin_dir/tokenize-action" keys export-databricks --scope tokenize \
      --format json >"$dir/dbx-secrets.json")
  else
    echo "warning: $bin_dir/tokenize-action is not built: the Databricks stand-in's secret scope stays empty" >&2
  fi

  # The Ed25519 key erasure receipts are signed with (32 random bytes, base64), and its public key for `receipt verify`.
  (umask 077 && head -c 32 /dev/urandom | base64 -w0 >"$dir/erasure-signing-key")
  local receipt_key=""
  if [ -x "$bin_dir/tokenize-action" ]; then
    receipt_key=$(ERASURE_SIGNING_KEY_FILE="$dir/erasure-signing-key" "$bin_dir/tokenize-action" receipt public-key)
  fi

  # API callers (API_TOKENS_FILE format: NAME=TOKEN): `e2e` for the tests and `ops` for people.
  local api_token
  api_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && printf 'e2e=%s\nops=%s\n' "$api_token" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$dir/api-tokens")

  local http_port
  http_port=$(free_port)
  cat >"$dir/env" <<ENV
export KAFKA_BOOTSTRAP_SERVERS=$bootstrap
export KAFKA_MCL_TOPIC=$topic
export KAFKA_EXTRA_CONFIG=session.timeout.ms=6000,heartbeat.interval.ms=500
export DATAHUB_GMS_URL=http://127.0.0.1:$(cat "$dir/gms-proxy.port")
export DATAHUB_DIRECT_URL=http://127.0.0.1:$gms_port
export DATAHUB_PROXY_CONTROL=http://127.0.0.1:$(cat "$dir/gms-proxy.control")
# The service verifies the server's certificate and name (POSTGRES_SSLMODE=verify-full).
export POSTGRES_HOST=localhost
export POSTGRES_SSLMODE=verify-full
export POSTGRES_SSLROOTCERT=$dir/postgres-ca.crt
export POSTGRES_PORT=$pg_port
export POSTGRES_USER=postgres
export POSTGRES_PASSWORD=$pg_password
export PGPASSWORD=$pg_password
export DATAHUB_TOKEN=$datahub_token
# The API listens on the loopback interface only: the local stack is for one machine.
export HTTP_HOST=127.0.0.1
export HTTP_PORT=$http_port
export TOKENIZE_ACTION_URL=http://127.0.0.1:$http_port
export API_TOKENS_FILE=$dir/api-tokens
export API_TOKEN=$api_token
export DBX_HOST=http://127.0.0.1:$dbx_port
export DBX_TOKEN=$dbx_token
export DBX_HTTP_PATH=/sql/1.0/warehouses/localwh
export DBX_STATEMENT_TIMEOUT_SECONDS=5
export DBX_SECRET_SCOPE=tokenize
export DBX_PURGE_HISTORY=vacuum
export TOKEN_SCHEME=\${TOKEN_SCHEME:-hmac}
export TOKEN_KEYS_FILE=$dir/token-keys
export ERASURE_SIGNING_KEY_FILE=$dir/erasure-signing-key
export ERASURE_RECEIPT_PUBLIC_KEY=$receipt_key
export STATE_DATABASE=tokenize_state
export RECONCILE_INTERVAL=\${RECONCILE_INTERVAL:-5s}
export PG_BIN=$bin
export PG_DATA_DIR=$pgroot/data
export PG_LOG=$pgroot/server.log
ENV
  echo "stack up: postgres 127.0.0.1:$pg_port (database shop), kafka $bootstrap, datahub stand-in http://127.0.0.1:$gms_port, databricks stand-in http://127.0.0.1:$dbx_port"
  echo "environment: source $dir/env"
}

down() {
  [ -d "$dir" ] || return 0
  local name
  for name in service gmsproxy gms dbx kafka; do
    if [ -f "$dir/$name.pid" ]; then kill "$(cat "$dir/$name.pid")" 2>/dev/null || true; fi
  done
  if [ -f "$dir/pgroot" ]; then
    local pgroot
    pgroot=$(cat "$dir/pgroot")
    as_pg "$(pg_bin)/pg_ctl" -D "$pgroot/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pgroot"
  fi
  sleep 0.3
  rm -rf "$dir"
  echo "stack down"
}

status() {
  [ -f "$dir/env" ] || { echo "stack is down"; return 0; }
  cat "$dir/env"
  local name
  for name in service gmsproxy gms dbx kafka; do
    if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then echo "$name: running"; else echo "$name: not running"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 64 ;;
esac
