"""The shipped configs: complete, sourced, and in step with the typed schema."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path

import yaml

from escalationsim.config import PolicyConfig, ScenarioConfig

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
    (Experiment files hold study designs: sweep grids and sampling effort.)"""
    missing = []
    for path in sorted(CONF.rglob("*.yaml")):
        if path.parent.name == "experiment":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            body = line.split("#", 1)[0]
            if NUMBER.search(body) and "#" not in line:
                missing.append(f"{path.relative_to(CONF)}:{i}: {line.strip()}")
    assert not missing, "numbers without a comment:\n" + "\n".join(missing)


def test_default_scenario_sets_every_field():
    data = yaml.safe_load((CONF / "scenario" / "default.yaml").read_text())
    assert set(_yaml_leaves(data)) == set(_leaves(ScenarioConfig()))


def test_every_policy_preset_sets_every_lever():
    expected = set(_leaves(PolicyConfig())) - {"name"}
    presets = sorted((CONF / "policy").glob("*.yaml"))
    assert len(presets) >= 5
    for path in presets:
        data = yaml.safe_load(path.read_text())
        assert set(_yaml_leaves(data)) == expected, path.name


def test_every_experiment_states_its_question():
    for path in sorted((CONF / "experiment").glob("*.yaml")):
        lines = path.read_text().splitlines()
        assert lines[0] == "# @package _global_", path.name
        assert lines[1].startswith(f"# experiment={path.stem}"), path.name
