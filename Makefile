# Every target bootstraps what it needs on a fresh clone: .venv, the package, the pinned Azurite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
AZURITE := node_modules/.bin/azurite-blob
PYTHON ?= python3

.PHONY: setup test unit lint typecheck validate-pipelines demo bench record dist clean

setup: $(STAMP) $(AZURITE)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[emulator,dev]'
	touch $@

$(AZURITE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP)
	$(PY) -m ruff check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest tests/unit tests/cli -q

# Azure Pipelines YAML: offline schema check (check-jsonschema's vendored schema), template references,
# typed parameters, output variables, CLI and cmdlet calls. `make test` runs the same file in pytest.
validate-pipelines: $(STAMP)
	$(PY) -m pytest tests/contract/test_pipelines.py tests/contract/test_pipelines_pwsh.py tests/contract/test_pipeline_agent.py tests/contract/test_pipeline_verify.py -q

test: setup lint typecheck
	$(PY) -m pytest

demo: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo.sh

bench: setup
	$(PY) bench/bench_cli.py
	$(PY) bench/bench_upload.py
	$(PY) bench/bench_polling.py
	$(PY) bench/bench_definition.py
	$(PY) bench/bench_fanout.py
	$(PY) bench/bench_online.py
	$(PY) bench/bench_scale.py

# Re-record the cassettes from the emulator (scrubbed on record); CI only replays them.
record: setup
	$(PY) -m pytest tests/replay --record-mode=rewrite -q

# The wheel users install where there is no clone (the package is not on a registry yet).
dist: $(STAMP)
	rm -rf dist
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist .
	@ls dist/*.whl

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
