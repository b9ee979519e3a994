# escalationsim: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-slow lint results clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## Set up and run the headline comparison (rigid_script, empowered_rep, ceo_responds).
run: $(STAMP)
	$(BIN)/escalationsim hydra.run.dir=outputs/headline output.overwrite=true

## Set up and run the fast test suite (what CI runs), then lint.
test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

## Regenerate the reference results shown in the README (small files only; the validation
## compares its M/G/c+G cases with Ciw, from the bench extra).
results: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	rm -rf results/headline results/validation results/policy_comparison results/fairness results/scalability results/blended_social results/shifts results/screening results/ceo_channel results/robustness results/optimize
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
	$(BIN)/escalationsim experiment=optimize hydra.run.dir=results/optimize
	# the robustness study: 200 worlds x 5 policies x 2 replications, about 22 minutes on 2 cores
	$(BIN)/escalationsim experiment=robustness hydra.sweep.dir=results/robustness
	# the runs' report.html quote the robustness study beside them when it studied their scenario
	for run in headline policy_comparison fairness; do $(BIN)/escalationsim-report results/$$run || exit 1; done
	# drop logs and Hydra's runtime records: they hold this machine's paths
	find results -name cli.log -delete
	find results -name hydra.yaml -path '*/.hydra/*' -delete
	find results -name .escalationsim.lock -delete
	rm -f results/*/multirun.yaml

## Long statistical, scale and cluster tests (installs the Ray extra for the Ray launcher test,
## and the bench extra for the comparison with Ciw).
test-slow: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,ray,bench]"
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache
