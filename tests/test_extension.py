"""The worked examples of docs/architecture.md: a lever mode, a channel, a KPI, and a
live chat as a first channel with its own recorded field and KPI, added from outside the
package (here, in a test), without touching the engine."""

from __future__ import annotations

import sys
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import pytest

from escalationsim import ConfigError, simulate, validate
from escalationsim.analysis import kpis, reductions
from escalationsim.config.fields import PROB, param
from escalationsim.engine import channels, fields
from escalationsim.engine.fields import Field
from escalationsim.kernel.codes import DENIED, NO_ANSWER, RESOLVED, ROLE_EXEC_OFFICE, ROLE_REP
from escalationsim.kernel.staff_pool import RENEGED
from escalationsim.policy import Lever, registry
from tests.conftest import small_config

# --------------------------------------------------------------------------- a lever mode


@dataclass
class CoinFlipRep:
    """Reps grant an exception with probability ``grant_prob``, whatever it costs."""

    mode: str = "coin_flip"
    grant_prob: float = param(0.5, PROB)


class CoinFlipAuthority(Lever):
    def __init__(self, cfg: CoinFlipRep, scenario: Any) -> None:
        self.grant_prob = cfg.grant_prob

    def exception(self, ctx, c, channel) -> Generator[Any, Any, int]:
        if ctx.uniform(c) < self.grant_prob:
            ctx.grant(c, ROLE_REP)
            return RESOLVED
        return DENIED
        yield  # a generator, like every rep authority


@pytest.fixture
def coin_flip():
    with registry.registered("rep", "coin_flip", CoinFlipRep, CoinFlipAuthority):
        yield


def _with_rep(cfg, rep) -> Any:
    policies = dict(cfg.policies)
    policies["rigid_script"] = replace(policies["rigid_script"], rep=rep)
    return replace(cfg, policies=policies)


def test_a_new_lever_mode_is_one_class_and_its_config(coin_flip) -> None:
    cfg = small_config("run.horizon_days=5", policies=["rigid_script"])
    res = {p: simulate(_with_rep(cfg, CoinFlipRep(grant_prob=p))) for p in (0, 1)}

    def rep_grants(r) -> int:
        df = r.complaints
        return int(((df["resolved_by"] == "rep") & (df["compensation"] > 0)).sum())

    assert rep_grants(res[0]) == 0 == rep_grants(simulate(cfg))  # like the script
    assert rep_grants(res[1]) > 100
    k0, k1 = (res[p].kpis.iloc[0] for p in (0, 1))
    assert k1["resolution_rate"] > k0["resolution_rate"] + 0.1
    # its range is checked by the one validator, naming the key
    with pytest.raises(ConfigError, match=r"policies\.rigid_script\.rep\.grant_prob = 1\.5"):
        validate(_with_rep(cfg, CoinFlipRep(grant_prob=1.5)))


def test_a_new_lever_mode_is_found_from_the_command_line_config(coin_flip) -> None:
    from escalationsim import compose

    sim = compose(
        ["policies.rigid_script.rep.mode=coin_flip", "+policies.rigid_script.rep.grant_prob=0.2"]
    )
    assert sim.policies["rigid_script"].rep == CoinFlipRep(grant_prob=0.2)


# --------------------------------------------------------------------------- a channel


class Regulator(channels.Channel):
    """The last rung: a complaint to the regulator, which makes the executive office
    settle half of them after a week."""

    name = "regulator"
    ladder_step = 3  # after social (1) and the CEO (2)

    def __init__(self, ctx, scenario, tracked) -> None:
        super().__init__(ctx, scenario, tracked)
        self.office = ctx.pools["exec_office"]

    def contact(self, c) -> Generator[Any, Any, int]:
        ctx = self.ctx
        yield ctx.env.timeout(7 * 24.0)
        if ctx.uniform(c) < 0.5:
            yield from ctx.staff_task(c, self.office, "office_case", ticket=self.tracked)
            ctx.resolve(c, ROLE_EXEC_OFFICE)
            return RESOLVED
        return NO_ANSWER


def test_a_new_channel_is_one_class_and_one_registry_entry() -> None:
    cfg = small_config("run.horizon_days=8", "run.drain_days=10", policies=["rigid_script"])
    before = simulate(cfg)
    with channels.registered(Regulator):
        after = simulate(cfg)
    assert "regulator" not in channels.names()  # unregistered again
    df = after.complaints
    assert {"reached_regulator", "escalated_regulator"} <= set(df.columns)
    assert "regulator" in df["final_channel"].cat.categories
    reached = df["reached_regulator"]
    assert reached.sum() > 20  # customers who ran out of rungs went on to the regulator
    assert df.loc[reached, "escalated_regulator"].all()
    assert not df.loc[reached, "tracked"].any()  # not always tracked: no ticket there
    k = after.kpis.iloc[0]
    assert 0 < k["escalation_rate_regulator"] == pytest.approx(reached.mean())
    assert k["resolution_rate"] > before.kpis.iloc[0]["resolution_rate"]
    assert "escalation_rate_regulator" not in before.kpis.columns


