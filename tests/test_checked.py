"""A plugin's lever that breaks its contract stops the run with a message naming the lever
and the method (policy/checked.py); a plugin's lever that keeps it runs exactly like the
project's own."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from escalationsim import simulate
from escalationsim.policy import Lever, registry
from escalationsim.policy.checked import LeverError
from escalationsim.policy.rep import ScriptAuthority
from escalationsim.policy.social import InfluenceSocial, InfluenceTriage
from tests.cli import run_cli
from tests.conftest import small_config


@dataclass
class PluginRep:
    mode: str = "plugin"


@dataclass
class PluginSocial(InfluenceSocial):
    mode: str = "plugin"


def _with(cfg: Any, slot: str, lever: Any) -> Any:
    policies = dict(cfg.policies)
    policies["rigid_script"] = replace(policies["rigid_script"], **{slot: lever})
    return replace(cfg, policies=policies)


def _run_rep(cls: type) -> Any:
    cfg = small_config("run.records=false", policies=["rigid_script"])
    with registry.registered("rep", "plugin", PluginRep, cls):
        return simulate(_with(cfg, "rep", PluginRep()))


class Same(ScriptAuthority):
    """The script's authority, registered from outside the package: wrapped and checked."""

    def __init__(self, cfg: Any, scenario: Any) -> None:
        super().__init__(cfg, scenario)


def test_a_plugin_lever_that_keeps_its_contract_runs_like_the_projects_own():
    cfg = small_config("run.records=false", policies=["rigid_script"])
    assert _run_rep(Same).kpis.equals(simulate(cfg).kpis)


def _returns(value: Any) -> type:
    class Broken(ScriptAuthority):
        def exception(self, ctx, c, channel):
            yield from ()
            return value

    return Broken


@pytest.mark.parametrize("value", [None, 42, "denied", True])
def test_a_wrong_outcome_names_the_lever_and_the_method(value):
    with pytest.raises(LeverError) as err:
        _run_rep(_returns(value))
    message = str(err.value)
    assert "rep lever mode 'plugin' (tests.test_checked." in message
    assert "Broken).exception()" in message
    assert f"returned {value!r}: must return a contact outcome code" in message


def test_a_process_that_is_a_plain_function_is_named():
    class Plain(ScriptAuthority):
        def exception(self, ctx, c, channel):
            return 1

    with pytest.raises(LeverError, match=r"returned 1: it must be a process"):
        _run_rep(Plain)


def test_a_missing_method_is_named_before_the_run():
    class Nothing(Lever):
        def __init__(self, cfg: Any, scenario: Any) -> None:
            pass

    with pytest.raises(LeverError, match=r"has no method exception\(\): a rep lever must"):
        _run_rep(Nothing)


def test_a_lever_class_must_subclass_lever_which_declares_the_hooks():
    """A mode's class that does not subclass Lever is refused when it is registered,
    naming the base class (the hooks it may override are declared there)."""

    class Loose:
        def __init__(self, cfg: Any, scenario: Any) -> None:
            pass

    must = r"rep mode 'plugin': .*Loose.* must subclass escalationsim.policy.Lever"
    with (
        pytest.raises(ValueError, match=must),
        registry.registered("rep", "plugin", PluginRep, Loose),
    ):
        pass
    assert registry.find("rep", "plugin") is None


def test_the_engine_calls_only_the_hooks_a_lever_overrides():
    """Hooks are found by overriding, not by name: the base class's no-ops are never
    called, an inactive lever's per-complaint hooks are left out, bind and counters
    are kept."""
    from escalationsim.engine.levers import hooks

    class Counting(Lever):
        def admit(self, c: Any, t: float) -> bool:
            return True

        def counters(self, lo: float, hi: float) -> dict[str, float]:
            return {}

    on, off = Counting(), Counting()
    off.active = False
    assert on.overrides("admit") and not on.overrides("route")
    assert hooks([on, off], "admit") == [on.admit]
    assert hooks([on, off], "route") == []
    assert hooks([on, off], "counters") == [on.counters, off.counters]
    with pytest.raises(ValueError, match="'admitt' is not a lever hook"):
        on.overrides("admitt")


@pytest.mark.parametrize(
    ("method", "value", "must"),
    [
        ("answer_prob", 2.0, "a probability in [0, 1]"),
        ("answer_prob", None, "a probability in [0, 1]"),
        ("priority", float("nan"), "a number"),
        ("route", 99, "a channel code"),
        ("admit", None, "True or False"),
    ],
)
def test_a_wrong_answer_of_any_hook_is_named(method, value, must):
    class Triage(InfluenceTriage):
        pass

    setattr(Triage, method, lambda self, *args: value)
    cfg = small_config("run.records=false", policies=["rigid_script"])
    with (
        registry.registered("social", "plugin", PluginSocial, Triage),
        pytest.raises(LeverError) as err,
    ):
        simulate(_with(cfg, "social", PluginSocial()))
    assert f"Triage).{method}() returned {value!r}: must return {must}" in str(err.value)


def test_the_command_line_gives_the_message_not_a_traceback(tmp_path):
    with registry.registered("rep", "plugin", PluginRep, _returns(None)):
        proc = run_cli(
            [
                "run.policies=[rigid_script]",
                "run.horizon_days=3",
                "run.warmup_days=1",
                "run.replications=1",
                "policies.rigid_script.rep.mode=plugin",
                f"hydra.run.dir={tmp_path / 'run'}",
            ]
        )
    assert proc.returncode == 1
    assert "escalationsim: rep lever mode 'plugin'" in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run" / "kpis.csv").exists()


def test_a_misspelt_hook_is_named_with_the_one_meant():
    """The engine finds optional hooks by name: a plugin lever's ``admitt`` would never
    run; it is named when the mode is registered."""

    class Typo(ScriptAuthority):
        def admitt(self, c, t):
            return False

        def helper(self):  # a lever's own method, far from any hook's name: allowed
            return None

    with pytest.raises(ValueError, match=r"a method 'admitt', not a hook .* did you mean 'admit'"):
        _run_rep(Typo)  # refused when it is registered
