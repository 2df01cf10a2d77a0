# nkwatch: two commands on a fresh machine.
#   make demo   install (from the lock file) and run the demo on the bundled sample corpus (PORT=8000)
#   make test   install and run the whole test suite (what .ci/run runs)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: demo test lint bench lock clean

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=24"
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

demo: $(BIN)/.installed
	$(BIN)/nkwatch demo --port $(PORT)

test: $(BIN)/.installed
	scripts/ensure-postgres
	scripts/ensure-chromium
	$(BIN)/ruff check nkwatch tests bench dev
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python bench/ingest_extract.py

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/.installed
	$(BIN)/pip install -q uv && $(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes \
	  --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
