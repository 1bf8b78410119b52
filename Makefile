# gradflow: `make lab` to open the notebooks, `make test` to check everything.
# Each target first installs whatever is missing (scripts/setup.sh); a second run skips it.

SHELL := /bin/bash
PYTHON := .venv/bin/python
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
# Another of libtorch's code paths on this machine (MKL's and ATen's CPU-independent kernels):
# numbers computed this way differ in their last digits, as they do on another CPU.
OTHER_CPU_PATH := MKL_CBWR=COMPATIBLE ATEN_CPU_CAPABILITY=default
# The CPython that `make test-python` sets up a fresh clone with (a pyenv version).
PYTHON_VERSION ?= 3.13.0
# Where `make install-hub` installs for every user of a server, and the environment whose
# share/jupyter/kernels gets the kernelspec (/usr/local's is searched by every user's Jupyter).
PREFIX ?= /opt/gradflow
JUPYTER_PREFIX ?= /usr/local
# GRADFLOW_EVCXR=stock: evcxr as published instead of the patched one, in every target
# (scripts/pins.sh, scripts/evcxr/patches/README.md).
ifdef GRADFLOW_EVCXR
export GRADFLOW_EVCXR
endif

.PHONY: help setup lab test test-other-cpu test-python test-binder install-hub test-hub notebooks html slides bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

setup: ## install the venv, evcxr and the Jupyter kernel (skips what is done; GRADFLOW_EVCXR=stock: evcxr unpatched)
	@scripts/setup.sh

lab: setup ## open JupyterLab on notebooks/
	$(PYTHON) -m jupyter lab --ServerApp.root_dir=notebooks

test: ## everything: crate tests, PyTorch differential tests, notebooks through the kernel, HTML in Chromium
	@scripts/setup.sh browser slides references
	cargo test --release --workspace
	$(PYTHON) -m pytest tests
	@$(MAKE) --no-print-directory test-other-cpu

test-other-cpu: ## the numeric tests again on another libtorch code path, as on another CPU, and on stock evcxr
	@scripts/setup.sh references
	$(OTHER_CPU_PATH) cargo test --release --workspace
	@GRADFLOW_EVCXR=stock scripts/setup.sh
	$(OTHER_CPU_PATH) GRADFLOW_EVCXR=stock $(PYTHON) -m pytest tests/test_notebooks.py tests/test_outputs.py tests/test_evcxr.py

test-python: ## a fresh clone set up with another CPython runs notebook 01 (PYTHON_VERSION=3.13.0)
	scripts/test-python.sh $(PYTHON_VERSION)

test-binder: ## the Binder image without Docker: repo2docker's Dockerfile, postBuild from scratch, notebook 01
	@scripts/setup.sh venv
	$(PYTHON) -m pytest -m binder tests/test_binder.py

install-hub: setup ## as root: install for every user of a server, read-only to them (PREFIX=/opt/gradflow)
	scripts/install-hub.sh $(PREFIX) $(JUPYTER_PREFIX)

test-hub: setup ## as root: a real JupyterHub, 3 Unix users run notebook 01 at once, each engine private
	$(PYTHON) -m pytest -m hub tests/test_hub.py

notebooks: setup ## re-execute every notebook in place through the kernel
	$(PYTHON) scripts/notebooks.py execute --write $(NOTEBOOKS)

html: setup ## write a self-contained HTML page per notebook to target/html/
	$(PYTHON) scripts/notebooks.py html $(NOTEBOOKS)

slides: ## write offline reveal.js slide decks of the notebooks to target/slides/
	@scripts/setup.sh slides
	$(PYTHON) scripts/notebooks.py slides $(NOTEBOOKS)

bench: setup ## time the notebook loop, compute and charts against Python; writes docs/benchmarks.md
	$(PYTHON) bench/bench.py $(ARGS)
