# The README's commands. `make run` and `make test` work on a bare machine with only Python 3.11:
# they create .venv, install the Python packages (and, as root on Debian, the system packages).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml build-constraints.txt 2>/dev/null | cksum | cut -d' ' -f1)
# WeasyPrint (Pango, HarfBuzz subsetter), the Chinese font for PDFs, pdfunite to join month-pack parts.
RUN_DEBS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
# Tests also read PDFs back (pdftotext), drive Chromium, and convert workbooks with LibreOffice.
TEST_DEBS := $(RUN_DEBS) chromium libreoffice-calc-nogui

.PHONY: run setup test test-fast lint format bench bench-quick debs-run debs-test clean

# XStatic-Bootstrap's sdist needs setuptools<81 to build. pip before 25.3 applies PIP_CONSTRAINT to
# build environments; pip 26.3 and later only PIP_BUILD_CONSTRAINT. Set both so any pip works.
PIP_ENV := PIP_CONSTRAINT=$(CURDIR)/build-constraints.txt PIP_BUILD_CONSTRAINT=$(CURDIR)/build-constraints.txt

$(STAMP): pyproject.toml build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_ENV) $(PY) -m pip install -q --upgrade pip
	$(PIP_ENV) $(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) debs-run

define install_debs
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then echo "Installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi; \
	else echo "(not root or not Debian: skipping Debian packages $(1))"; fi
endef

debs-run:
	$(call install_debs,$(RUN_DEBS))

debs-test:
	$(call install_debs,$(TEST_DEBS))

run: setup
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo --quiet
	$(PY) manage.py run_local --port $(PORT)

test: $(STAMP) debs-test
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -x -m "not e2e and not integration" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) debs-test
	$(PY) -m benchmarks.run $(BENCH_ARGS)

bench-quick: $(STAMP) debs-test
	$(PY) -m benchmarks.run --quick $(BENCH_ARGS)

clean:
	rm -rf var db.sqlite3
