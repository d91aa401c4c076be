# Quayside: `make run` starts the app with a demo warehouse; `make test` runs
# the suite on SQLite, and on PostgreSQL too when WMS_TEST_POSTGRES_URL is set.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WMS_PORT ?= 8000
WMS_WORKERS ?= 4
export WMS_DATABASE_URL ?= sqlite:///instance/wms.db

.PHONY: install run test test-sqlite test-postgres lint bench check demo clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/wms db upgrade
	$(BIN)/wms demo --if-empty
	@echo "Quayside on http://127.0.0.1:$(WMS_PORT)  (API: /api/v1, OpenAPI: /api/v1/openapi.json)"
	$(BIN)/gunicorn --workers $(WMS_WORKERS) --bind 127.0.0.1:$(WMS_PORT) --access-logfile - wsgi:app

lint: $(STAMP)
	$(BIN)/ruff check .

test-sqlite: $(STAMP)
	env -u WMS_TEST_DATABASE_URL $(BIN)/pytest

test-postgres: $(STAMP)
	@if [ -z "$$WMS_TEST_POSTGRES_URL" ]; then \
		echo "WMS_TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped"; \
	else \
		WMS_TEST_DATABASE_URL="$$WMS_TEST_POSTGRES_URL" $(BIN)/pytest; \
	fi

test: lint test-sqlite test-postgres

# Needs PostgreSQL (WMS_BENCH_POSTGRES_URL) and pgbench; prints and saves bench/results/.
bench: $(STAMP)
	$(BIN)/python -m bench.ledger
	$(BIN)/python -m bench.inbound
	$(BIN)/python -m bench.picking

check: $(STAMP)
	$(BIN)/wms check

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis *.egg-info
