# `make run` sets up and starts everything; `make test` sets up and runs every check.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# PostgreSQL and Redis: the ones on localhost, or embedded ones under var/ (see README).
SERVICES := mkdir -p var && $(PY) -m metacult services > var/services.env && set -a && . var/services.env && set +a

.PHONY: run test install lint format migrate bench clean

run: $(STAMP)
	@$(SERVICES) && $(PY) -m metacult migrate && $(PY) -m metacult seed && \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" exec $(PY) -m metacult run

test: $(STAMP) lint
	@$(SERVICES) && $(PY) -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(STAMP)
	@$(SERVICES) && $(PY) -m metacult migrate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
