# Everyday commands. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi
EXTRACT := $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	--no-location --sort-output --add-comments=TRANSLATORS: \
	--project="DO Impact Academy" --copyright-holder="DO Impact Academy" \
	-o translations/messages.pot .

.PHONY: install demo-data run serve test test-pg test-e2e lint format translations compile bench clean checkers

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

compile: install
	$(BIN)/pybabel compile -d translations -D messages

# The instance in instance/ (or DOIMPACT_INSTANCE_PATH): migrated, content imported, demo data.
demo-data: compile
	$(FLASK) db upgrade
	$(FLASK) content sync
	$(FLASK) demo seed

run: demo-data
	DOIMPACT_SERVER_ORIGIN=http://127.0.0.1:$(PORT) DOIMPACT_SCHEDULER_IN_WEB=true $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The same instance under gunicorn with 2 workers (gunicorn.conf.py), as fast as in production.
# The outbox dispatcher runs beside it as its own process, as in production, and stops with it.
serve: demo-data
	@echo "Serving on http://127.0.0.1:$(PORT) with gunicorn (2 workers); the outbox dispatcher"
	@echo "runs beside it as its own process (flask scheduler run). Ctrl-C stops both."
	@export DOIMPACT_SERVER_ORIGIN=http://127.0.0.1:$(PORT); \
	$(FLASK) scheduler run & dispatcher=$$!; \
	trap 'kill $$dispatcher 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app

test: compile checkers
	$(BIN)/pytest $(PYTEST_ARGS)

# Mozilla's ical.js reads our calendars in the tests, where Node is installed (skipped otherwise).
checkers: tests/calendar/js/node_modules/ical.js/package.json

tests/calendar/js/node_modules/ical.js/package.json: tests/calendar/js/package-lock.json
	-command -v npm >/dev/null 2>&1 && npm ci --prefix tests/calendar/js --silent --no-audit --no-fund

test-pg: compile checkers
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest -m "not e2e"

test-e2e: compile
	$(BIN)/pytest tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

translations: install
	$(EXTRACT)
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d translations -D messages --statistics

# The in-process benchmarks, then the pages side by side with a bare Flask app under gunicorn
# (needs wrk; bench/README.md). Both always print; either's failure fails the target.
bench: compile
	$(BIN)/python -m bench; status=$$?; $(BIN)/python -m bench.side_by_side || status=1; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
