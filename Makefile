# praktijktest: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := praktijktest/translations
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgresql bench mutation mutation-full lint translations extract-messages system-deps clean help

help:
	@echo "make run    set up everything, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test   install what the tests need and run the whole suite"
	@echo "make bench  run the benchmarks, each figure beside its baseline"
	@echo "make mutation  mutation testing of analysis/ and the security layers, from the last run's verdicts"
	@echo "make mutation-full  the same from nothing (hours on 2 cores)"
	@echo "make lint   ruff"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed-run $@

%.mo: %.po
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(VENV)/.installed-run $(COMPILED)

extract-messages: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

system-deps:
	@scripts/system-deps.sh run

run: $(VENV)/.installed-run translations system-deps
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl+C stops)."
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev translations
	@scripts/system-deps.sh test
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgresql; \
	else echo "TEST_DATABASE_URL is not set: the PostgreSQL pass is skipped (.ci/run sets it)."; fi

# pytest-xdist processes per pass. Each has its own SQLite files, and on PostgreSQL its
# own database `<name>_gw<N>` (tests/conftest.py). One process by default: on the shared
# 2-core machine `-n 2` was slower and the SQLite pass not green (docs/testing.md);
# PYTEST_JOBS=2 runs two.
PYTEST_JOBS ?= 0

# The statistics tests touch no database, so the PostgreSQL pass leaves them out.
test-sqlite:
	@echo "== tests on SQLite"
	TEST_DATABASE_URL= $(BIN)/pytest -q -n $(PYTEST_JOBS) tests

test-postgresql:
	@echo "== tests on PostgreSQL ($$TEST_DATABASE_URL)"
	$(BIN)/pytest -q -n $(PYTEST_JOBS) tests --ignore=tests/analysis

bench: $(VENV)/.installed-dev translations
	$(BIN)/python -m benchmarks.run

# Not part of `make test`. `make mutation` starts from the verdicts of the last run
# (tests/mutation/verdicts.json: kills of unchanged functions stand, the rest is run)
# and writes its own back there; `make mutation-full` runs every mutant from nothing
# (hours on 2 cores). docs/testing.md has the last figures.
mutation: $(VENV)/.installed-dev translations
	$(BIN)/python scripts/mutation.py --resume tests/mutation/verdicts.json --save tests/mutation/verdicts.json

mutation-full: $(VENV)/.installed-dev translations
	$(BIN)/python scripts/mutation.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(COMPILED)
