# salesim — make demo | make test | make bench
# Finds a Python >= 3.12 by itself (PATH first, then pyenv's versions) and builds .venv on first use.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
		base=$$(sh tools/find-python.sh) || exit 1; \
		echo "Creating $(VENV) with $$base"; \
		"$$base" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip; \
	$(PY) -m pip install --quiet -e '.[test,bench]'; \
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/salesim demo

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
