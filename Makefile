# tokenize-action: common tasks. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
COMPOSE := docker compose

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --- Docker: the real stack beside DataHub ---------------------------------------------------------
.env:
	cp .env.example .env

secrets/token-keys:
	scripts/new-token-key.sh secrets/token-keys

keys: ## Create secrets/token-keys (TOKEN_KEYS_FILE), or append a new newest key to rotate
	scripts/new-token-key.sh secrets/token-keys

secrets/api-tokens:
	scripts/new-api-token.sh secrets/api-tokens ops

api-token: ## Add a caller of the HTTP API to secrets/api-tokens: make api-token NAME=ci (prints its token once)
	scripts/new-api-token.sh secrets/api-tokens $(NAME)

build: .env ## Build the tokenize-action container image
	$(COMPOSE) build tokenize-action

up: .env secrets/token-keys secrets/api-tokens ## Start DataHub, the demo Postgres and tokenize-action; wait until healthy
	$(COMPOSE) up -d --wait --wait-timeout 900

ingest: .env ## Catalogue the demo Postgres in DataHub (ingestion/postgres.yml, adds tokenize/run)
	set -a && source .env && set +a && \
	  POSTGRES_HOST_PORT=localhost:$${DEMO_POSTGRES_PORT:-5433} DATAHUB_GMS_URL=http://localhost:$${DATAHUB_MAPPED_GMS_PORT:-8080} \
	  scripts/datahub-cli.sh ingest -c ingestion/postgres.yml

e2e: .env secrets/token-keys secrets/api-tokens venv ## build, up, ingest, tag through GraphQL, verify tokens and a 0-row re-run
	scripts/e2e-docker.sh

logs: ## Follow tokenize-action's log in the Docker stack
	$(COMPOSE) logs -f tokenize-action

down: ## Stop the Docker stack and remove its volumes
	$(COMPOSE) down -v

compose-check: ## Validate docker-compose.yml with .env.example
	scripts/compose-check.sh

# --- Kubernetes (deploy/k8s, kustomize): a laptop cluster, and the offline proof CI runs ----------------
CLUSTER ?= kind
k8s-up: ## Start a kind or minikube cluster with DataHub's Helm charts: make k8s-up CLUSTER=kind|minikube
	scripts/k8s.sh up $(CLUSTER)

k8s-run: .env secrets/token-keys secrets/api-tokens ## Build, load and apply tokenize-action and a demo PostgreSQL (overlays/kind)
	scripts/k8s.sh run $(CLUSTER)

k8s-down: ## Delete the laptop cluster
	scripts/k8s.sh down $(CLUSTER)

k8s-check: ## Render every overlay, validate (Kubernetes 1.30), scan (checkov), check env names and alert rules
	scripts/k8s-check.sh

# --- Without Docker: real PostgreSQL, mock Kafka, DataHub stand-in -------------------------------
deps: ## Install the Debian packages the project needs (scripts/system-packages.sh; sudo when not root)
	scripts/system-packages.sh ensure all

swift-build: ## Debug build of the service and the mock broker
	@scripts/system-packages.sh ensure build
	swift build --product tokenize-action
	swift build --product mock-kafka-broker

release: ## Release build of the service, linked as the image links it
	@scripts/system-packages.sh ensure build
	swift build -c release --static-swift-stdlib --product tokenize-action

venv: ## Python environment for the stand-ins and the e2e driver (pinned, from PyPI)
	@scripts/system-packages.sh ensure stack
	@[ -x .venv/bin/python ] || python3 -m venv .venv
	@.venv/bin/pip install -q -r standins/requirements.txt

local: venv ## Start PostgreSQL, mock Kafka, the DataHub stand-in and the service (foreground)
	@scripts/system-packages.sh ensure build stack
	scripts/local.sh

stack-up: venv swift-build ## Start only the local stack (writes .stack/env)
	scripts/stack.sh up

stack-down: ## Stop the local stack
	scripts/stack.sh down

test: venv ## Every test: unit, integration, e2e against the local stack, compose and ingestion checks
	@scripts/system-packages.sh ensure all
	scripts/test.sh

unit: ## Unit tests only (no services needed)
	@scripts/system-packages.sh ensure build
	swift test --skip IntegrationTests

bench: venv ## Benchmarks beside their references, release build, fresh stack (not a test): make bench BENCH_ARGS="--rows 200000"
	@scripts/system-packages.sh ensure build stack
	scripts/bench.sh $(BENCH_ARGS)

discovery-bench: ## PII discovery's precision and recall per kind on public corpora (not a test; figures only)
	@scripts/system-packages.sh ensure build
	scripts/discovery-bench.sh $(DISCOVERY_BENCH_ARGS)

fmt: ## Format every Swift file in place (swift format, configuration in .swift-format)
	swift format format --in-place --recursive --parallel Package.swift Sources Tests

lint: ## Check the Swift files are formatted (.swift-format) and docs/testing.md lists the tests as they are (CI runs it)
	swift format lint --strict --recursive --parallel Package.swift Sources Tests
	python3 scripts/test-list.py --check

faults: venv swift-build ## Only the fault tests, on a fresh local stack (FAULT_ROWS=200000; ONLY=kill-hmac,registry,…)
	scripts/faults.sh

.PHONY: deps help keys build up ingest e2e logs down compose-check k8s-up k8s-run k8s-down k8s-check swift-build release venv local stack-up stack-down test unit faults bench discovery-bench fmt lint
