#!/usr/bin/env bash
# The test command: builds, starts the local stack (real PostgreSQL, mock Kafka, DataHub stand-in), runs
# the Swift tests (unit + integration) against it, then the service, the end-to-end driver and the API fuzzing, the fault tests,
# then checks the compose file and the ingestion recipe.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x .venv/bin/python ] || make venv
# SWIFT_BUILD_FLAGS: how the tests and the service are built (default: debug). CI builds once, in release with testing
# enabled (.ci/run), and runs everything on that build.
read -r -a swift_flags <<<"${SWIFT_BUILD_FLAGS:-}"
swift build "${swift_flags[@]}" --build-tests
bin=$(swift build "${swift_flags[@]}" --show-bin-path)
export TOKENIZE_ACTION_BIN_DIR="$bin"
scripts/stack.sh down >/dev/null
scripts/stack.sh up
trap 'status=$?; [ $status -ne 0 ] && { echo "--- service log (tail) ---"; tail -50 .stack/service.log 2>/dev/null; echo "--- stand-in log (tail) ---"; tail -20 .stack/datahub-standin.log 2>/dev/null; for f in .stack/faults/*.log; do [ -f "$f" ] && { echo "--- $f (tail) ---"; tail -15 "$f"; }; done; }; scripts/stack.sh down; exit $status' EXIT
# shellcheck disable=SC1091
source .stack/env

swift_status=0
swift test "${swift_flags[@]}" --skip-build || swift_status=$?

# The e2e service runs with a policy (e2e/policy.yml) that the policy scenarios exercise, and tags the fields its
# plans find personal data in (DISCOVERY_TAG_FIELDS) and propagates triggers to downstream copies
# (PROPAGATE_DOWNSTREAM), which the discovery and downstream scenarios check.
# At LOG_LEVEL=trace, so the last scenario can prove no secret reaches its log.
TOKENIZE_POLICY_FILE="$root/e2e/policy.yml" DISCOVERY_TAG_FIELDS=true PROPAGATE_DOWNSTREAM=true LOG_LEVEL=trace "$bin/tokenize-action" serve >.stack/service.log 2>&1 &
echo $! >.stack/service.pid
for _ in $(seq 1 100); do
  curl -fsS "$TOKENIZE_ACTION_URL/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$TOKENIZE_ACTION_URL/readyz" >/dev/null || { echo "tokenize-action did not become ready"; exit 1; }

e2e_status=0
.venv/bin/python e2e/driver.py --gms "$DATAHUB_DIRECT_URL" --token "$DATAHUB_TOKEN" --service "$TOKENIZE_ACTION_URL" \
  --psql "psql -h 127.0.0.1 -p $POSTGRES_PORT -U postgres" --kafka-bootstrap "$KAFKA_BOOTSTRAP_SERVERS" \
  --topic "$KAFKA_MCL_TOPIC" --scheme "$TOKEN_SCHEME" --keys-file "$TOKEN_KEYS_FILE" \
  --detokenize "$bin/tokenize-action detokenize" \
  --dbx-host "$DBX_HOST" --dbx-token "$DBX_TOKEN" --dbx-warehouse "${DBX_HTTP_PATH##*/}" \
  --unconfigured-run "env -u DBX_HOST -u DBX_TOKEN -u DBX_HTTP_PATH $bin/tokenize-action run" \
  --binary "$bin/tokenize-action" --policy --service-log "$root/.stack/service.log" \
  --where-to-look "$root/.stack/service.log" || e2e_status=$?

# The HTTP API against its OpenAPI document (schemathesis, bounded): no 5xx, every answer as documented.
scripts/fuzz-api.sh || e2e_status=$?

# Graceful shutdown: SIGTERM drains runs and commits offsets; the process must exit by itself.
kill -TERM "$(cat .stack/service.pid)"
for _ in $(seq 1 50); do kill -0 "$(cat .stack/service.pid)" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$(cat .stack/service.pid)" 2>/dev/null; then echo "service did not stop on SIGTERM"; e2e_status=1; fi
# Every pool is used only once it runs (PostgresDatabases.startedClient, AfterPoolStarts): PostgresNIO's warning for a
# lease before run() must not appear in a whole e2e run's log.
if grep -q "hasn't been called yet" .stack/service.log; then echo "a PostgreSQL pool was used before it ran (service log)"; e2e_status=1; fi

# Fault tests: their own service processes, killed, stopped and starved of their dependencies.
faults_status=0
mkdir -p .stack/faults
.venv/bin/python e2e/faults.py --binary "$bin/tokenize-action" --log-dir "$root/.stack/faults" \
  --rows "${FAULT_ROWS:-200000}" --open-requests "${FAULT_OPEN_REQUESTS:-10000}" || faults_status=$?

# The Docker path, as far as this machine can prove it: the compose file, and the real DataHub CLI on the
# ingestion recipe (file sink) against this stack's PostgreSQL and stand-in.
stack_status=0
scripts/tests/system-packages.sh || stack_status=$?
scripts/compose-check.sh || stack_status=$?
scripts/ingest-check.sh || stack_status=$?
# Kubernetes manifests and Prometheus rules, offline (outside CI it skips when kubectl is missing).
if command -v kubectl >/dev/null || [ "${CI:-}" = true ]; then scripts/k8s-check.sh || stack_status=$?; else echo "k8s-check: skipped (no kubectl; CI=true makes it a failure)"; fi

[ $swift_status -eq 0 ] || echo "swift test failed"
[ $e2e_status -eq 0 ] || echo "e2e failed"
[ $faults_status -eq 0 ] || echo "fault tests failed (service logs in .stack/faults)"
[ $stack_status -eq 0 ] || echo "compose, ingestion or Kubernetes check failed"
[ $swift_status -eq 0 ] && [ $e2e_status -eq 0 ] && [ $faults_status -eq 0 ] && [ $stack_status -eq 0 ]
