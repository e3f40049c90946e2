# The two set-up commands of the README. Both create .venv when it is missing and install into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# CPU PyTorch from this machine's disk, installed first: a bare `torch` requirement would pull a
# multi-GB CUDA build, while this pin satisfies every extra's `torch>=` range.
TORCH := torch==2.13.0
# The extras whose code the test suite exercises.
TEST_EXTRAS := test,llm,ray,multiagent,babyai,medical,bench,docker,scienceworld,search,train,openenv,trl,verifiers,web,alfworld
# fast-downward-textworld (the alfworld extra) builds by running a bare `python`: the venv's must be the
# one found, since pip's build environment leaves another interpreter without its standard library.
VENV_ON_PATH := PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
STAMP := $(VENV)/.installed

.PHONY: bench test install system-packages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml Makefile
	$(PIP) install --quiet $(TORCH)
	$(VENV_ON_PATH) $(PIP) install --quiet -e ".[$(TEST_EXTRAS)]"
	touch $@

install: $(STAMP)

bench: $(STAMP)
	$(VENV)/bin/palaestra bench

# The system packages the tests need, listed in the script, which installs them where it can (root and
# apt-get) and otherwise says what to install. bench needs none.
system-packages:
	scripts/system-packages.sh

test: $(STAMP) system-packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n 2

clean:
	rm -rf $(VENV) runs .pytest_cache
