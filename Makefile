# nightshift: set up, run and test with one command each.  `make help` lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
# Rebuilt only when the project's dependencies change.
STAMP  := $(VENV)/.installed
# Override to choose the interpreter the venv is made from: make install PYTHON=/opt/python3.11/bin/python3
PYTHON ?=
# Extra arguments for pytest: make test PYTEST_ARGS='-k example -x'
PYTEST_ARGS ?=
# Test files run side by side in this many processes (pytest-xdist); most tests wait on robots,
# browsers and servers, so two share the 2 cores well. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2

# Under CI=true an unreachable PostgreSQL fails the tests instead of skipping them (DESIGN.md);
# pass it through whether it comes from the environment or the command line (make test CI=true).
ifdef CI
export CI
endif

.PHONY: help install chromium audio demo test docs bench clean

help:  ## List the targets
	@echo "nightshift make targets:"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## (.*)/  \1\t\2/' | expand -t 12

install: $(STAMP)  ## Create .venv (Python 3.11) and install nightshift with its test tools

$(STAMP): pyproject.toml
	@set -e; \
	python="$(PYTHON)"; \
	if [ -z "$$python" ]; then python=$$(command -v python3.11 || command -v python3 || true); fi; \
	if [ -z "$$python" ] || ! "$$python" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 13))'; then \
		echo "nightshift needs Python 3.11 or 3.12: install python3.11, or run make PYTHON=/path/to/python3.11" >&2; \
		exit 1; \
	fi; \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$python"; "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

chromium: install  ## Provide Chromium: Debian's /usr/bin/chromium, else apt (as root), else Playwright's
	@PYTHON=$(PY) scripts/provision-chromium.sh

audio:  ## Provide espeak-ng and ffmpeg (transcription tests, MP3/M4A recordings): Debian's, as root
	@scripts/provision-audio.sh

demo: install chromium  ## One night against the sandbox: generate referrals, key them, print the scored summary
	$(VENV)/bin/nightshift demo

test: install chromium audio  ## Run the whole test suite (pytest); CI=true makes PostgreSQL mandatory
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

docs: install  ## Build libdoc HTML for each keyword library under keywords/ into docs/keywords/
	@set -e; built=0; \
	for path in keywords/*.py keywords/*/__init__.py; do \
		[ -e "$$path" ] || continue; \
		case "$$path" in keywords/__init__.py|keywords/_*) continue;; esac; \
		name=$${path%/__init__.py}; name=$${name%.py}; name=$${name#keywords/}; \
		mkdir -p docs/keywords; \
		$(PY) -m robot.libdoc --format HTML keywords.$$name docs/keywords/$$name.html; \
		built=$$((built + 1)); \
	done; \
	if [ $$built = 0 ]; then echo "docs: no keyword libraries under keywords/ yet; nothing to build"; fi

bench: install  ## Measure the work-item queue against its baselines (prints a JSON line last)
	$(VENV)/bin/nightshift bench workitems

clean:  ## Remove var/ (queue data, artifacts) and build output; keeps .venv
	rm -rf var/ output/ build/ dist/ .pytest_cache/ *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
