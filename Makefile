# Every target creates .venv when it is missing; only Python >= 3.11 and make are needed.
# `make demo` installs careerloop alone; `make test` adds the dev tools to the same venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit dist-check bench clean browser complexity

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# The dev extra includes the package, so a dev venv is a runtime venv too.
$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(RUNTIME)

# The name older instructions use for "a venv ready for the tests".
$(VENV)/.installed: $(DEV)
	@touch $@

demo: $(RUNTIME)
	$(BIN)/careerloop demo --out demo

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(DEV)
	$(BIN)/mypy

unit: $(DEV)
	$(BIN)/pytest -q

# The sdist and wheel as PyPI gets them: built, checked, installed in a clean venv, run.
dist-check: $(DEV)
	PYTHON=$(BIN)/python bash scripts/check_dist.sh

# The browser tests (tests/browser.py) need a headless Chromium: Debian's package is
# installed when none is on the PATH (as root, or through sudo).
browser:
	@command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium-headless-shell fonts-dejavu-core >/dev/null; }

test: $(DEV) browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python scripts/check_complexity.py src
	$(BIN)/pytest -q
	$(MAKE) --no-print-directory dist-check

bench: $(DEV)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) demo dist .pytest_cache .mypy_cache .ruff_cache

# No function in src/ over 60 lines or cyclomatic complexity 15 (radon's figure).
complexity: $(DEV)
	$(BIN)/python scripts/check_complexity.py src
