# escalationsim: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check test-slow lint results lock clean calibrate-demo

# Installs exactly the versions in requirements.lock (every file's hash checked), then the
# project itself; `make lock` refreshes the lock files from pyproject.toml.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## Set up and run the headline comparison (rigid_script, empowered_rep, ceo_responds).
run: $(STAMP)
	$(BIN)/escalationsim hydra.run.dir=outputs/headline output.overwrite=true

## Calibration in one command: fit the shipped example log (a synthetic company's export,
## read through its mapping, with its roster: the staff a log does not show),
## fit what the log cannot show by simulation, backtest the model on the log's last two
## weeks, then compare the headline policies on the calibrated company
## (outputs/calibrate-demo/, about a minute and a half; docs/data.md).
DEMO := outputs/calibrate-demo
calibrate-demo: $(STAMP)
	$(BIN)/escalationsim experiment=calibrate calibrate.log=examples/contact_log/acme_contacts.csv.gz \
	  calibrate.mapping=examples/contact_log/acme_mapping.yaml calibrate.tz=Europe/London \
	  calibrate.roster=examples/contact_log/acme_roster.csv \
	  calibrate.name=acme calibrate.backtest_days=14 calibrate.simfit.trials=60 \
	  hydra.run.dir=$(DEMO)/calibration output.overwrite=true
	$(BIN)/escalationsim --config-dir $(DEMO)/calibration/conf scenario=acme \
	  hydra.run.dir=$(DEMO)/comparison output.overwrite=true

## Set up and run the fast test suite (what CI runs) on every core, then the golden test
## twice more with numpy's SIMD dispatch limited (AVX-512 off, then AVX2 off too): the same
## fixtures must hold whatever the processor (docs/reliability.md), then lint.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal -m "not slow"
	NPY_DISABLE_CPU_FEATURES="X86_V4" $(BIN)/python -m pytest -q tests/test_golden.py
	NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4" $(BIN)/python -m pytest -q tests/test_golden.py
	$(MAKE) --no-print-directory lint

## The inner loop (under a minute): lint, then the unit tests (not marked slow, cli,
## sweep or integration) and the golden test.
check: $(STAMP)
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q -n auto --dist worksteal -m "not slow and not cli and not sweep and not integration"

## Regenerate the reference results shown in the README (small files only; the validation
## compares its M/G/c+G cases with Ciw, installed with the test extra).
results: $(STAMP)
	rm -rf results/headline results/validation results/policy_comparison results/fairness results/scalability results/blended_social results/shifts results/screening results/ceo_channel results/root_cause results/robustness results/tornado results/optimize
	# the validation first: every report.html below shows its table (see the README)
	$(BIN)/escalationsim experiment=validation hydra.run.dir=results/validation
	$(BIN)/escalationsim output.complaints=false hydra.run.dir=results/headline
	$(BIN)/escalationsim experiment=policy_comparison hydra.run.dir=results/policy_comparison
	$(BIN)/escalationsim experiment=fairness hydra.run.dir=results/fairness
	$(BIN)/escalationsim experiment=scalability hydra.sweep.dir=results/scalability
	$(BIN)/escalationsim experiment=blended_social hydra.sweep.dir=results/blended_social
	$(BIN)/escalationsim experiment=shifts hydra.sweep.dir=results/shifts
	$(BIN)/escalationsim experiment=screening hydra.sweep.dir=results/screening
	$(BIN)/escalationsim experiment=ceo_channel hydra.sweep.dir=results/ceo_channel
	$(BIN)/escalationsim experiment=root_cause hydra.sweep.dir=results/root_cause
	$(BIN)/escalationsim experiment=optimize hydra.run.dir=results/optimize
	# the robustness study: 200 worlds x 5 policies x 2 replications, about 22 minutes on 2 cores
	$(BIN)/escalationsim experiment=robustness hydra.sweep.dir=results/robustness
	# beside it, one assumption at a time at each end of its range: a few minutes
	$(BIN)/escalationsim experiment=tornado hydra.run.dir=results/tornado
	# the runs' report.html quote the robustness study beside them when it studied their scenario
	for run in headline policy_comparison fairness; do $(BIN)/escalationsim-report results/$$run || exit 1; done
	# drop logs and Hydra's runtime records: they hold this machine's paths (a sweep's
	# multirun.yaml, which records none, stays: it is the grid a later report checks the
	# jobs against, and the command the report quotes)
	find results -name cli.log -delete
	find results -name hydra.yaml -path '*/.hydra/*' -delete
	find results -name .escalationsim.lock -delete

## Long statistical, scale and cluster tests, in a virtualenv of their own (.venv-slow: the
## Ray extra, for the Ray launcher test, pins a few packages older than requirements.lock).
SLOW := .venv-slow
$(SLOW)/.installed: pyproject.toml requirements-slow.lock
	$(PYTHON) -m venv $(SLOW)
	$(SLOW)/bin/python -m pip install --quiet --require-hashes -r requirements-slow.lock
	$(SLOW)/bin/python -m pip install --quiet --no-deps -e .
	touch $(SLOW)/.installed

test-slow: $(SLOW)/.installed
	$(SLOW)/bin/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/lint-imports

## Refresh the lock files after a change of dependencies in pyproject.toml (needs the
## network): the newest versions the ranges allow, for Python 3.11 to 3.13 on any platform.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --fork-strategy fewest \
	--python-version 3.11 --generate-hashes --no-header
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(UV_COMPILE) --upgrade --extra test -o requirements.lock
	$(UV_COMPILE) --upgrade --extra test --extra bench --extra ray -o requirements-slow.lock
	$(BIN)/python -m pip uninstall --quiet --yes uv  # a tool of this target, not of the project

clean:
	rm -rf $(VENV) $(SLOW) outputs multirun .pytest_cache .ruff_cache
