"""Tests for escalationsim.engine.mechanisms: one registry and one small protocol for the
mechanisms a scenario switches on (back office, judgement, customer base, publicity, a
plugin's)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from escalationsim.engine import counters, mechanisms
from escalationsim.engine.backoffice import BackOffice
from escalationsim.engine.customer_base import CustomerBase
from escalationsim.engine.judgement import RepJudgement
from escalationsim.engine.mechanisms import Mechanism
from escalationsim.engine.publicity import Publicity
from escalationsim.engine.weighing import Weighing
from escalationsim.experiment.runner import simulate
from tests.conftest import small_config

REPS_AT_START = counters.Counter(
    "test_reps_at_start", "reps on the roster's first hour", "test", -1.0
)


class RepsAtStart(Mechanism):
    """A plugin's mechanism: no scenario section of its own, switched on by a class flag,
    reporting a declared counter built from what the run context holds."""

    name = "reps_at_start"
    on = True

    @classmethod
    def enabled(cls, scenario: Any) -> bool:
        return cls.on

    @classmethod
    def build(cls, ctx: Any, scenario: Any, rngs: Any) -> RepsAtStart:
        mech = cls()
        mech.reps = ctx.pools["reps"].count
        return mech

    def counters(self) -> dict[str, float]:
        return {"test_reps_at_start": float(self.reps)}


def test_the_projects_five_mechanisms_are_registered_with_their_switches():
    found = mechanisms.mechanisms()
    assert found == {
        "backoffice": BackOffice,
        "judgement": RepJudgement,
        "base": CustomerBase,
        "publicity": Publicity,
        "weighing": Weighing,
    }
    assert {name: cls.section for name, cls in found.items()} == {
        "backoffice": "backoffice",
        "judgement": "claims",
        "base": "customers",
        "publicity": "publicity",
        "weighing": "weighing",
    }


def test_a_plugin_mechanism_is_built_and_reports_its_counter_and_its_switch_works():
    cfg = small_config("run.records=false", policies=["rigid_script"])
    with mechanisms.registered(RepsAtStart), counters.declaring(REPS_AT_START):
        on = simulate(cfg).kpis
        RepsAtStart.on = False
        try:
            off = simulate(cfg).kpis
        finally:
            RepsAtStart.on = True
    assert "reps_at_start" not in mechanisms.mechanisms()
    assert "test_reps_at_start" not in counters.declared()
    # the counter is no KPI; it reaches the run's counters, seen through the model
    from escalationsim.engine.model import Model

    seen: dict[str, float] = {}
    real = Model.run

    def run(self: Model) -> Any:
        result = real(self)
        seen.update(result.counters)
        seen["built"] = float("reps_at_start" in self.ctx.mechanisms)
        return result

    Model.run = run  # type: ignore[method-assign]
    try:
        with mechanisms.registered(RepsAtStart), counters.declaring(REPS_AT_START):
            simulate(cfg)
    finally:
        Model.run = real  # type: ignore[method-assign]
    assert seen["built"] == 1.0 and seen["test_reps_at_start"] > 0
    # a mechanism that changes nothing leaves every KPI as it was
    assert on.drop(columns=["seconds"], errors="ignore").equals(
        off.drop(columns=["seconds"], errors="ignore")
    )


def test_each_projects_mechanism_is_off_when_its_section_says_so():
    """Off, a mechanism is None on the run context (the journey's one check)."""
    from escalationsim.engine.model import Model
    from escalationsim.experiment.runner import run_one  # noqa: F401

    cfg = small_config(policies=["rigid_script"])
    seen: dict[str, Any] = {}
    real = Model.__init__

    def init(self: Model, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        seen.update({n: getattr(self.ctx, n) for n in self.ctx.MECHANISMS})

    Model.__init__ = init  # type: ignore[method-assign]
    try:
        scenario = cfg.scenario
        off = replace(
            scenario,
            backoffice=replace(scenario.backoffice, enabled=False),
            claims=replace(scenario.claims, enabled=False),
            customers=replace(scenario.customers, enabled=False),
            publicity=replace(scenario.publicity, enabled=False),
            weighing=replace(scenario.weighing, enabled=False),
        )
        simulate(replace(cfg, scenario=off))
        assert seen == dict.fromkeys(("backoffice", "judgement", "base", "publicity", "weighing"))
        simulate(cfg)
        assert isinstance(seen["backoffice"], BackOffice)
        assert isinstance(seen["base"], CustomerBase)
    finally:
        Model.__init__ = real  # type: ignore[method-assign]


def test_a_bad_mechanism_is_refused_when_registered_naming_it():
    class NoName(Mechanism):
        section = "claims"

    class Misspelt(Mechanism):
        name = "misspelt"
        section = "claim"

    class Twice(Mechanism):
        name = "backoffice"
        section = "backoffice"

    with pytest.raises(ValueError, match="NoName must set a name"):
        mechanisms.register(NoName)
    with pytest.raises(
        ValueError, match=r"'claim' is not a scenario section \(did you mean 'claims'\?\)"
    ):
        mechanisms.register(Misspelt)
    with pytest.raises(ValueError, match="'backoffice' is registered already"):
        mechanisms.register(Twice)
    again = pytest.raises(ValueError, match="'backoffice' is registered already")
    with again, mechanisms.registered(BackOffice):  # ours, again: refused, ours kept
        pass
    with pytest.raises(ValueError, match="must subclass escalationsim.engine.Mechanism"):
        mechanisms.register(dict)  # type: ignore[type-var]
    assert set(mechanisms.mechanisms()) == {
        "backoffice",
        "judgement",
        "base",
        "publicity",
        "weighing",
    }


def test_every_registry_refuses_a_duplicate_and_undoes_a_temporary_registration():
    """One registry API: channels, lever modes, mechanisms, outcomes, reductions,
    counters and fields refuse a second declaration of a name under another meaning,
    and their context managers leave nothing behind."""
    from escalationsim.analysis import kpis, reductions
    from escalationsim.engine import channels, fields
    from escalationsim.policy import registry

    kpi = kpis.Kpi("test_kpi", kpis.PerComplaint("calls"), "t", "", "{:.1f}", kpis.NONNEG)
    with kpis.registered(kpi), pytest.raises(ValueError, match="test_kpi"):
        kpis.register(kpi)
    assert "test_kpi" not in kpis.by_name()
    with pytest.raises(ValueError, match="'calls' is already declared"):
        reductions.register(reductions.summed("calls"))  # ours already
    with counters.declaring(REPS_AT_START), pytest.raises(ValueError, match="declared by both"):
        counters.declare(replace(REPS_AT_START, producer="other"))
    assert "test_reps_at_start" not in counters.declared()
    field = fields.Field("test_field", "i4", 0, "t", "test")
    with fields.declaring(field), pytest.raises(ValueError, match="declared by both"):
        fields.declare(replace(field, owner="other"))
    assert "test_field" not in fields.declared()
    with pytest.raises(ValueError, match="'phone' is registered already"):
        channels.register(channels.channel_classes()[0])
    with pytest.raises(ValueError, match="must subclass escalationsim.engine.channels.Channel"):
        channels.register(dict)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="registered already"):
        registry.lever("rep", "script", registry.config_class("rep", "script"))(object)
