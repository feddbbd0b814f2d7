# Backoffice: `make demo` runs the main job on the demo books; `make test` runs every check.
# Both set up everything they need on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE ?= 1
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint typecheck pytest chromium bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else \
	    echo "chromium is missing: install Debian's 'chromium' package (browser tests will be skipped)"; \
	  fi; \
	fi

# The main job: import the day's statements, check the books, report, serve Fava.
# It works on a fresh copy of the demo books under build/demo, so the tracked
# books/ stay as they are and the demo can run again (and the tests after it).
DEMO := build/demo
DEMO_BOOKS := $(DEMO)/main.beancount
demo: $(VENV)/.installed
	rm -rf $(DEMO)
	mkdir -p $(dir $(DEMO))
	cp -R books $(DEMO)
	@echo "== backoffice import $(DEMO)/inbox/*"
	$(BIN)/backoffice --books $(DEMO_BOOKS) import $(DEMO)/inbox/*
	@echo "== backoffice check"
	$(BIN)/backoffice --books $(DEMO_BOOKS) check
	@echo "== backoffice settlements"
	$(BIN)/backoffice --books $(DEMO_BOOKS) settlements
	@echo "== backoffice cash --days 10"
	$(BIN)/backoffice --books $(DEMO_BOOKS) cash --days 10
	@echo "== backoffice match: AlphaSec confirms the XYZ buy at 61.30, we booked 61.25"
	@# --accept-resolved: the price break is found again, and the books hold its resolution.
	$(BIN)/backoffice --books $(DEMO_BOOKS) match --accept-resolved $(DEMO)/confirmations/alphasec-20261124.csv
	@echo "== backoffice recon"
	$(BIN)/backoffice --books $(DEMO_BOOKS) recon
	@echo "== backoffice breaks"
	$(BIN)/backoffice --books $(DEMO_BOOKS) breaks
	@echo "== backoffice blotter, stock-record, valuation: the records and the books at market"
	$(BIN)/backoffice --books $(DEMO_BOOKS) blotter --from 2026-11-01 --to 2026-11-30
	$(BIN)/backoffice --books $(DEMO_BOOKS) stock-record
	$(BIN)/backoffice --books $(DEMO_BOOKS) valuation
	@echo "== backoffice valuation --as-of 2026-10-31: the October month-end, at Custodia's MT535 prices"
	$(BIN)/backoffice --books $(DEMO_BOOKS) valuation --as-of 2026-10-31
	@echo "== backoffice close 2026-10: the October checklist passes; the month is sealed with its mark-to-market"
	$(BIN)/backoffice --books $(DEMO_BOOKS) close 2026-10
	@echo "== revaluations.beancount: October's mark-to-market at the valuation above, reversed on 1 November"
	@cat $(DEMO)/revaluations.beancount
	@echo "== backoffice verify: every seal holds"
	$(BIN)/backoffice --books $(DEMO_BOOKS) verify
	@if [ "$(SERVE)" != "0" ]; then \
	  echo "== Fava on http://$(HOST):$(PORT) (Ctrl-C to stop)"; \
	  $(BIN)/backoffice --books $(DEMO_BOOKS) serve --host $(HOST) --port $(PORT); \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check ledger importers plugins tests bench
	$(BIN)/ruff format --check ledger importers plugins tests bench

typecheck: $(VENV)/.installed
	$(BIN)/mypy --strict ledger importers plugins

pytest: $(VENV)/.installed chromium
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/check_vs_bean_check.py --size 100k

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache bench/out build/demo