# --------------------------------------------------------------------------- a KPI


def test_a_new_kpi_is_one_registry_entry(monkeypatch, tmp_path) -> None:
    from escalationsim.app.output import write_outputs
    from escalationsim.app.report import build_report

    entry = kpis.Kpi(
        "calls_per_complaint",
        kpis.PerComplaint("calls"),  # a declared reduction: checked before the run
        "phone calls per complaint",
        "calls",
        "{:.3f}",
        kpis.NONNEG,
        views={"headline": 99, "paired": 99},
        doc="phone calls / complaints",
    )
    monkeypatch.setattr(kpis, "REGISTRY", [*kpis.REGISTRY, entry])
    cfg = small_config("run.replications=2", policies=["rigid_script", "empowered_rep"])
    res = simulate(cfg)
    assert (res.kpis["calls_per_complaint"] > 0.5).all()
    assert set(res.summary.loc[res.summary.kpi == "calls_per_complaint", "policy"]) == {
        "rigid_script",
        "empowered_rep",
    }
    write_outputs(tmp_path, cfg, res, plots=False, complaints=False)
    build_report(tmp_path, plots=False, current=tmp_path)
    assert "calls_per_complaint" in pd.read_csv(tmp_path / "kpis.csv").columns
    assert "calls_per_complaint" in set(pd.read_csv(tmp_path / "summary.csv")["kpi"])
    assert "phone calls per complaint" in (tmp_path / "headline.md").read_text()
    report = (tmp_path / "report.md").read_text()
    assert "phone calls per complaint" in report and "calls_per_complaint" in report


def test_plugins_declared_by_entry_points_are_loaded_once(monkeypatch) -> None:
    """A package's module under the ``escalationsim.plugins`` entry-point group is
    imported (registering what it defines) by the command and by worker processes."""
    from importlib.metadata import EntryPoint

    from escalationsim.experiment import plugins

    ep = EntryPoint("mine", "tests.test_extension", plugins.GROUP)
    monkeypatch.setattr(
        plugins, "entry_points", lambda group: [ep] if group == plugins.GROUP else []
    )
    monkeypatch.setattr(plugins, "_loaded", set())
    assert plugins.load_plugins() == ["mine"]
    assert plugins.load_plugins() == ["mine"]
    assert plugins._loaded == {"tests.test_extension"}


def test_a_plugin_that_fails_to_import_is_named_and_left_out(monkeypatch, capsys) -> None:
    from importlib.metadata import EntryPoint

    from escalationsim.experiment import plugins

    good = EntryPoint("mine", "tests.test_extension", plugins.GROUP)
    bad = EntryPoint("broken", "tests.no_such_module_here", plugins.GROUP)
    monkeypatch.setattr(
        plugins, "entry_points", lambda group: [bad, good] if group == plugins.GROUP else []
    )
    monkeypatch.setattr(plugins, "_loaded", set())
    monkeypatch.setattr(plugins, "FAILED", {})
    assert plugins.load_plugins() == ["mine"]
    assert plugins.load_plugins() == ["mine"]  # reported once
    err = capsys.readouterr().err
    assert err.count("plugin broken (tests.no_such_module_here) failed to load") == 1
    assert "ModuleNotFoundError" in err


HALF = """
from dataclasses import dataclass
from escalationsim.analysis import kpis
from escalationsim.engine import channels
from escalationsim.policy import Lever, registry

@dataclass
class HalfRep:
    mode: str = "half"

@registry.lever("rep", "half", HalfRep)
class Half(Lever):
    def __init__(self, cfg, scenario): pass

@channels.register
class HalfChannel(channels.Channel):
    name = "half_channel"

kpis.REGISTRY.append(kpis.Kpi("half_kpi", lambda inp, row: 0.0, "half", "count", "{:.0f}"))

from escalationsim.engine import fields, mechanisms

fields.declare(fields.Field("half_field", "i4", 0, "half", "half_plugin"))

@mechanisms.register
class HalfMechanism(mechanisms.Mechanism):
    name = "half_mechanism"
    section = "claims"

raise RuntimeError("the plugin's bug, after it registered five things")
"""


def test_a_plugin_that_fails_half_way_leaves_nothing_registered(monkeypatch, tmp_path, capsys):
    from importlib.metadata import EntryPoint

    from escalationsim.experiment import plugins

    (tmp_path / "half_plugin.py").write_text(HALF)
    monkeypatch.syspath_prepend(str(tmp_path))
    bad = EntryPoint("half", "half_plugin", plugins.GROUP)
    monkeypatch.setattr(plugins, "entry_points", lambda group: [bad])
    monkeypatch.setattr(plugins, "_loaded", set())
    monkeypatch.setattr(plugins, "FAILED", {})
    from escalationsim.engine import fields, mechanisms
    from escalationsim.engine.customer import Customer

    def state() -> tuple:
        return (
            registry.modes("rep"),
            channels.names(),
            [k.name for k in kpis.kpis()],
            list(mechanisms.mechanisms()),
            list(fields.declared()),
        )

    before = state()
    assert plugins.load_plugins() == []
    assert "the plugin's bug" in capsys.readouterr().err
    assert state() == before
    assert not hasattr(Customer, "half_field")
    assert "half_plugin" not in sys.modules


