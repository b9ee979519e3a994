"""``escalationsim --help`` (app/help.py): the config groups with every option and the
main keys with their shipped values, one line each, instead of Hydra's dump of the whole
configuration."""

from __future__ import annotations

import re

from escalationsim.app.help import CONF, GROUPS
from escalationsim.app.schema import check_override_key
from tests.cli import run_cli


def test_help_lists_every_group_option_and_the_main_keys_one_line_each():
    proc = run_cli(["--help"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = proc.stdout
    lines = page.splitlines()
    assert 40 < len(lines) < 150  # Hydra's own --help printed 664
    assert all(len(line) <= 110 for line in lines)
    for group in GROUPS:
        assert f"  {group}: " in page
        for option in (CONF / group).glob("*.yaml"):
            if option.stem != "base":
                assert re.search(rf"^    {option.stem} +\S", page, re.M), option
    shown = re.findall(r"^  ((?:run|output|scenario)\.[\w.]+|job) [\[(]", page, re.M)
    assert "run.replications" in shown and "scenario.volume_per_day" in shown
    for key in shown:
        if key != "job":
            check_override_key(key)  # every key shown is a key


def test_the_values_shown_are_those_a_run_gets():
    from escalationsim import compose

    page = run_cli(["-h"]).stdout
    sim = compose([])
    assert f"run.replications [{sim.run.replications}]" in page
    assert f"run.horizon_days [{sim.run.horizon_days:g}]" in page
    assert f"scenario.volume_per_day [{sim.scenario.volume_per_day:g}]" in page
