# Two commands matter: `make run` and `make test`. Everything they need is
# installed into .venv from pyproject.toml; nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test build check install clean

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

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance .pytest_cache *.egg-info
