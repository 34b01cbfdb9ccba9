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

# Browser assets the app serves itself (GraphiQL and React, pinned in package-lock.json): no CDN.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 18+ (apt-get install -y npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The web client's stylesheet: GOV.UK Frontend compiled with our settings (system fonts, no crown).
WEB_CSS := broker/web/static/app.css
$(WEB_CSS): broker/web/styles/app.scss node_modules/.installed
	node_modules/.bin/sass --load-path=node_modules --no-source-map --style=compressed --quiet-deps \
		--silence-deprecation=import broker/web/styles/app.scss $@

# `make run PORT=8080 HOST=0.0.0.0` passes them to `broker serve`; unset, BROKER_PORT/BROKER_HOST apply.
run: $(VENV)/.installed node_modules/.installed $(WEB_CSS)
	$(BIN)/broker serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# The suite in TEST_WORKERS processes (pytest-xdist; default: one per core), each test file kept in one
# process so its module fixtures are built once. Each process has its own PostgreSQL database.
TEST_WORKERS ?= auto
test: $(VENV)/.installed node_modules/.installed $(WEB_CSS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

schema: $(VENV)/.installed
	$(BIN)/broker export-schema --output schema.graphql