# --------------------------------------------------------------------------- a first channel
# with a field and a KPI of its own: one field declaration, one reduction, one KPI


CHAT_SESSIONS = Field("chat_sessions", "i4", 0, "live-chat sessions", "tests.test_extension")


class Chat(channels.Channel):
    """Live chat on the website: a fifth of complaints start there; a rep from the
    email queue answers while the customer waits on the page (a quarter of their
    patience), and each session is counted in the complaint's own field."""

    name = "chat"
    work = "email"  # served from the reps' queue at the email's priority
    retryable = True
    first_share = 0.2

    def __init__(self, ctx, scenario, tracked) -> None:
        super().__init__(ctx, scenario, tracked)
        self.reps, self.priority, self.reserve = ctx.route(self.work)
        self.patience_h = scenario.channels.email.patience_mean_h / 4

    def contact(self, c) -> Generator[Any, Any, int]:
        ctx = self.ctx
        c.chat_sessions += 1
        patience = ctx.expo(c) * self.patience_h * c.patience
        wait = self.reps.request_with_patience(self.priority, patience, self.reserve)
        if wait is not None and (yield wait) is RENEGED:
            return NO_ANSWER
        yield ctx.hold(c, self.reps, "email")
        self.reps.release()
        if not c.needs_exception:
            return ctx.routine(c, ROLE_REP)
        return (yield from ctx.policy.rep.exception(ctx, c, self))


CHAT_KPI = kpis.Kpi(
    "chat_sessions_per_complaint",
    kpis.PerComplaint("chat_sessions"),
    "live-chat sessions per complaint",
    "sessions",
    "{:.3f}",
    kpis.NONNEG,
    views={"headline": 98},
    doc="live-chat sessions / complaints",
)


@pytest.fixture
def chat(monkeypatch):
    monkeypatch.setattr(kpis, "REGISTRY", list(kpis.REGISTRY))
    with (
        fields.declaring(CHAT_SESSIONS),
        reductions.registered(reductions.summed("chat_sessions", "live-chat sessions")),
        channels.registered(Chat),
    ):
        kpis.register(CHAT_KPI)
        yield


def test_a_first_channel_with_its_own_field_and_kpi(chat, tmp_path) -> None:
    from escalationsim.app.output import write_outputs

    cfg = small_config("run.horizon_days=5", policies=["rigid_script", "empowered_rep"])
    res = simulate(cfg)
    df = res.complaints
    first = df["first_channel"].astype(str)
    share = (first == "chat").mean()
    assert 0.17 < share < 0.23  # a fifth start there, taken from every other channel
    assert "chat_sessions" in df.columns  # its own recorded field, a column
    assert (df.loc[first == "chat", "chat_sessions"] >= 1).all()
    assert (df.loc[first != "chat", "chat_sessions"] == 0).all()  # nobody else chats
    # its KPI, from its reduction, in kpis.csv, the summary and the headline
    per = df.groupby("policy", observed=True)["chat_sessions"].mean()
    k = res.kpis.set_index("policy")["chat_sessions_per_complaint"]
    assert k.to_dict() == pytest.approx(per.to_dict())
    write_outputs(tmp_path, cfg, res, plots=False, complaints=True)
    assert "live-chat sessions per complaint" in (tmp_path / "headline.md").read_text()
    assert "chat_sessions" in pd.read_parquet(tmp_path / "complaints.parquet").columns
    # without the channel, records off: the same KPI from the streamed summary
    streamed = simulate(replace(cfg, run=replace(cfg.run, records=False)))
    assert streamed.kpis["chat_sessions_per_complaint"].to_list() == pytest.approx(k.to_list())


def test_a_misspelt_field_or_work_kind_fails_at_start_up_naming_it(chat) -> None:
    typo = kpis.Kpi("chats", kpis.PerComplaint("chat_sesions"), "chats")
    with pytest.raises(
        ValueError, match=r"KPI 'chats' reads reduction 'chat_sesions'.*'chat_sessions'"
    ):
        kpis.register(typo)
        validate(small_config(policies=["rigid_script"]))
    with pytest.raises(KeyError, match=r"'chat_sesions' is declared.*'chat_sessions'"):
        fields.field("chat_sesions")

    class Sms(channels.Channel):
        name = "sms"
        work = "chat"

    with pytest.raises(ValueError, match=r"channel 'sms': work = 'chat' is not a kind of work"):
        channels.register(Sms)
    with pytest.raises(ValueError, match="declared by both"):
        fields.declare(Field("chat_sessions", "f8", 0.0, "other", "elsewhere"))
    with pytest.raises(ValueError, match="sets when it is built"):
        fields.declare(Field("contacts", "i4", 0, "again", "elsewhere"))
