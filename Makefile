# Two commands matter: `make run` and `make test`. Everything they need is
# installed into .venv from pyproject.toml; nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The browser tests drive Debian's Chromium through Playwright; Playwright's
# own browser download is never used.
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test build check install clean browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kmsearch build
	$(BIN)/kmsearch serve --host $(HOST) --port $(PORT)

build: $(STAMP)
	$(BIN)/kmsearch build

check: $(STAMP)
	$(BIN)/kmsearch check

test: $(STAMP) browser
	KMSEARCH_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

# Chromium for tests/browser: installed from Debian when missing and we are
# root (as in CI); otherwise say how, and the browser tests fail saying so too.
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "*** The browser tests need Chromium at $(CHROMIUM): install it with" \
		     "'sudo apt-get install -y chromium' (Debian/Ubuntu) or run make test CHROMIUM=/path/to/chromium." >&2; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache *.egg-info

# Ranking quality against peers on ../shared/data/thai-qa-dev (benchmarks/README.md).
.PHONY: bench-relevance
bench-relevance: $(STAMP)
	$(BIN)/python -m benchmarks.relevance

# Precision (issue 14): false corrections, top-10 noise, two-word totals on
# thai-qa-dev and nitibench-dev, and MRR@10/HR@10 on nitibench-dev beside
# the peers, in one run; prints one table with the targets and writes
# benchmarks/out/precision.json (benchmarks/README.md).
.PHONY: bench-precision
bench-precision: $(STAMP)
	$(BIN)/python -m benchmarks.precision $(PRECISION_ARGS)

# Segmentation engines (nlpo3, newmm, longest): speed, the word list kept,
# and MRR@10 of kmsearch with each (benchmarks/segmenters.py).
.PHONY: bench-segmenters
bench-segmenters: $(STAMP)
	$(BIN)/python -m benchmarks.segmenters

# Load on the real server over loopback: 16 clients for 30 s with a rebuild
# half way; prints p50/p95/p99 and writes benchmarks/out/load.json.
.PHONY: bench-load
bench-load: $(STAMP)
	$(BIN)/python -m benchmarks.load $(LOAD_ARGS)

# Scale: corpora of 1 000, 10 000 and 50 000 documents built from
# ../shared/data; full and one-document builds, the segmentation ceiling,
# query latency in-process and over HTTP, memory and index size, beside
# plain Whoosh + newmm.  BENCH_ARGS=--quick for 1 000 only; resumable.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m benchmarks.scale $(BENCH_ARGS)
