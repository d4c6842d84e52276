# hubeval: the two commands of the README are `make evaluate` and `make test`.
# Both create .venv (Python 3.11) and install the package on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BATCH  ?= params/batches/main.yaml

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: evaluate test test-slow test-browser lab data check bench clean-venv help

help:
	@echo "make evaluate   run the full example evaluation (creates .venv, data, runs/, reports/)"
	@echo "make test       run the test suite (Monte Carlo studies excluded; see make test-slow)"
	@echo "make lab        open JupyterLab at the project root with the hubeval kernel (outputs stripped on git add)"
	@echo "make test-browser  install chromium and playwright, then run the real-browser JupyterLab test"
	@echo "make data       regenerate data/example/ from the documented simulation"
	@echo "make bench      run the benchmark scripts in benchmarks/"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

data/example/firms.csv: | $(STAMP)
	$(BIN)/hubeval example-data --out data/example

evaluate: $(STAMP) data/example/firms.csv
	$(BIN)/hubeval run $(BATCH)
	@echo "memo figures: $$(ls -dt reports/*/*/ 2>/dev/null | head -1)"

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

test-slow: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -m slow

# JupyterLab in headless Chromium (Debian's chromium; playwright's own browser download is not used)
test-browser: $(STAMP) data/example/firms.csv
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk; }
	$(BIN)/python -m pip install --quiet -e ".[test,browser]"
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -rs -m browser

check: $(STAMP) data/example/firms.csv
	$(BIN)/hubeval check data/example/firms.csv

# registers the hubeval kernel, sets up the output-stripping git filter, opens Lab at the project root
lab: $(STAMP) data/example/firms.csv
	$(BIN)/hubeval lab

data: $(STAMP)
	$(BIN)/hubeval example-data --out data/example

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean-venv:
	rm -rf $(VENV)
