# RTR: `make run` starts the app, `make test` runs the tests. See README.md.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint check venv clean help bench demo-code

help:
	@echo "make run    - install, migrate, load demo data, start web + worker + beat (PORT=$(PORT))"
	@echo "make test   - install test tools and run the whole suite"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmark on PostgreSQL + Redis (BENCH_PATIENTS=$(BENCH_PATIENTS) BENCH_DAYS=$(BENCH_DAYS))"
	@echo "make demo-code - the demo lead's current two-factor code"

$(VENV)/bin/python:
	@python=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV) && $(PY) -m pip install --quiet --upgrade pip

# Runtime dependencies only (fast first start); the stamp is redone when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed-run

venv: $(VENV)/.installed-run

run: $(VENV)/.installed-run
	@VENV=$(VENV) scripts/run-dev

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

demo-code: $(VENV)/.installed-run
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} RTR_RUN_DIR=$${RTR_RUN_DIR:-$$PWD/.run} $(PY) manage.py demo_code

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# Benchmark (issue 9): database rtr_bench and Redis db 13 unless BENCH_DATABASE_URL / BENCH_REDIS_URL
# say otherwise; `make bench BENCH_PATIENTS=1000` for a quick run.
BENCH_PATIENTS ?= 10000
BENCH_DAYS ?= 100
BENCH_ARGS ?=

bench: $(VENV)/.installed-dev
	DJANGO_SETTINGS_MODULE=bench.settings $(PY) -m bench.run --patients $(BENCH_PATIENTS) --days $(BENCH_DAYS) $(BENCH_ARGS)

clean:
	rm -rf .run staticfiles .pytest_cache
