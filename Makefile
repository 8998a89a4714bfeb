# Two commands for a newcomer on a fresh Debian machine: `make demo` and `make test`.
# Each creates .venv, installs the project and the system packages it needs, then runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# System packages: what the demo needs, and what the tests need on top.
DEMO_APT := espeak-ng ffmpeg
TEST_APT := $(DEMO_APT) fonts-liberation2 tesseract-ocr tesseract-ocr-vie postgresql postgresql-client icecast2 chromium libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils

.PHONY: demo test bench lint clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,postgres]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	@scripts/ensure-system.sh $(DEMO_APT)
	$(BIN)/campaign demo

test: $(STAMP)
	@scripts/ensure-system.sh $(TEST_APT)
	$(BIN)/ruff check campaign schedules channels assets tests bench
	$(BIN)/mypy campaign schedules channels assets
	$(BIN)/pytest -q

bench: $(STAMP)
	@scripts/ensure-system.sh $(DEMO_APT)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check campaign schedules channels assets tests bench
	$(BIN)/mypy campaign schedules channels assets

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
