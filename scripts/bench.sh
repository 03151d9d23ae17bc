#!/usr/bin/env bash
# make bench: the project's own benchmarks (bench/bench.py) with a release build, on a fresh local stack plus a
# second mock broker holding the consumer backlog (17 partitions, as DataHub's MCL topic often has). Prints each
# figure beside its reference measured in the same run; never fails on time. Arguments go to bench.py, e.g.
#   make bench BENCH_ARGS="--rows 200000 --rounds 1 --only tokenize"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# Linked as the image links it (Dockerfile: --static-swift-stdlib), which also starts a few milliseconds sooner.
swift build -c release --static-swift-stdlib --product tokenize-action
swift build -c release --static-swift-stdlib --product token-bench
swift build --product tokenize-action
swift build --product mock-kafka-broker
scripts/stack.sh down >/dev/null
# PostgreSQL with its default logging, as in production: the test stack's log of every statement and its
# parameters would charge the service's batches (not the one reference statement) for writing their arrays out.
STACK_STATEMENT_LOG=off scripts/stack.sh up
# The reference framework for the consumer rows: the official Python DataHub Actions, pinned, in its own venv.
if [ ! -x .tools/actions-venv/bin/datahub ]; then
  python3 -m venv .tools/actions-venv
  .tools/actions-venv/bin/pip install -q -r bench/actions-requirements.txt
fi
bench_dir=$(mktemp -d)
.build/debug/mock-kafka-broker --topic bench-mcl:17 --bootstrap-file "$bench_dir/bootstrap" >"$bench_dir/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null || true; scripts/stack.sh down; rm -rf "$bench_dir"' EXIT
for _ in $(seq 1 100); do [ -s "$bench_dir/bootstrap" ] && break; sleep 0.1; done
# shellcheck disable=SC1091
source .stack/env
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(swift --version 2>/dev/null | grep -o 'Swift version [0-9.]*' | head -1),"
machine+=" PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?')"
echo "machine: $machine"
# A run of every section at the default size rewrites the figures in docs/performance.md.
.venv/bin/python bench/bench.py --binary "$root/.build/release/tokenize-action" --bench-kafka "$(cat "$bench_dir/bootstrap")" \
  --actions-python "$root/.tools/actions-venv/bin/python" --write docs/performance.md --machine "$machine" "$@"
