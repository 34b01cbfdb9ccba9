# The two commands of the README, each self-sufficient on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint schema

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

# `make run PORT=8080 HOST=0.0.0.0` passes them to `broker serve`; unset, BROKER_PORT/BROKER_HOST apply.
run: $(VENV)/.installed
	$(BIN)/broker serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

schema: $(VENV)/.installed
	$(BIN)/broker export-schema --output schema.graphql
