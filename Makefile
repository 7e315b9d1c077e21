# Task runner for maintainers: plain make, nothing to install beyond the project venv.
# `make help` lists the targets; CONTRIBUTING.md explains when to use which.
# PYTHON selects the interpreter of the venv that `make venv` creates (default python3).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: help venv lint format types test test-all docs schema benchmark pre-commit ci

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

venv:  ## create .venv and install the project with its test extra (pinned ruff and mypy)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'

lint:  ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:  ## rewrite: ruff format and ruff check --fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types:  ## mypy: the package strict, tests/ with the looser profile (pyproject.toml)
	$(BIN)/mypy

test:  ## the default loop: every test but the slow ones, in parallel
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-all:  ## every test, as CI runs them (the README's test command)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

docs:  ## regenerate schema.json and the typed facades, then the tests that keep the docs true
	$(BIN)/python -m pulumi_mailboxorg.schema > schema.json
	$(BIN)/python tests/facade.py --write
	$(BIN)/python -m pytest tests/test_readme.py tests/test_schema.py tests/test_facade.py tests/examples/test_layout.py $(PYTEST_ARGS)

benchmark:  ## the deployment benchmark (README "Performance"); about 3-4 minutes on 2 CPUs
	$(BIN)/python tests/bench/run.py

pre-commit:  ## the pre-commit hooks on every file (needs: $(BIN)/pip install pre-commit)
	$(BIN)/pre-commit run --all-files

ci:  ## exactly what CI runs (a fresh .venv, lint, types, every test)
	bash .ci/run
