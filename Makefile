# hubeval: the two commands of the README are `make evaluate` and `make test`.
# Both create .venv (Python 3.11) and install the package on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BATCH  ?= params/batches/main.yaml

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: evaluate test test-slow test-browser test-system test-baselines lab data check bench clean-venv help

help:
	@echo "make evaluate   run the full example evaluation (creates .venv, data, runs/, reports/)"
	@echo "make test       run the test suite (Monte Carlo studies excluded; see make test-slow)"
	@echo "make test-system  tests that need system packages (LibreOffice for the Word memo)"
	@echo "make test-baselines  redraw the baseline images of the key memo figures"
	@echo "make lab        open JupyterLab at the project root with the hubeval kernel (outputs stripped on git add)"
	@echo "make test-browser  install chromium and playwright, then run the real-browser JupyterLab test"
	@echo "make data       regenerate data/example/ from the documented simulation"
	@echo "make bench      run the benchmark scripts in benchmarks/"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 2; }
	@test -x $(BIN)/python || { echo "creating the virtual environment $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing hubeval and its dependencies into $(VENV) (first time: about a minute)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e ".[test]"
	@echo "installed: $$($(BIN)/python -c 'import hubeval; print("hubeval", hubeval.__version__)') in $(VENV)"
	@touch $(STAMP)

data/example/firms.csv: | $(STAMP)
	$(BIN)/hubeval example-data --out data/example

evaluate: $(STAMP) data/example/firms.csv
	$(BIN)/hubeval run $(BATCH)
	@report=$$(ls -dt reports/*/*/ 2>/dev/null | head -1); \
	 echo "policy memo in $$report:"; \
	 for f in memo_en.html memo_ko.html memo_en.docx memo_ko.docx memo_en.pdf memo_ko.pdf \
	          memo_tables_en.xlsx memo_tables_ko.xlsx; do \
	   test -f "$$report$$f" && echo "  $$report$$f"; done; \
	 echo "  figures: $$report*.png (and .svg)"

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

test-slow: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -m slow

# JupyterLab in headless Chromium (Debian's chromium; playwright's own browser download is not used)
test-browser: $(STAMP) data/example/firms.csv
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk; }
	$(BIN)/python -m pip install --quiet -e ".[test,browser]"
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -rs -m browser

# tests that need system packages (LibreOffice converts the Word memo to PDF); they skip,
# saying why, where the package is missing: apt-get install -y libreoffice-writer
test-system: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -rs -m system

# redraw the committed baseline images of the key memo figures after an intended change
test-baselines: $(STAMP)
	HUBEVAL_UPDATE_BASELINES=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q tests/report/test_figure_layout.py -k baselines

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
