# ithaca: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# PostgreSQL for the second run of the database tests; skipped, saying why, if it does not answer.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/ithaca

.PHONY: run test lint typecheck contracts unit postgres browser fonts install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## run: install, migrate, load the demo clinic (SQLite in ./var), serve on http://127.0.0.1:8000
run: $(STAMP) fonts
	$(BIN)/ithaca demo
	$(BIN)/ithaca serve --host 127.0.0.1 --port 8000

## test: install what the tests need, then lint, type-check, check the core's purity, and test
## on SQLite (unit, CLI, integration, browser) and again on PostgreSQL (integration)
test: $(STAMP) browser fonts lint typecheck contracts unit postgres

# Debian's Chromium for the browser tests (never a browser download), poppler's pdftotext,
# with which the PDF tests read back what they printed, and gettext's xgettext, with which
# the translation tests find every string marked for translation.
browser:
	@{ command -v chromium && command -v pdftotext && command -v xgettext; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core poppler-utils gettext >/dev/null; \
	  else echo "chromium or pdftotext is missing and this is not root: those tests will be skipped"; fi; }

# Noto CJK, so the Chinese leaflets print in a real Chinese typeface (WeasyPrint uses the
# system's fonts); never a font download from anywhere but Debian.
fonts:
	@fc-list ":family=Noto Sans CJK SC" | grep -q . || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "fonts-noto-cjk is missing and this is not root: Chinese leaflets cannot be printed"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

postgres: $(STAMP)
	ITHACA_TEST_POSTGRES=1 DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest tests/integration

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis test-output
