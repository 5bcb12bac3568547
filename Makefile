# Pakta: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# What WeasyPrint needs to render PDFs (HarfBuzz subsetting makes it ~2.7x faster) and the fonts.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig
# What some tests use: the browser they drive (tests/browser), poppler's pdfsig and pdftoppm,
# zbarimg (the certificate's QR code read off a 150 dpi page), and nginx (the shipped
# deploy/nginx/pakta.conf is run in front of two app nodes); without them those tests are
# skipped, nothing fails. Installing nginx may start Debian's default site on port 80 where
# services are started on install; no test uses that port (each nginx of a test runs on
# free ports with a prefix of its own).
TEST_PACKAGES := chromium poppler-utils zbar-tools nginx
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install system-packages translations run test test-sqlite test-postgresql lint audit format clean

install: $(STAMP) translations

$(STAMP): pyproject.toml constraints.txt Makefile
	@$(MAKE) --no-print-directory system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null && fc-cache -f; \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing && fc-cache -f"; exit 1; \
	  fi; \
	fi
	@missing=""; for p in $(TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing test packages:$$missing"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	      || echo "could not install$$missing: the tests that need them will be skipped"; \
	  else \
	    echo "missing test packages:$$missing: the tests that need them will be skipped"; \
	    echo "to run them: sudo apt-get install -y$$missing"; \
	  fi; \
	fi

# Catalogs are compiled here, never committed as binaries.
translations: $(STAMP)
	$(BIN)/pybabel compile -d pakta/translations

run: install
	$(BIN)/pakta db upgrade
	$(BIN)/pakta demo --if-empty
	$(BIN)/pakta keys init
	$(BIN)/pakta run --host 127.0.0.1 --port 5000

# SQLite always; PostgreSQL too when PAKTA_TEST_DATABASE_URL names a server.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest
	@$(MAKE) --no-print-directory audit

test-sqlite: install
	env -u PAKTA_TEST_DATABASE_URL $(BIN)/python -m pytest

test-postgresql: install
	PAKTA_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

# Known vulnerabilities in the pinned dependencies, from PyPI's advisory data. Every pin is
# exact, so nothing is resolved. A pin that cannot be audited while others can fails; when
# none can (the advisory data is out of reach), it says so and skips. See the script.
audit: install
	$(BIN)/python scripts/audit_dependencies.py constraints.txt

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract message ids into the catalogs after changing user-facing strings.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o pakta/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i pakta/translations/messages.pot -d pakta/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
