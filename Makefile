# Tandem — run `make help` for the list of targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
APP := .venv/bin
RASA := .venv-rasa/bin

.PHONY: help setup demo cluster cluster-stop test test-rasa test-app lint types bench clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

setup: ## Create or refresh both virtualenvs from the pinned requirements
	@scripts/setup.sh

# Settings pass through the environment or the command line, e.g. a second copy beside the
# first: make demo TANDEM_HUB_PORT=8100 TANDEM_RASA_PORT=5105 TANDEM_ACTION_PORT=5155 TANDEM_VAR_DIR=var/second
demo: setup ## Run the product on embedded defaults (SQLite, bundled embeddings, Rasa)
	@$(APP)/tandem demo

# The production topology on this machine from Debian's packages: PostgreSQL, Redis, HAProxy,
# CLUSTER_HUBS hubs (3) and CLUSTER_RASAS Rasa servers (2); README, "Running a cluster".
cluster: setup ## Run 3 hubs and 2 Rasa servers on PostgreSQL and Redis behind HAProxy
	@$(APP)/tandem train
	@scripts/cluster.sh start

cluster-stop: ## Stop what `make cluster` started
	@scripts/cluster.sh stop

test: setup ## Run the whole test suite (installs Chromium, PostgreSQL and Redis when missing)
	@# Lint and types first: a renamed helper shows up here in seconds, not as timeouts.
	@$(MAKE) --no-print-directory lint types
	@$(APP)/tandem train
	@# The Rasa checks are CPU-bound in one process; the app's tests mostly wait on the hubs,
	@# Rasa servers and browsers they start. Side by side they share the two cores (both
	@# suites are written for a busy machine) and the whole run takes less wall time.
	@$(MAKE) --no-print-directory -j2 --output-sync=line test-rasa test-app

test-rasa: ## Rasa checks: data validation, end-to-end test stories, actions and NLU unit tests
	$(RASA)/rasa data validate
	$(RASA)/rasa test core --stories tests/rasa --model models/rasa/tandem.tar.gz --fail-on-prediction-errors --out results/rasa
	@# These suites run in the Rasa environment, which lacks the app's test helpers: each stops
	@# conftest discovery at its own folder.
	$(RASA)/python -m pytest tests/nlu --confcutdir tests/nlu -q
	$(RASA)/python -m pytest tests/actions --confcutdir tests/actions -q
	$(RASA)/python -m pytest tests/rasa --confcutdir tests/rasa -q

test-app: ## Hub, knowledge, channels, panel and browser tests against real services
	TANDEM_TEST_POSTGRES_URL=$$(scripts/test_services.sh) CI=$${CI:-} \
	  $(APP)/python -m pytest tests -q --durations=20 --ignore=tests/actions --ignore=tests/nlu --ignore=tests/rasa

lint: ## Ruff lint and format check
	$(APP)/ruff check .
	$(APP)/ruff format --check .

types: ## mypy over the application packages (strict on the message's path)
	$(APP)/mypy bot knowledge tandem nlu
	$(APP)/mypy --strict bot/pipeline bot/handoff bot/channels bot/access/deps.py bot/wiring.py

bench: setup ## Benchmarks (slow); results go to docs/benchmarks.md
	@ls bench/*.py

clean: ## Remove build outputs (models, database, caches)
	rm -rf models/rasa models/index models/cache var results .pytest_cache
