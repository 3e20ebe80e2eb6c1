# forgehooks: `make run` starts the service, `make test` runs every test. `make help` lists all.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## create .venv and install forgehooks

dev: $(VENV)/.installed-dev ## create .venv and install forgehooks with its dev extras

run: $(VENV)/.installed ## migrate the database and serve the API, console and workers on ./data
	$(BIN)/forgehooks serve

demo: $(VENV)/.installed ## a throwaway service, hooks through all five faces, a real git push, what arrived
	$(BIN)/forgehooks demo

chromium: ## install Debian's Chromium for the browser tests when missing (apt-get, as root or with sudo)
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }

# one test process per core; a test module stays in one process (its module fixtures are made once)
PARALLEL := -n auto --dist loadfile

test: dev chromium ## run the whole test suite: SQLite, the local PostgreSQL, e2e and the browser
	$(BIN)/pytest -m "not long" $(PARALLEL)

test-fast: dev ## the inner loop: SQLite only, no e2e, browser or fuzzing, stops at the first failure
	$(BIN)/pytest -m "not long and not postgres and not e2e and not browser and not fuzz" -x -q $(PARALLEL)

test-long: dev ## run the long tests (crash recovery, fuzzing, faults)
	$(BIN)/pytest -m long || [ $$? -eq 5 ]  # 5: no long tests selected

lint: dev ## ruff check, ruff format --check, import layers
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: dev ## mypy strict
	$(BIN)/mypy

bench: dev ## run the benchmarks and rewrite docs/benchmarks.md
	$(BIN)/python bench/run_all.py

migration: dev ## autogenerate a migration: make migration MESSAGE="add x"
	$(BIN)/python -c "from forgehooks.store.migrate import revision; revision('sqlite+aiosqlite:///$(CURDIR)/data/migration.db', '$(MESSAGE)')"

.PHONY: help install dev run demo chromium test test-fast test-long lint typecheck bench migration
