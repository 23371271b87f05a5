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
.PHONY: help venv tools chromium pgbouncer demo run test lint sqllint bench clean \
	ci-pr baseline demo-sources smoke

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

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

run: venv ## Deploy: ingest + build into staging copies, dbt tests + gates, promote if all pass
	$(BIN)/crm-warehouse run

test: venv tools chromium pgbouncer ## Run the whole test suite
	$(BIN)/pytest

# sqlfluff joins `make lint` once the dbt project is lint-clean (docs/deploy-ci.md); until then
# `make sqllint` runs it on its own.
LINT_SKIP ?= sqlfluff,sqlfluff-macros

lint: venv ## Every pre-commit hook on every tracked file: ruff, actionlint + zizmor, YAML/TOML/JSON
	SKIP=$(LINT_SKIP) $(BIN)/pre-commit run --all-files --show-diff-on-failure

# The dbt templater compiles against an in-memory DuckDB; macro files are not dbt nodes, so the
# jinja templater reads them.
SQLFLUFF := CRM_WAREHOUSE_DUCKDB_PATH=:memory: $(BIN)/sqlfluff
SQL_MACROS := transform/macros transform/tests/generic
SQL_NODES := transform/models transform/snapshots $(filter-out $(SQL_MACROS),$(wildcard transform/tests/*))

sqllint: venv ## sqlfluff on the dbt project: models and tests (dbt templater), macros (jinja)
	@status=0; \
	$(SQLFLUFF) lint $(SQL_NODES) || status=$$?; \
	$(SQLFLUFF) lint --templater jinja $(SQL_MACROS) || status=$$?; \
	exit $$status

# CI/CD (docs/deploy-ci.md): each job in .github/workflows runs one of these targets.
BASE ?= origin/main
BASELINE := data/baseline

ci-pr: venv ## Build + test only what changed since production (state:modified+); data/dev/pr-summary.md
	@rm -f data/dev/target/run_results.json
	@status=0; review=0; \
	CRM_WAREHOUSE_TRANSFORM__UNIT_TESTS=true $(BIN)/crm-warehouse transform --select state:modified+ \
		|| status=$$?; \
	$(BIN)/python -m crm_warehouse.transform.review --out data/dev/pr-summary.md || review=$$?; \
	exit $$(( status ? status : review ))

baseline: venv ## Production to compare with when there is none: BASE's dbt project on the demo data
	rm -rf $(BASELINE) && mkdir -p $(BASELINE)
	git archive $(BASE) transform | tar -x -C $(BASELINE)
	CRM_WAREHOUSE_TRANSFORM__PROJECT_DIR=$(CURDIR)/$(BASELINE)/transform $(BIN)/crm-warehouse demo

demo-sources: venv ## Generate the demo's sources if absent (a deployment of the demo)
	$(BIN)/crm-warehouse demo --generate-only

WAREHOUSE ?= data/warehouse.duckdb
smoke: venv ## The tag:critical dbt tests on the production warehouse, after a deploy
	cd transform && CRM_WAREHOUSE_DUCKDB_PATH=$(CURDIR)/$(WAREHOUSE) $(CURDIR)/$(BIN)/dbt test \
		--select tag:critical --profiles-dir . --target-path $(CURDIR)/data/smoke/target \
		--log-path $(CURDIR)/data/smoke/logs

bench: venv ## Speed and memory benchmarks (reports figures)
	$(BIN)/python benchmarks/bench_pipeline.py

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 -o requirements.lock

clean: ## Remove generated data, exports, sites and the venv (keeps screenshots/)
	rm -rf data site powerbi/*.csv powerbi/*.parquet powerbi/manifest.json \
		powerbi/CRM-Warehouse.* powerbi/insights.* $(VENV) tools/node/node_modules
