# trustsim: `make run` and `make test` each create .venv and install what they need.
SHELL := /bin/bash
VENV := .venv
STAMP := $(VENV)/.installed

# Find an interpreter >= 3.12: names on PATH first, then pyenv's installs.
PYTHON ?= $(shell \
  for c in python3.13 python3.12 python3; do \
    p=$$(command -v $$c 2>/dev/null) || continue; \
    $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null && { echo $$p; exit 0; }; \
  done; \
  if command -v pyenv >/dev/null 2>&1; then \
    for v in $$(pyenv versions --bare 2>/dev/null | sort -rV); do \
      p=$$(pyenv prefix $$v 2>/dev/null)/bin/python3; \
      [ -x $$p ] && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null && { echo $$p; exit 0; }; \
    done; \
  fi)

.PHONY: run test venv lint validate bench clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: trustsim needs Python >= 3.12 (Mesa 3.5 requires it); none found on PATH or in pyenv." >&2; \
	  echo "       install one (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 test" >&2; \
	  exit 2; fi
	@echo "using $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[all,dev]'
	@touch $(STAMP)

venv: $(STAMP)

# The flagship experiment v3 ("rather ten ambassadors than one customer", asked of one firm): its extra
# money kept, spent on ads or on relationship gestures, as a region over the market's LTV/CAC, the cost
# of a gesture per margin, the market's maturity and the horizon, with the posterior predictive; at
# laptop size it ends by printing the region table and the paragraph for managers (about 2.5 min on
# 2 idle cores; `--size full` is the paper size, for a cluster). The two-firm equal-spend view is
# `trustsim experiment ten_ambassadors`, the baseline's figures `trustsim run baseline --plot`.
run: $(STAMP)
	$(VENV)/bin/trustsim experiment one_firm --size laptop --workers 2

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

validate: $(STAMP)
	$(VENV)/bin/trustsim validate

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run_100k.py
	$(VENV)/bin/python benchmarks/vs_mesa.py
	$(VENV)/bin/python benchmarks/scale.py
	$(VENV)/bin/python benchmarks/bandwidth.py
	$(VENV)/bin/python benchmarks/sweep_throughput.py

# Formatting, lint rules and types (pyright in basic mode, configured in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff format --check trustsim tests benchmarks
	$(VENV)/bin/ruff check trustsim tests benchmarks
	$(VENV)/bin/pyright

clean:
	rm -rf $(VENV) .pytest_cache
