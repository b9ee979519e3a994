"""The shipped configs: complete, sourced, and in step with the typed schema."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest
import yaml

from escalationsim.config.scenario import ScenarioConfig
from escalationsim.policy import registry

CONF = Path(__file__).resolve().parents[1] / "src" / "escalationsim" / "conf"
NUMBER = re.compile(r":\s*-?\d")


def _leaves(obj, prefix=""):
    for f in fields(obj):
        v = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if is_dataclass(v):
            yield from _leaves(v, key + ".")
        else:
            yield key


def _yaml_leaves(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _yaml_leaves(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}"


def test_every_number_in_conf_cites_a_source_or_says_assumption():
    """Scenario, policy and run defaults are claims about the world; each needs a comment.
    (Experiment files hold study designs: sweep grids and sampling effort. Uncertainty
    files give each range's source in its own ``source`` key: the next test.)"""
    missing = []
    for path in sorted(CONF.rglob("*.yaml")):
        if path.parent.name in ("experiment", "uncertainty"):
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            body = line.split("#", 1)[0]
            if NUMBER.search(body) and "#" not in line:
                missing.append(f"{path.relative_to(CONF)}:{i}: {line.strip()}")
    assert not missing, "numbers without a comment:\n" + "\n".join(missing)


def test_every_uncertainty_says_where_its_range_comes_from():
    for path in sorted((CONF / "uncertainty").glob("*.yaml")):
        for name, entry in yaml.safe_load(path.read_text()).items():
            assert str(entry.get("source", "")).strip(), f"{path.name}: {name} has no source"
            assert {"keys", "low", "high"} <= set(entry), f"{path.name}: {name}"


def test_default_scenario_sets_every_field():
    data = yaml.safe_load((CONF / "scenario" / "default.yaml").read_text())
    assert set(_yaml_leaves(data)) == set(_leaves(ScenarioConfig()))


PRESETS = ["rigid_script", "empowered_rep", "ceo_responds", "ceo_redirects", "omnichannel"]


def test_every_lever_mode_file_sets_every_field_of_its_mode():
    """conf/policy/<slot>/<mode>.yaml (with the base's shared keys) states every field of
    the mode's config dataclass, so every default in a preset is visible and sourced."""
    base = yaml.safe_load((CONF / "policy" / "base.yaml").read_text())
    for slot in registry.SLOTS:
        files = sorted((CONF / "policy" / slot).glob("*.yaml"))
        assert {f.stem for f in files} == set(registry.modes(slot)), slot
        for path in files:
            data = {**base.get(slot, {}), **yaml.safe_load(path.read_text())}
            schema = registry.config_class(slot, path.stem)
            assert set(data) == {f.name for f in fields(schema)}, path


def test_presets_list_only_what_differs_from_the_base():
    """A preset is the base plus overrides: its own lines are few, and composing it gives
    one complete lever config per slot."""
    from escalationsim import compose

    sim = compose()
    for name in PRESETS:
        data = yaml.safe_load((CONF / "policy" / f"{name}.yaml").read_text())
        assert data["defaults"][0] == "base", name
        assert len(_own_lines(CONF / "policy" / f"{name}.yaml")) <= 8, name
        p = sim.policies[name]
        for slot in registry.SLOTS:
            cfg = getattr(p, slot)
            assert isinstance(cfg, registry.config_class(slot, cfg.mode)), (name, slot)


def _own_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if ln.split("#")[0].strip()]


def test_every_experiment_states_its_question():
    for path in sorted((CONF / "experiment").glob("*.yaml")):
        lines = path.read_text().splitlines()
        assert lines[0] == "# @package _global_", path.name
        assert lines[1].startswith(f"# experiment={path.stem}"), path.name


def test_lever_mode_defaults_in_python_are_those_of_the_mode_files():
    """`EmpoweredRep()` is what `conf/policy/rep/empowered.yaml` says, and so on, so a
    policy built by hand from Python and the same policy from the configs agree; with the
    base's shared keys, `PolicyConfig()` is `rigid_script`."""
    from dataclasses import asdict

    from escalationsim import compose
    from escalationsim.policy import PolicyConfig

    base = yaml.safe_load((CONF / "policy" / "base.yaml").read_text())
    for slot in registry.SLOTS:
        for mode, lever in registry.modes(slot).items():
            data = {
                **base.get(slot, {}),
                **yaml.safe_load((CONF / "policy" / slot / f"{mode}.yaml").read_text()),
            }
            assert asdict(lever.config()) == pytest.approx(data), (slot, mode)
    rigid = compose().policies["rigid_script"]
    assert PolicyConfig(name="rigid_script") == rigid


def test_one_default_world_in_python_and_on_the_command_line():
    """``ScenarioConfig()`` is the command line's default scenario, and
    ``ScenarioConfig.first_version()`` is ``scenario=first_version`` (every operations
    mechanism off; the golden case ``first_version`` pins its outputs)."""
    from escalationsim import compose

    assert compose([]).scenario == ScenarioConfig()
    assert compose(["scenario=first_version"]).scenario == ScenarioConfig.first_version()
    first = ScenarioConfig.first_version()
    assert not first.claims.enabled and not first.customers.enabled
    assert first != ScenarioConfig()
    # each call is a fresh object: changing one changes no other
    first.staff.reps.schedule.hourly.append(1)
    assert ScenarioConfig.first_version().staff.reps.schedule.hourly == []


def test_every_key_of_every_shipped_configuration_passes_the_check_before_hydra():
    """The key check before Hydra (app.schema.check_override_key) refuses only what no
    configuration has: every leaf of the default job, of each experiment and of the other
    scenarios and presets passes it."""
    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from escalationsim.app.schema import check_override_key

    def leaves(node, prefix=""):
        if OmegaConf.is_dict(node):
            for k in node:
                yield from leaves(node[k], f"{prefix}{k}.")
        else:
            yield prefix.rstrip(".")

    conf = Path(__file__).parents[1] / "src" / "escalationsim" / "conf"
    choices = [[]] + [
        [f"experiment={f.stem}"] for f in sorted((conf / "experiment").glob("*.yaml"))
    ]
    choices += [["scenario=queue_only"], ["scenario=first_version"], ["+social_team=separate"]]
    seen = 0
    for overrides in choices:
        with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
        for key in leaves(cfg):
            if not key.startswith("hydra."):
                check_override_key(key)
                seen += 1
    assert seen > 5000
