"""A calibrated scenario runs through every existing experiment unchanged: the shipped
example log is calibrated, and each experiment of conf/experiment composes over the
calibrated scenario (found through ``hydra.searchpath``, as ``--config-dir`` finds it)
and simulates its first job briefly (about ten seconds in all)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import escalationsim as es

CONF = Path(es.__file__).resolve().parent / "conf" / "experiment"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "contact_log"

SKIP = {
    "calibrate": "the calibration itself",
    "validation": "runs its own queue-only cases, whatever the scenario (refused if given)",
}

SHORT = ["run.horizon_days=4", "run.warmup_days=1", "run.replications=1", "run.workers=1"]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> Path:
    from escalationsim.app.calibrate import calibrate_job

    out = tmp_path_factory.mktemp("calibration")
    sim, app = es.compose_job(
        [
            "experiment=calibrate",
            f"calibrate.log={EXAMPLE / 'acme_contacts.csv.gz'}",
            f"calibrate.mapping={EXAMPLE / 'acme_mapping.yaml'}",
            "calibrate.tz=Europe/London",
            "calibrate.name=acme",
        ]
    )
    assert calibrate_job(sim, app.calibrate, out, []) == 0
    return out / "conf"


def _first_job(name: str) -> list[str]:
    """The overrides of a sweep's first job: each swept key at its first value."""
    spec = yaml.safe_load((CONF / f"{name}.yaml").read_text())
    params = (((spec or {}).get("hydra") or {}).get("sweeper") or {}).get("params") or {}
    out = []
    for key, values in params.items():
        first = str(values).split(",")[0]
        if first.startswith("range("):
            first = "0"
        out.append(f"{key}={first}")
    return out


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(p.stem for p in CONF.glob("*.yaml") if p.stem not in SKIP))
def test_a_calibrated_scenario_runs_through_the_experiment(calibrated, name):
    extra = {"robustness": ["uncertainty=acme"], "optimize": ["optimize.replications=1"]}
    short = [o for o in SHORT if not (name == "optimize" and o.startswith("run.replications"))]
    sim, app = es.compose_job(
        [
            f"hydra.searchpath=[file://{calibrated}]",
            f"experiment={name}",
            "scenario=acme",
            *extra.get(name, []),
            *_first_job(name),
            *short,
        ]
    )
    assert sim.scenario.name == "acme"
    results = es.simulate(sim)
    assert len(results.kpis) == len(sim.run.policies) * sim.run.replications
    assert results.kpis["cost_per_complaint"].notna().all()
