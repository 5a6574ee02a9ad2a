# The two commands: `make run` (the product with demo data) and `make test` (lint + the suite).
# Everything installs from the project's own files: pyproject.toml + uv.lock, package.json +
# package-lock.json. Python 3.11 is needed (Django 5.2 LTS).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV := .tools/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
WORKERS ?= 2

.PHONY: install run test lint format check-rls clean

install: $(VENV)/.installed node_modules/.installed locale/.compiled

# The translation catalogues, compiled with Babel (pure Python: no GNU gettext needed); the .mo
# files are build output, never committed. `make messages` re-extracts them (needs GNU gettext).
locale/.compiled: $(VENV)/.installed $(wildcard locale/*/LC_MESSAGES/django.po)
	$(VENV)/bin/python scripts/i18n.py compile
	touch $@

.PHONY: messages check-catalogues
messages: install
	$(VENV)/bin/python scripts/i18n.py extract

check-catalogues: install
	$(VENV)/bin/python scripts/i18n.py check-catalogues

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$(PYTHON)"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(VENV)/bin/python scripts/services.py run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	# User-facing text outside the translation functions fails the build (scripts/check_translatable.py;
	# deliberate exceptions in scripts/translatable_allowlist.txt).
	$(VENV)/bin/python scripts/check_translatable.py

# The suite straight to PostgreSQL, then the isolation walk, the fault tests and the pooler's own
# tests once through pgbouncer in transaction pooling mode, as large deployments run it (which
# tests: POOLED_PASS in tests/conftest.py; README, "Connection pooling (pgbouncer)").
test: install lint
	scripts/ensure-chromium.sh
	scripts/ensure-pgbouncer.sh
	$(VENV)/bin/python scripts/services.py test -- $(VENV)/bin/pytest -n $(WORKERS) --pgbouncer-pass skip $(PYTEST_ARGS)
	$(VENV)/bin/python scripts/services.py test --pgbouncer -- $(VENV)/bin/pytest -n $(WORKERS) --pgbouncer-pass only $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The database `make run` serves from (DATABASE_URL when set), checked with production's logins.
check-rls: install
	$(VENV)/bin/python scripts/services.py exec -- $(VENV)/bin/python manage.py check_rls

clean:
	rm -rf $(VENV) .tools node_modules staticfiles

# `make bench`: a generated tenant at scale served by gunicorn under wrk, plus service timings.
# Not part of `make test`. Results: bench/results/latest.md and latest.json.
# Flags: make bench BENCH_ARGS="--duration 10 --partners 20000" (python -m bench --help).
.PHONY: bench
bench: install
	$(VENV)/bin/python scripts/services.py test -- $(VENV)/bin/python -m bench $(BENCH_ARGS)
