# BrukerPlan — see README.md. Every target works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install bytecode run test test-fast lint format bench demo browser clean

install: $(STAMP)

# The package's compiled bytecode, beside its sources (an editable install has none, and
# where PYTHONDONTWRITEBYTECODE is set every new process compiles 14,000 lines: 0.07 s).
# Python checks each file's time stamp, so a stale file is compiled again, never used.
bytecode: install
	$(BIN)/python -m compileall -q brukerplan

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's chromium for the browser tests (Playwright never downloads a browser here),
# poppler-utils (pdftotext, pdftoppm) to read rendered PDFs back in tests, and
# libharfbuzz-subset0, with which WeasyPrint subsets fonts without fontTools (faster).
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 \
	  || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset; then \
	  echo "Installerer Debians chromium, poppler-utils og libharfbuzz-subset0 …"; \
	  (apt-get update -qq && apt-get install -y -qq chromium poppler-utils libharfbuzz-subset0 >/dev/null) \
	  || echo "Fikk ikke installert alt; testene som trenger det hoppes over."; \
	fi

run: install bytecode
	$(BIN)/brukerplan setup
	$(BIN)/brukerplan demo
	$(BIN)/brukerplan collectstatic --noinput --verbosity 0
	@echo "Serverer http://$(HOST):$(PORT) (DEBUG av; DEBUG=true make run slår den på)."
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c python:brukerplan.gunicorn_config brukerplan.wsgi

test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: install
	$(BIN)/pytest -n 2 -m "not browser and not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install bytecode
	$(BIN)/python -m bench
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  $(BIN)/python -m bench.load_mapping; \
	else echo "Ingen PostgreSQL på 127.0.0.1:5432: hopper over lasttesten av kartleggingen."; fi

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
