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
# verl 0.9 pins transformers<5.11, which TRL's environment_factory cannot use, so verl's tests run in a
# second venv over the first: verl, its undeclared needs and the transformers it accepts in its own
# site-packages, then every other package of .venv through a .pth file read after them (so its
# transformers wins). Made with .venv's python, so both have the same interpreter.
VERL_VENV := .venv-verl
VERL_PY := $(VERL_VENV)/bin/python
VERL_STAMP := $(VERL_VENV)/.installed
VERL_TESTS := tests/serving/test_verl.py
SITE_PACKAGES := import sysconfig; print(sysconfig.get_path("purelib"))

.PHONY: bench test test-verl install system-packages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml Makefile
	$(PIP) install --quiet $(TORCH)
	$(VENV_ON_PATH) $(PIP) install --quiet -e ".[$(TEST_EXTRAS)]"
	touch $@

$(VERL_STAMP): $(STAMP)
	rm -rf $(VERL_VENV)
	$(PY) -m venv --without-pip $(VERL_VENV)
	echo "import site; site.addsitedir('$$($(PY) -c '$(SITE_PACKAGES)')')" \
		>"$$($(VERL_PY) -c '$(SITE_PACKAGES)')/zz-palaestra-venv.pth"
	$(VERL_PY) -m pip install --quiet -e ".[verl]"
	touch $@

install: $(STAMP)

bench: $(STAMP)
	$(VENV)/bin/palaestra bench

# The system packages the tests need, listed in the script, which installs them where it can (root and
# apt-get) and otherwise says what to install. bench needs none.
system-packages:
	scripts/system-packages.sh

test: $(STAMP) $(VERL_STAMP) system-packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n 2
	$(MAKE) --no-print-directory test-verl

# The verl tests, in .venv-verl (they skip in .venv, which has no verl); the import fails loudly here.
test-verl: $(VERL_STAMP)
	$(VERL_PY) -c "import verl.experimental.agent_loop"
	$(VERL_PY) -m pytest $(VERL_TESTS)

clean:
	rm -rf $(VENV) $(VERL_VENV) runs .pytest_cache
