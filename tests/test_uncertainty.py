"""The uncertainties of a robustness study and the scenarios sampled from them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalationsim.config.fields import ConfigError
from escalationsim.experiment.uncertainty import (
    Dist,
    RobustnessConfig,
    Sampler,
    Uncertainty,
    point,
    sample,
    validate,
)


def _declared() -> dict[str, Uncertainty]:
    return {
        "value": Uncertainty(
            ["scenario.population.clv_median_usd"], 150, 1500, Dist.log_uniform, "a"
        ),
        "share": Uncertainty(["scenario.claims.weak_share"], 0.05, 0.35, Dist.uniform, "a"),
        "retries": Uncertainty(["scenario.behaviour.max_retries"], 0, 3, Dist.integer, "a"),
    }


def _unit(u: Uncertainty, x: np.ndarray) -> np.ndarray:
    """Values mapped back onto the unit interval."""
    if u.dist == Dist.log_uniform:
        return (np.log(x) - math.log(u.low)) / (math.log(u.high) - math.log(u.low))
    return (x - u.low) / (u.high - u.low)


@pytest.mark.parametrize("n", [7, 64, 200])
def test_a_latin_hypercube_puts_one_scenario_in_each_stratum_of_every_range(n):
    unc = _declared()
    table = sample(unc, n, seed=12345)
    assert list(table.columns) == list(unc) and len(table) == n
    for name in ("value", "share"):
        u = unc[name]
        x = table[name].to_numpy()
        assert ((x >= u.low) & (x <= u.high)).all()
        strata = np.floor(_unit(u, x) * n).astype(int)
        assert sorted(strata) == list(range(n))  # one point in each 1/n of the range
    retries = table["retries"]
    assert set(retries) == {0, 1, 2, 3} and (retries == retries.round()).all()


def test_scenarios_are_reproducible_from_the_seed_and_differ_between_seeds():
    unc = _declared()
    a, b = sample(unc, 50, seed=7), sample(unc, 50, seed=7)
    assert a.equals(b)
    assert not a.equals(sample(unc, 50, seed=8))
    study = RobustnessConfig(scenarios=50, scenario=13)
    assert point(unc, study, 7) == {k: float(v) for k, v in a.iloc[13].items()}


def test_the_study_stream_is_not_a_replication_stream():
    """The points come from the run's seed under a spawn key no replication uses."""
    from escalationsim.experiment.uncertainty import study_rng
    from escalationsim.kernel.rng import replication_seed

    study = study_rng(5).random(4)
    for r in range(3):
        assert not np.allclose(np.random.default_rng(replication_seed(5, r)).random(4), study)


def test_a_sobol_design_fills_the_ranges_and_needs_a_power_of_two():
    unc = _declared()
    table = sample(unc, 64, seed=1, sampler=Sampler.sobol)
    x = _unit(unc["share"], table["share"].to_numpy())
    assert np.histogram(x, bins=8, range=(0, 1))[0].tolist() == [8] * 8  # balanced
    with pytest.raises(ConfigError, match="robustness.scenarios.*power of two"):
        validate(unc, RobustnessConfig(scenarios=100, sampler=Sampler.sobol))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"high": 0.01}, r"uncertainty.share.high .* greater than low"),
        (
            {"low": -1.0, "dist": Dist.log_uniform},
            r"uncertainty.share.low .* > 0 for dist log_uniform",
        ),
        ({"source": " "}, r"uncertainty.share.source .* a source"),
        ({"keys": []}, r"uncertainty.share.keys .* at least one"),
        (
            {"keys": ["run.seed"]},
            r"uncertainty.share.keys = 'run.seed' .* scenario\. or policies\.",
        ),
        ({"low": 0.5, "high": 2.5, "dist": Dist.integer}, r"uncertainty.share.low .* whole number"),
    ],
)
def test_a_bad_uncertainty_is_named(change, message):
    unc = _declared()
    for k, v in change.items():
        setattr(unc["share"], k, v)
    with pytest.raises(ConfigError, match=message):
        validate(unc, RobustnessConfig())


def test_a_key_is_uncertain_once_and_a_study_job_needs_an_uncertainty():
    unc = _declared()
    unc["again"] = Uncertainty(["scenario.claims.weak_share"], 0, 1, Dist.uniform, "a")
    with pytest.raises(
        ConfigError, match="uncertainty.again.keys.*already set by uncertainty.share"
    ):
        validate(unc, RobustnessConfig())
    with pytest.raises(ConfigError, match="uncertainty is empty"):
        validate({}, RobustnessConfig(scenario=0))
    with pytest.raises(ConfigError, match="robustness.scenario = 16"):
        validate(_declared(), RobustnessConfig(scenarios=16, scenario=16))
