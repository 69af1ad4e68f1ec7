# FOI Archive. `make run` sets up and serves the site with sample data; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CONFIG ?= config.toml
SAMPLES = data/samples

.PHONY: run test install samples ingest-corpus clean browser-deps

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "FOI Archive needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

## Set everything up, ingest the sample responses, and serve http://127.0.0.1:5000
run: install samples
	$(BIN)/foi-archive serve --config $(CONFIG)

samples: install
	$(BIN)/foi-archive samples $(SAMPLES)
	$(BIN)/foi-archive ingest $(SAMPLES) --config $(CONFIG)

## Run the whole test suite (fetching axe-core first where npm is present)
test: install
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
	  if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory browser-deps; \
	  else echo "npm not found: the browser tests will skip"; fi; fi
	$(BIN)/python -m pytest

## axe-core for the real-browser tests (tests/test_browser.py), into node_modules/ (git-ignored)
browser-deps:
	npm install --no-save --no-audit --no-fund --silent --prefix . axe-core@4

## Ingest the real corpus that sits beside the checkout
ingest-corpus: install
	$(BIN)/foi-archive ingest ../shared/corpus/docs --config $(CONFIG)

clean:
	rm -rf data $(VENV) .pytest_cache
