# Two commands matter: `make run` and `make test`. Everything they need is
# installed into .venv from the lock file, every package pinned and checked
# against its hash; nothing is installed by hand.  `make lock` rewrites the
# lock from pyproject.toml (README: Dependencies).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# requirements/dev.txt: runtime + the test and dev extras (what make installs);
# requirements/main.txt: runtime only, the same versions (for a server).
LOCK   := requirements/dev.txt
LOCK_MAIN := requirements/main.txt
LOCK_BOOT := requirements/bootstrap.txt
# e.g. make lock PIP_COMPILE_ARGS=--upgrade, or --upgrade-package flask
PIP_COMPILE_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url --no-build-isolation $(PIP_COMPILE_ARGS)
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The browser tests drive Debian's Chromium through Playwright; Playwright's
# own browser download is never used.
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint fast build check install clean browser lock cluster-deps cluster

# A changed lock or pyproject.toml rebuilds the venv from empty (--clear), so
# a package the lock dropped does not linger in it.  pip check fails when
# pyproject.toml asks for something the lock lacks: run make lock.
$(STAMP): $(LOCK_BOOT) $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_BOOT)
	$(BIN)/python -m pip install --quiet --require-hashes --no-build-isolation -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

install: $(STAMP)

# pip-compile comes from the lock itself (the dev extra); a venv that has
# none yet gets it from the current lock, whatever pyproject.toml says now.
$(BIN)/pip-compile:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_BOOT)
	$(BIN)/python -m pip install --quiet --require-hashes --no-build-isolation -r $(LOCK)

# Rewrite both lock files from pyproject.toml, keeping every pin that still
# fits (PIP_COMPILE_ARGS=--upgrade to move them).  For CPython 3.11 on Linux
# x86_64, where it runs; needs the package index.
lock: $(BIN)/pip-compile
	$(PIP_COMPILE) --extra test --extra dev -o $(LOCK) pyproject.toml
	$(PIP_COMPILE) -c $(LOCK) -o $(LOCK_MAIN) pyproject.toml
	$(PIP_COMPILE) -c $(LOCK) -o $(LOCK_BOOT) requirements/bootstrap.in

run: $(STAMP)
	$(BIN)/kmsearch build
	$(BIN)/kmsearch serve --host $(HOST) --port $(PORT)

build: $(STAMP)
	$(BIN)/kmsearch build

check: $(STAMP)
	$(BIN)/kmsearch check

test: lint browser cluster-deps
	KMSEARCH_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

# The checks on the code itself (docs/architecture.md): lint, formatting,
# types, and the layer rule.  make test runs them first.
lint: $(STAMP)
	$(BIN)/ruff check indexer kmsearch tests benchmarks
	$(BIN)/ruff format --check indexer kmsearch tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_architecture.py

# What a developer runs between edits: no browser, no cluster, nothing slow.
fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not browser and not slow and not opensearch"

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

# The OpenSearch test cluster (tests/cluster/README.md): Maven resolves every
# artifact from Maven Central into ~/.m2 and compiles the launcher, once
# (cached until tests/cluster changes).  Needs Java 17 and Maven.
cluster-deps:
	@if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's Java 17 and Maven for the OpenSearch test cluster"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null; \
	else \
		echo "*** The OpenSearch test cluster needs Java 17 and Maven: install them with" \
		     "'sudo apt-get install -y openjdk-17-jdk-headless maven'." >&2; \
	fi
	$(PYTHON) tests/cluster/cluster.py deps

# Two data nodes and a tiebreaker in the foreground until Ctrl-C; data and
# logs in $(CLUSTER_DIR).  CLUSTER_ARGS="--http-ports 9201,9202,9203" for
# fixed ports.
CLUSTER_DIR ?= instance/opensearch
cluster: cluster-deps
	$(PYTHON) tests/cluster/cluster.py run $(CLUSTER_DIR) $(CLUSTER_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache *.egg-info tests/cluster/target

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
