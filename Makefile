# Argmap: `make run` serves the seeded map, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_DEBUG ?= 1

.PHONY: run test lint bench setup dev-setup clean

# Argdown's own parser (tests/debates/mapdoc/formats) comes from npm, pinned by package-lock.json. Where Node
# is missing the Argdown tests skip locally and fail on CI.
NPM := $(shell command -v npm 2>/dev/null)
NODE_DEPS := $(if $(NPM),node_modules/.installed)

node_modules/.installed: package.json package-lock.json
	@echo "make: installing Argdown's parser from npm (package-lock.json)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The first run installs for about a minute: each step says what it does, one line each, so
# a newcomer sees it working rather than a silent terminal.
$(BIN)/python:
	@echo "make: creating a Python virtual environment in $(VENV)/ (first run only)"
	@$(PYTHON) -m venv $(VENV)
	@echo "make: upgrading pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	@echo "make: installing Argmap's Python packages from requirements.txt (about a minute)"
	@$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "make: installing the test and lint tools from requirements-dev.txt (about a minute)"
	@$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
	@echo "make: creating or updating the database (var/)"
	@$(BIN)/python manage.py migrate --no-input --verbosity 0
	@echo "make: loading the seed map"
	@$(BIN)/python manage.py seed

run: setup
	@echo "Argmap is serving the seeded map at http://127.0.0.1:$(PORT)/"
	@$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

dev-setup: $(VENV)/.dev

test: $(VENV)/.dev $(NODE_DEPS)
	DJANGO_DEBUG=0 $(BIN)/pytest --durations=10 $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/djlint --check templates
	$(BIN)/djlint --lint templates

# wrk against gunicorn on PostgreSQL (DATABASE_URL, or the local cluster): docs/performance.md.
# make bench BENCH_ARGS="--sizes seed,10k,100k,1m --rounds 5 --duration 5 --json var/bench.json"
# With REDIS_URL set the servers share that Redis (emptied before each server starts).
bench: $(VENV)/.dev
	DJANGO_DEBUG=0 $(BIN)/python scripts/bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
