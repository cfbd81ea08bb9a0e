# Two commands do everything on a fresh machine:
#   make demo   set up, then run the Space on devhub (a local huggingface.co)
#   make test   set up, then run the whole test suite (unit, devhub, end-to-end in Chromium)
#   make build  the deployable Space in dist/, with the hfsignin wheel and sdist it uses
# Set-up is idempotent and fast when nothing changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_ARGS ?=
# make demo HUB=https://huggingface.co CLIENT_ID=…   (a developer OAuth app; see README)
HUB ?=
CLIENT_ID ?=
# make deploy SPACE=owner/name
SPACE ?=

.PHONY: setup demo test build deploy bench vendor clean
.DEFAULT_GOAL := demo

setup: $(VENV)/.installed node_modules/.installed
	@$(PY) scripts/vendor.py

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@# Before 0.2.0 the checkout was installed as "hfsignin", now the name of the published library alone.
	@$(PY) -m pip uninstall --quiet --yes hfsignin >/dev/null 2>&1 || true
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

vendor: setup

demo: setup
	$(PY) -m devhub $(if $(HUB),--provider "$(HUB)" --client-id "$(CLIENT_ID)") $(DEMO_ARGS)

build: setup
	$(PY) scripts/build.py

deploy: build
	$(PY) scripts/deploy.py "$(SPACE)"

bench: setup
	$(PY) scripts/bench.py $(BENCH_ARGS)

# Two workers: the browser tests mostly wait (on pages, timers, devhub), so two run well on two cores.
TEST_WORKERS ?= 2

test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules static_site/vendor test-results dist
