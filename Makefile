# `make run` sets up and starts everything; `make test` sets up and runs every check.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# PostgreSQL and Redis: the ones on localhost, or embedded ones under var/ (see README).
SERVICES := mkdir -p var && $(PY) -m metacult services > var/services.env && set -a && . var/services.env && set +a

.PHONY: chromium run test test-unit test-default test-slow test-rabbitmq test-cluster install lint format migrate bench clean

# WEB and WORKERS: how many web processes (sharing PORT) and worker processes to run.
WEB ?= 1
WORKERS ?= 1
run: $(STAMP)
	@$(SERVICES) && $(PY) -m metacult migrate && $(PY) -m metacult seed && \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" exec $(PY) -m metacult run \
	  --concurrency web=$(WEB),worker=$(WORKERS)

# Three tiers, each its own run: pure tests (no services, seconds), the default suite, and
# the slow one (workers, processes). pytest's 5 ("no test selected", e.g. a PYTEST_ARGS
# path with no test of that tier) is not a failure.
PYTEST := $(PY) -m pytest
ALLOW_EMPTY := || [ $$? -eq 5 ]

test: $(STAMP) lint chromium
	@$(PYTEST) -m unit $(PYTEST_ARGS) $(ALLOW_EMPTY)
	@$(SERVICES) && { $(PYTEST) -m "not unit and not slow" $(PYTEST_ARGS) $(ALLOW_EMPTY); }
	@$(SERVICES) && { $(PYTEST) -m slow $(PYTEST_ARGS) $(ALLOW_EMPTY); }
	@$(MAKE) --no-print-directory test-rabbitmq
	@$(MAKE) --no-print-directory test-cluster

test-unit: $(STAMP)
	@$(PYTEST) -m unit $(PYTEST_ARGS) $(ALLOW_EMPTY)

test-default: $(STAMP)
	@$(SERVICES) && { $(PYTEST) -m "not unit and not slow" $(PYTEST_ARGS) $(ALLOW_EMPTY); }

test-slow: $(STAMP)
	@$(SERVICES) && { $(PYTEST) -m slow $(PYTEST_ARGS) $(ALLOW_EMPTY); }

install: $(STAMP)

# The browser tests drive Debian's Chromium (never a browser download).
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get install -y chromium; } || \
	  { echo "The browser tests need /usr/bin/chromium: run 'sudo apt-get install -y chromium'"; exit 1; }

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

# The worker tests once more with Dramatiq on RabbitMQ (the machine's, or RABBITMQ_URL): the
# run's queues are named after its own prefix and deleted at its end.
RABBITMQ_URL ?= amqp://guest:guest@127.0.0.1:5672/%2F
test-rabbitmq: $(STAMP)
	@$(SERVICES) && { BROKER_URL='$(RABBITMQ_URL)' $(PYTEST) -m worker $(PYTEST_ARGS) $(ALLOW_EMPTY); }

# The modules that live on Redis once more on a Redis Cluster of the run's own (three
# masters from redis-server, tests/redis_cluster.py), Dramatiq's broker on the plain Redis.
CLUSTER_TESTS ?= tests/ranking tests/interaction/test_signals.py tests/infra/test_pagecache.py
# Live channels (sharded pub/sub), without the slow tests: those cut a TCP proxy in front
# of one Redis, which a cluster client bypasses (it connects to the masters it discovers).
CLUSTER_REALTIME_TESTS ?= tests/realtime
test-cluster: $(STAMP)
	@$(SERVICES) && { REDIS_CLUSTER=1 $(PYTEST) -m "not unit" $(CLUSTER_TESTS) $(PYTEST_ARGS) $(ALLOW_EMPTY); }
	@$(SERVICES) && { REDIS_CLUSTER=1 $(PYTEST) -m "not unit and not slow" $(CLUSTER_REALTIME_TESTS) $(PYTEST_ARGS) $(ALLOW_EMPTY); }
