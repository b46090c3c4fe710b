# The two commands: `make build` and `make test`. Both set everything up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1

.PHONY: build test serve bench setup lock clean schemas release
.DEFAULT_GOAL := build

# The virtual environment is rebuilt whenever the lock file changes.
$(VENV)/.installed: requirements.lock
	@.ci/system-deps build
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

setup: $(VENV)/.installed

## make build: validate the data, then build the site and every PDF into site/
build: setup schemas
	$(PY) -m macros.build

## make test: the whole test suite (unit, build, PDF, browser, fork)
test: setup schemas
	@.ci/system-deps test
	$(PY) -m pytest

## make schemas: refresh sop_data/schemas/local/ (the schemas of a Trust's local/ files) from the
## reference schemas; rewrites only files whose content changes
schemas: setup
	@$(PY) -W ignore::RuntimeWarning -m macros.data.trust_layer.schemas

## make release: record this version of the reference SOP in sop_data/releases/<version>.json
## (its data and a fingerprint of sop_data/, docs/ and macros/templates/), for the version in
## sop_data/document.yml. Run it after every change to those folders; `make test` fails until then.
release: setup schemas
	@$(PY) -m macros.release

## make serve: live preview on http://127.0.0.1:8000 (PDFs off); reloads on data changes
## (another address: make serve ADDR=127.0.0.1:8001)
ADDR ?= 127.0.0.1:8000
serve: setup
	SOP_PDF=0 $(PY) -m macros.serve --dev-addr $(ADDR)

## make bench: build-speed benchmark (see benchmarks/)
bench: setup
	$(PY) benchmarks/run.py

## make lock: re-pin every dependency after changing pyproject.toml
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	$(PYTHON) -c 'import tomllib; d = tomllib.load(open("pyproject.toml", "rb")); print("\n".join(d["project"]["dependencies"] + d["dependency-groups"]["test"]))' > .lock-venv/direct.txt
	.lock-venv/bin/pip install --quiet -r .lock-venv/direct.txt
	{ head -2 requirements.lock; .lock-venv/bin/pip freeze; } > requirements.lock.new && mv requirements.lock.new requirements.lock
	rm -rf .lock-venv

## make clean: delete site/ and build/ (only folders the build made: see macros/outdir.py)
clean:
	$(PYTHON) macros/outdir.py
	rm -rf .pytest_cache
