# The two commands: `make build` and `make test`. Both set everything up themselves.
# Another interpreter: make build PYTHON=python3.13 (.venv is made again for it).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1


.PHONY: build test serve bench setup setup-test lock clean distclean schemas lint release
.DEFAULT_GOAL := build
.NOTPARALLEL:

## make setup: .venv with exactly requirements/build.txt (made again when the lock files or the
## Python change, or when an install did not finish: see .ci/venv)
setup:
	@.ci/venv build $(PYTHON)

setup-test:
	@.ci/venv test $(PYTHON)

## make build: validate the data, then build the site and every PDF into site/
build: setup schemas
	$(PY) -m macros.build

## make test: the whole test suite (unit, build, PDF, browser, fork)
## (tests/test_hygiene.py runs ruff and mypy; pytest's exit 5, no test collected, fails it).
## Its files are spread over one worker process per core, at most 4 (pytest-xdist; a test file
## stays on one worker, so its fixtures are made once). TEST_WORKERS=0 runs them all in one process;
## TEST_ARGS adds pytest options, e.g. TEST_ARGS='-m "not slow and not browser"'.
TEST_WORKERS ?= auto
test: setup-test schemas
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile $(TEST_ARGS)

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

## make bench: build-speed benchmark (see benchmarks/; checks its PDFs with pikepdf, a test tool)
bench: setup-test
	$(PY) benchmarks/run.py

## make lock: re-pin after changing pyproject.toml, for the lowest Python it supports, with
## hashes, for every platform; keeps the other pins (make lock UPGRADE=1 moves them all on)
MIN_PYTHON := $(shell sed -n 's/^requires-python = ">=\([0-9.]*\)".*/\1/p' pyproject.toml)
COMPILE = $$(command -v uv || echo $(VENV)/bin/uv) pip compile --quiet --universal --fork-strategy fewest \
	--python-version $(MIN_PYTHON) --generate-hashes --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)
lock: setup
	$(COMPILE) pyproject.toml -o requirements/build.txt
	$(COMPILE) pyproject.toml --group test -c requirements/build.txt -o requirements/test.txt
	$(COMPILE) --group pyproject.toml:setup --no-deps -o requirements/uv.txt

## make lint: what make test checks first (ruff lint and format, mypy), on its own
lint: setup-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

## make clean: delete site/ and build/ (only folders the build made: see macros/outdir.py)
clean:
	$(PYTHON) macros/outdir.py
	rm -rf .pytest_cache

## make distclean: clean, and remove .venv too
distclean: clean
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis
