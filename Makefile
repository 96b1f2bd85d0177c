# Two commands for a newcomer: `make run` and `make test`. Each installs what is
# missing (system libraries, .venv, the project) and is quick the second time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint benchmark clean

run: $(VENV)/.stamp-run
	$(BIN)/captioner $(ARGS)

test: $(VENV)/.stamp-dev
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check captioner tests benchmarks
	$(BIN)/ruff format --check captioner tests benchmarks
	$(BIN)/lint-imports

benchmark: $(VENV)/.stamp-dev
	$(BIN)/python benchmarks/offline_engine.py

.stamp-system-run: packaging/system-deps.sh
	packaging/system-deps.sh run
	@touch $@

.stamp-system-test: packaging/system-deps.sh
	packaging/system-deps.sh test
	@touch $@

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Captioner needs Python 3.10 or newer"'
	$(PYTHON) -m venv $(VENV) || { echo "Creating the venv failed: install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.stamp-run: pyproject.toml .stamp-system-run | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml .stamp-system-test | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(VENV)/.stamp-run $@

clean:
	rm -rf $(VENV) .stamp-system-* build dist *.egg-info
