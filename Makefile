# BrukerPlan — see README.md. Every target works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install bytecode run test test-fast lint format bench demo browser oidc-provider clean

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
# poppler-utils (pdftotext, pdftoppm, pdfinfo) to read rendered PDFs back in tests, and
# libharfbuzz-subset0, with which WeasyPrint subsets fonts without fontTools (faster).
# Without them those tests cannot run, so a failed install stops `make test` here
# (docs/testing.md): a suite that skips them is not green.
BROWSER_MISSING = ! test -x /usr/bin/chromium || ! command -v pdftotext >/dev/null 2>&1 \
	  || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1 \
	  || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset
browser:
	@if $(BROWSER_MISSING); then \
	  echo "Installerer Debians chromium, poppler-utils og libharfbuzz-subset0 …"; \
	  (apt-get update -qq && apt-get install -y -qq chromium poppler-utils libharfbuzz-subset0 >/dev/null) || true; \
	  if $(BROWSER_MISSING); then \
	    echo "FEIL: Fikk ikke installert chromium (/usr/bin/chromium), poppler-utils og libharfbuzz-subset0." >&2; \
	    echo "Uten dem kan ikke nettleser- og PDF-testene kjøre. Installer dem som root:" >&2; \
	    echo "  apt-get install chromium poppler-utils libharfbuzz-subset0" >&2; \
	    echo "og kjør make test igjen." >&2; \
	    exit 1; \
	  fi; \
	fi

# A real OpenID provider for the login tests: npm's oidc-provider (tests/oidc_provider,
# pinned in its package-lock.json), run with Node.js, which Debian's nodejs and npm give
# where they are missing. The tests skip without it, which fails a CI run.
OIDC_PROVIDER := tests/oidc_provider
OIDC_STAMP := $(OIDC_PROVIDER)/node_modules/.installed-stamp
oidc-provider: $(OIDC_STAMP)
$(OIDC_STAMP): $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "Installerer Debians nodejs og npm …"; \
	  (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null) || true; \
	fi
	@command -v npm >/dev/null 2>&1 || { \
	  echo "FEIL: Fikk ikke installert Node.js og npm. Installer dem som root:" >&2; \
	  echo "  apt-get install nodejs npm" >&2; exit 1; }
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $(OIDC_STAMP)

run: install bytecode
	$(BIN)/brukerplan setup
	$(BIN)/brukerplan demo
	$(BIN)/brukerplan collectstatic --noinput --verbosity 0
	@echo "Serverer http://$(HOST):$(PORT) (DEBUG av; DEBUG=true make run slår den på)."
	@# The task worker builds the reports of closed periods beside gunicorn, and stops with it.
	$(BIN)/brukerplan db_worker --no-reload & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c python:brukerplan.gunicorn_config brukerplan.wsgi

test: install browser oidc-provider
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: install
	$(BIN)/pytest -n 2 -m "not browser and not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Prints the figures and rewrites docs/performance.md's table from them (BENCH_WRITE=0:
# only prints); the mapping load test runs when PostgreSQL answers on 127.0.0.1:5432.
bench: install bytecode
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache $(OIDC_PROVIDER)/node_modules
