# qtilab: two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# extras installed by `make demo` and `make test`
DEMO_EXTRAS ?= plot,qasm,server,hep,ml,fast,eo
TEST_EXTRAS ?= test
PYTEST_ARGS ?=

.PHONY: demo test test-slow bench lint venv clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY)

$(VENV)/.demo-stamp: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[$(DEMO_EXTRAS)]'
	touch $@

$(VENV)/.test-stamp: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[$(TEST_EXTRAS)]'
	touch $@

demo: $(VENV)/.demo-stamp
	$(VENV)/bin/qtilab demo

# `make test` runs the whole suite in one pytest run: the default tests and the slow scientific
# checks (QSVM vs SVM, Ising vs exact, Cascade on 1000 frames, battery calibration, QKD link vs
# theory, scikit-learn estimator checks). .ci/services starts PostgreSQL and fails the run when it
# cannot (SERVICES=true skips it on a machine without PostgreSQL; its tests then skip, outside CI).
SERVICES ?= bash .ci/services
test: $(VENV)/.test-stamp
	$(SERVICES)
	$(PY) -m pytest -m "slow or not slow" $(PYTEST_ARGS)

test-slow: $(VENV)/.test-stamp
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

# the peers need their own environment: qibojit pins older numba/numpy than qtilab's
PEERS_VENV ?= .venv-peers
$(PEERS_VENV)/.peers-stamp: pyproject.toml
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS_VENV)/bin/python -m pip install --quiet -e '.[test,peers]'
	touch $@

bench: $(PEERS_VENV)/.peers-stamp
	$(PEERS_VENV)/bin/python bench/run_all.py

lint: $(VENV)/.test-stamp
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src/qtilab
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache demo-out
