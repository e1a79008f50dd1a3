# Marktplatz: `make run` starts the local stack, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run reset test bench lint fmt install clean assets

$(STAMP): pyproject.toml requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Static assets from npm (pinned in package.json / package-lock.json), copied into chalicelib/static/vendor.
assets: $(STAMP)
	@if [ -f package.json ]; then $(PY) -m devstack.assets; fi

run: install assets
	$(PY) -m devstack.run

# Start from scratch: deletes the local data folder (store, localstripe, signing key, demo keys); refuses while running.
reset: install
	$(PY) -m devstack.run --reset

test: install assets lint
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: install
	$(VENV)/bin/ruff check .

fmt: install
	$(VENV)/bin/ruff check --fix .

bench: install assets
	$(PY) -m bench.run

clean:
	rm -rf .local test-artifacts .pytest_cache

# Deployment (infra/README.md): `make package STAGE=prod` offline; `make deploy STAGE=prod BUCKET=... BASE_URL=...`.
.PHONY: package deploy
STAGE ?= dev
package: install assets
	$(PY) -m infra.package --stage $(STAGE)

deploy: install assets
	$(PY) -m infra.deploy --stage $(STAGE) --bucket $(BUCKET) --base-url $(BASE_URL) \
		$(if $(ALARM_EMAIL),--alarm-email $(ALARM_EMAIL)) $(if $(MAIL_FROM),--mail-from $(MAIL_FROM))
