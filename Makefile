# CRM-Warehouse-Pipeline: `make demo` builds the demo warehouse, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false
export DO_NOT_TRACK := 1

.DEFAULT_GOAL := help
.PHONY: help venv tools chromium pgbouncer demo run test lint bench clean

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

venv: $(VENV)/.installed ## Create .venv from the locked dependencies

NODE_TOOLS := tools/node
$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	cd $(NODE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

tools: $(NODE_TOOLS)/node_modules/.installed ## Node validators of the Power BI project (M parser, PBIR CLI)

chromium: ## Headless Chromium for the dashboard tests and screenshots (Debian package, once)
	@[ -x /usr/bin/chromium ] || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

pgbouncer: ## PgBouncer for the connection-pooler tests (Debian package, once; the tests start it)
	@[ -x /usr/sbin/pgbouncer ] || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer)

demo: venv ## Generate the demo sources (once), ingest, build, test and publish
	$(BIN)/crm-warehouse demo

run: venv ## Ingest -> transform -> publish against the configured sources
	$(BIN)/crm-warehouse run

test: venv tools chromium pgbouncer ## Run the whole test suite
	$(BIN)/pytest

lint: venv ## ruff on the package and tests
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: venv ## Speed and memory benchmarks (reports figures)
	$(BIN)/python benchmarks/bench_pipeline.py

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 -o requirements.lock

clean: ## Remove generated data, exports, sites and the venv (keeps screenshots/)
	rm -rf data site powerbi/*.csv powerbi/*.parquet powerbi/manifest.json \
		powerbi/CRM-Warehouse.* powerbi/insights.* $(VENV) tools/node/node_modules
