# VirtPlan: `make run` serves the demo on SQLite, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5080

.PHONY: run test lint bench mutation clean graphviz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## graphviz: Debian's Graphviz, which draws the security plan's architecture diagram (docs/diagram.md)
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "Graphviz is missing: install it with your system's packages (it provides 'dot'), then run make again" >&2; exit 1; fi; \
	  if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null 2>&1; then sudo=sudo; else \
	    echo "Graphviz is missing: run 'apt-get install graphviz' as root, then run make again" >&2; exit 1; fi; \
	  echo "Installing Debian's graphviz (the architecture diagram of the security plan)..."; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends graphviz >/dev/null; }

## run: install, migrate the SQLite database in instance/, load the demo plan, serve it
run: $(STAMP) graphviz
	VIRTPLAN_ENV=development $(BIN)/virtplan demo --host $(HOST) --port $(PORT)

## test: install and run the whole test suite (PostgreSQL too when VIRTPLAN_TEST_POSTGRES_URL is set)
test: $(STAMP) graphviz
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: the gates every landing passes: ruff lint and format check, mypy (strict on planner/core)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: the benchmarks under bench/ (see bench/README.md)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## mutation: mutation testing of the core's analysis, questionnaire and placement within a time budget
## (docs/mutation-testing.md; MUTATION_MINUTES, default 30; MUTANTS: name patterns, default the scoring
## core; MUTANTS='*' for all; MUTATION_TESTS: the test folders a mutant may run, default all three of
## [tool.mutmut]'s, e.g. tests/analysis for the rules; MUTATION_DESELECT: test files or ids left out
## besides; a run resumes where the last one stopped)
MUTATION_MINUTES ?= 30
MUTANTS ?= planner.core.analysis.scoring.* planner.core.analysis.findings.* planner.core.questionnaire.weakness.x_mitigations*
MUTATION_FOLDERS := tests/analysis tests/questionnaire tests/placement
MUTATION_TESTS ?= $(MUTATION_FOLDERS)
MUTATION_DESELECT ?=
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	PYTEST_ADDOPTS='$(foreach d,$(filter-out $(MUTATION_TESTS),$(MUTATION_FOLDERS)) $(MUTATION_DESELECT),--deselect=$(d))' \
	  timeout --signal=INT $$(( $(MUTATION_MINUTES) * 60 )) $(BIN)/mutmut run --max-children 2 $(foreach m,$(MUTANTS),'$(m)') || true
	$(BIN)/mutmut results | grep -v ": not checked$$" || true

clean:
	rm -rf $(VENV) instance .pytest_cache mutants
