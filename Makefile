# Two commands for a newcomer: `make run` and `make test`. Each installs what is
# missing (system libraries, .venv, the project) and is quick the second time.
PYTHON ?= python3
# One venv per Python: `make test PYTHON=/path/to/python3.13` builds and uses .venv-3.13,
# so several Pythons can be tested side by side; plain `make test` keeps .venv.
ifeq ($(origin PYTHON),file)
VENV := .venv
else
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(PY_VERSION),)
$(error PYTHON=$(PYTHON) does not run: give the path of a Python 3.10 or newer)
endif
VENV := .venv-$(PY_VERSION)
endif
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint benchmark package clean FORCE

run: $(VENV)/.stamp-run
	$(BIN)/captioner $(ARGS)

test: $(VENV)/.stamp-dev
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check captioner tests benchmarks
	$(BIN)/ruff format --check captioner tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python .ci/module_size.py

benchmark: $(VENV)/.stamp-dev
	$(BIN)/python benchmarks/offline_engine.py

# The one-folder app in dist/captioner/ (see packaging/README.md), then its --self-test
# (offscreen, offline engine, bundled clip); fails if either fails. Its own venv holds the
# app's dependencies and PyInstaller, not the project or the dev tools: PyInstaller reads
# the source tree. Rebuilds only when the sources, the spec or pyproject.toml change.
PKG_VENV := build/package-venv
PKG_BIN := $(PKG_VENV)/bin
PKG_APP := dist/captioner/captioner
PKG_METAINFO := packaging/linux/io.github.captioner.Captioner.metainfo.xml
PKG_SOURCES = $(shell find captioner resources -type f -not -path '*/__pycache__/*')

package: $(PKG_APP)
	@if command -v appstreamcli >/dev/null; then appstreamcli validate --no-net $(PKG_METAINFO); fi
	@if command -v desktop-file-validate >/dev/null; then \
	  desktop-file-validate --no-hints dist/captioner/share/applications/captioner.desktop; fi
	$(PKG_APP) --version
	@env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=offscreen timeout 300 \
	  $(PKG_APP) --self-test >build/package-selftest.log 2>&1; status=$$?; \
	  cat build/package-selftest.log; \
	  if [ $$status -ne 0 ] || ! grep -qx 'self-test: PASS' build/package-selftest.log; then \
	    echo "make package: the packaged app failed its --self-test (exit status $$status)" >&2; \
	    exit 1; \
	  fi
	@echo "make package: $(PKG_APP) passed its self-test; dist/captioner/ is $$(du -sh dist/captioner | cut -f1)"

$(PKG_APP): $(PKG_VENV)/.stamp build/icons/.stamp packaging/captioner.spec packaging/entry.py \
		$(wildcard packaging/linux/*) $(PKG_SOURCES)
	$(PKG_BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist \
	  --workpath build/pyinstaller packaging/captioner.spec
	@touch $@

build/icons/.stamp: packaging/make_icons.py resources/captioner.svg $(PKG_VENV)/.stamp
	$(PKG_BIN)/python packaging/make_icons.py build/icons
	@touch $@

$(PKG_VENV)/.stamp: pyproject.toml packaging/requirements.py .stamp-system-package \
		$(PKG_VENV)/.stamp-venv
	$(PKG_BIN)/python packaging/requirements.py package >$(PKG_VENV)/requirements.txt
	$(PKG_BIN)/python -m pip install -q -r $(PKG_VENV)/requirements.txt
	@touch $@

.stamp-system-package: packaging/system-deps.sh
	PYTHON='$(PYTHON)' packaging/system-deps.sh package
	@touch $@

.stamp-system-run: packaging/system-deps.sh
	PYTHON='$(PYTHON)' packaging/system-deps.sh run
	@touch $@

.stamp-system-test: packaging/system-deps.sh
	PYTHON='$(PYTHON)' packaging/system-deps.sh test
	@touch $@

# A venv is usable when its python runs and has pip. `python3 -m venv` on Debian/Ubuntu
# without python3-venv stops half way and leaves one without pip; a Python upgrade leaves
# one whose python is a dangling link. Each used to fail every later `make` until
# `make clean`: the venv is now checked when make starts (one python start-up, ~20 ms) and,
# when unusable, made again together with everything installed in it (the stamps below
# depend on .stamp-venv). The system's venv package is installed first (system-deps.sh venv).
venv_unusable = $(shell { [ -e $(1) ] || [ -L $(1) ]; } \
	&& ! $(1)/bin/python -c 'import pip' >/dev/null 2>&1 && echo FORCE)

define make_venv
@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Captioner needs Python 3.10 or newer"'
@if ! $(1)/bin/python -c 'import pip' >/dev/null 2>&1; then \
	  PYTHON='$(PYTHON)' packaging/system-deps.sh venv || exit 1; \
	  if [ -e $(1) ] || [ -L $(1) ]; then \
	    echo "$(1) is unusable (its python does not run or has no pip): creating it again"; \
	    rm -rf $(1); \
	  fi; \
	  echo "$(PYTHON) -m venv $(1)"; \
	  $(PYTHON) -m venv $(1) || { rm -rf $(1); \
	    echo "Creating the venv failed: install the venv package of $(PYTHON) (on Debian/Ubuntu python3.X-venv or python3-venv), then run make again" >&2; \
	    exit 1; }; \
	  $(1)/bin/python -m pip install -q --upgrade pip || exit 1; \
	fi
@touch $(1)/.stamp-venv
endef

FORCE:

$(VENV)/.stamp-venv: $(call venv_unusable,$(VENV))
	$(call make_venv,$(VENV))

$(PKG_VENV)/.stamp-venv: $(call venv_unusable,$(PKG_VENV))
	$(call make_venv,$(PKG_VENV))

# The opus extra (PyAV, low-bandwidth audio) only from a wheel: where none exists for
# this Python/platform the app is installed without it and the setting says so.
$(VENV)/.stamp-run: pyproject.toml .stamp-system-run $(VENV)/.stamp-venv
	$(BIN)/python -m pip install -q --only-binary=av -e '.[opus]' || { \
	  echo "No PyAV wheel here: installing without low-bandwidth audio (Opus)"; \
	  $(BIN)/python -m pip install -q -e .; }
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml .stamp-system-test $(VENV)/.stamp-venv
	$(BIN)/python -m pip install -q --only-binary=av -e '.[dev,opus]' || { \
	  echo "No PyAV wheel here: installing without low-bandwidth audio (Opus)"; \
	  $(BIN)/python -m pip install -q -e '.[dev]'; }
	@touch $(VENV)/.stamp-run $@

clean:
	rm -rf .venv .venv-* .stamp-system-* build dist *.egg-info
