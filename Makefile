# Stegvis: `make demo` runs the product on SQLite with demo data; `make test` runs the tests.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STEGVIS := $(BIN)/stegvis
PYTHON := $(shell bin/find-python)
# `make demo PORT=8300` serves elsewhere; every link the demo writes (e-mails, .ics) follows.
PORT ?= 8000
DEMO_ENV := STEGVIS_DEMO=1 DEBUG=1 STEGVIS_BASE_URL=http://127.0.0.1:$(PORT)

.PHONY: demo test install install-dev bench lint messages clean soak drill

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Installs the project and its pinned dependencies; re-runs when pyproject changes.
$(VENV)/.installed: $(BIN)/activate pyproject.toml constraints.txt
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# The independent FHIR R4 validator the tests check every emitted resource with (Node).
FHIR_VALIDATOR := tools/fhir-validate/node_modules/.installed
$(FHIR_VALIDATOR): tools/fhir-validate/package.json tools/fhir-validate/package-lock.json
	cd tools/fhir-validate && npm ci --no-audit --no-fund --silent
	touch $@

# A real OpenID Connect provider the tests sign in at (oidc-provider, Node).
OIDC_PROVIDER := tools/oidc-provider/node_modules/.installed
$(OIDC_PROVIDER): tools/oidc-provider/package.json tools/oidc-provider/package-lock.json
	cd tools/oidc-provider && npm ci --no-audit --no-fund --silent
	touch $@

# A SMART app written by someone else: SMART Health IT's JavaScript client (fhirclient).
SMART_APP := tools/smart-app/node_modules/.installed
$(SMART_APP): tools/smart-app/package.json tools/smart-app/package-lock.json
	cd tools/smart-app && npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev $(FHIR_VALIDATOR) $(OIDC_PROVIDER) $(SMART_APP)

demo: install
	mkdir -p var
	$(DEMO_ENV) $(STEGVIS) migrate --no-input
	$(DEMO_ENV) $(STEGVIS) demo
	@echo "Serving http://127.0.0.1:$(PORT) with one background worker. Ctrl-C stops both."
	@trap 'kill 0' INT TERM EXIT; \
	  $(DEMO_ENV) $(STEGVIS) worker & \
	  $(DEMO_ENV) $(STEGVIS) runserver --noreload 127.0.0.1:$(PORT) & \
	  wait

test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Extract user-visible strings into the catalogue, then compile it. Translate the new
# entries in stegvis/locale/sv/LC_MESSAGES/django.po; tests/test_i18n.py fails on any left.
messages: install-dev
	cd stegvis && DEBUG=1 ../$(STEGVIS) makemessages -l sv -l nb --no-obsolete --no-location
	@# The catalogues are kept as polib writes them: msgmerge wraps lines differently from
	@# one gettext version to the next, which would rewrite entries no one changed.
	$(PY) -c 'import glob, polib; [polib.pofile(p, wrapwidth=78).save() for p in glob.glob("stegvis/locale/*/LC_MESSAGES/django.po")]'
	cd stegvis && DEBUG=1 ../$(STEGVIS) compilemessages -l sv -l nb

bench: install-dev
	$(PY) bench/timelines.py
	$(PY) bench/run.py
	$(PY) bench/consents.py
	$(PY) bench/reminders.py
	$(PY) bench/insights.py
	$(PY) bench/hotpath.py

clean:
	rm -rf $(VENV) var

# A steady mixed load against gunicorn for SOAK_MINUTES (default 30): errors, p95, memory.
soak: install-dev
	$(PY) scripts/soak.py --minutes $${SOAK_MINUTES:-30}

# A region on this machine (two web nodes, two workers, PgBouncer, a streaming replica)
# under load while its parts are killed; needs Debian's postgresql and pgbouncer. CI runs
# a short form (scripts/topology_drill.py --seconds 60).
drill: install-dev
	$(PY) scripts/topology_drill.py --seconds $${DRILL_SECONDS:-240} --clients 8 \
	  --reminders $${DRILL_REMINDERS:-20000}
