# tokenize-action: common tasks. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## Debug build of the service and the mock broker
	swift build --product tokenize-action
	swift build --product mock-kafka-broker

release: ## Release build
	swift build -c release --product tokenize-action

venv: ## Python environment for the stand-ins and the e2e driver (pinned, from PyPI)
	python3 -m venv .venv
	.venv/bin/pip install -q -r standins/requirements.txt

local: venv ## Start PostgreSQL, mock Kafka, the DataHub stand-in and the service (foreground)
	scripts/local.sh

stack-up: venv build ## Start only the local stack (writes .stack/env)
	scripts/stack.sh up

stack-down: ## Stop the local stack
	scripts/stack.sh down

test: ## Unit, integration and end-to-end tests against the local stack
	scripts/test.sh

unit: ## Unit tests only (no services needed)
	swift test --skip IntegrationTests

.PHONY: help build release venv local stack-up stack-down test unit
