# Quayside: `make run` starts the app with a demo warehouse; `make test` runs
# the suite on SQLite, and on PostgreSQL too when WMS_TEST_POSTGRES_URL is set.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WMS_PORT ?= 8000
WMS_WORKERS ?= 4
WMS_SANDBOX_PORT ?= 8100
WMS_SANDBOX_URL ?= http://127.0.0.1:$(WMS_SANDBOX_PORT)
export WMS_DATABASE_URL ?= sqlite:///instance/wms.db

.PHONY: install run test test-sqlite test-postgres test-fuzz fuzz lint bench check demo clean mutation messages translations

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The web server, the sync worker and the sandbox marketplace, as one command
# (Procfile, run by honcho; Ctrl-C stops all three). Channel credentials are
# sealed with WMS_CHANNEL_KEYS; without one, a key is made once in instance/.
run: $(STAMP)
	@mkdir -p instance
	@test -n "$$WMS_CHANNEL_KEYS" || test -s instance/channel.key || $(BIN)/wms channels new-key > instance/channel.key
	$(BIN)/wms db upgrade
	WMS_CHANNEL_KEYS="$${WMS_CHANNEL_KEYS:-$$(cat instance/channel.key)}" WMS_SANDBOX_URL=$(WMS_SANDBOX_URL) \
		$(BIN)/wms demo --if-empty
	@echo "Quayside on http://127.0.0.1:$(WMS_PORT)  (API: /api/v1, OpenAPI: /api/v1/openapi.json)"
	@echo "Sandbox marketplace on $(WMS_SANDBOX_URL)/_sandbox/state; \`wms sync status\` shows the sync"
	WMS_CHANNEL_KEYS="$${WMS_CHANNEL_KEYS:-$$(cat instance/channel.key)}" VENV_BIN=$(BIN) WMS_PORT=$(WMS_PORT) \
		WMS_WORKERS=$(WMS_WORKERS) WMS_SANDBOX_PORT=$(WMS_SANDBOX_PORT) WMS_SANDBOX_URL=$(WMS_SANDBOX_URL) \
		$(BIN)/honcho start -f Procfile

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

# schemathesis against the OpenAPI document (tests/fuzz): a short deterministic
# slice in `make test` (seller role), every role at length in `make fuzz`.
test-fuzz: $(STAMP)
	env -u WMS_TEST_DATABASE_URL WMS_FUZZ_EXAMPLES=2 $(BIN)/pytest tests/fuzz -q -k seller

fuzz: $(STAMP)
	env -u WMS_TEST_DATABASE_URL WMS_FUZZ_EXAMPLES=$${WMS_FUZZ_EXAMPLES:-100} WMS_FUZZ_RANDOM=1 $(BIN)/pytest tests/fuzz -q
	@if [ -n "$$WMS_TEST_POSTGRES_URL" ]; then \
		WMS_TEST_DATABASE_URL="$$WMS_TEST_POSTGRES_URL" WMS_FUZZ_EXAMPLES=$${WMS_FUZZ_EXAMPLES:-100} WMS_FUZZ_RANDOM=1 \
			$(BIN)/pytest tests/fuzz -q; \
	fi

test: lint test-sqlite test-postgres test-fuzz

# Needs PostgreSQL (WMS_BENCH_POSTGRES_URL) and pgbench; prints and saves bench/results/.
bench: $(STAMP)
	$(BIN)/python -m bench.ledger
	$(BIN)/python -m bench.inbound
	$(BIN)/python -m bench.picking
	$(BIN)/python -m bench.slotting --quick
	$(BIN)/python -m bench.sync
	$(BIN)/python -m bench.bulk
	$(BIN)/python -m bench.growth

# Mutation testing of the pure modules ([mutmut] in setup.cfg) against their
# fast tests; MUTANTS narrows it, e.g. MUTANTS='fulfillment.bins*'. All of it
# takes about an hour on 2 cores. Then: $(BIN)/mutmut results / show NAME.
MUTANTS ?=
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	$(BIN)/mutmut run $(MUTANTS)

check: $(STAMP)
	$(BIN)/wms check

# Languages (README, "Languages"): `make messages` extracts the marked strings
# into each package's messages.pot and merges them into its .po files (then
# translate the new entries); `make translations` compiles the .mo files,
# which are committed beside the .po files.
BABEL_PACKAGES := wms fulfillment slotting
messages: $(STAMP)
	for pkg in $(BABEL_PACKAGES); do \
		$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k M_ -k lazy_gettext --no-location --sort-output \
			-o $$pkg/translations/messages.pot $$pkg && \
		$(BIN)/pybabel -q update -i $$pkg/translations/messages.pot -d $$pkg/translations -D messages \
			--width 120 --ignore-obsolete --no-fuzzy-matching; \
	done

translations: $(STAMP)
	for pkg in $(BABEL_PACKAGES); do $(BIN)/pybabel -q compile -d $$pkg/translations -D messages; done

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis *.egg-info
