"""Every setting a user gives has an effect or is refused with the reason and what to set
instead (app/inert.py, config/inert.py); the probe that changes every leaf alone runs
in the slow suite (tests/inert_probe.py)."""

from __future__ import annotations

import pytest

from escalationsim import ConfigError, compose
from tests.cli import run_cli


def _refused(*overrides: str) -> str:
    with pytest.raises(ConfigError) as err:
        compose(list(overrides))
    return str(err.value)


@pytest.mark.parametrize(
    ("override", "names"),
    [
        ("scenario.staff.reps.count=18", "scenario.staff.reps.schedule.hourly=[]"),
        ("scenario.staff.exec_office.count=1", "scenario.staff.exec_office.schedule.shifts=[]"),
        ("scenario.staff.social.count=50", "+social_team=separate"),
        ("scenario.staff.social.hourly_cost_usd=10", "no work goes to the social pool"),
        ("scenario.staff.reference_volume_per_day=10", "scenario.staff.scale_with_volume=true"),
        ("policies.omnichannel.rep.budget_usd=10", "add it to run.policies"),
        ("run.precision.half_width=0.05", "run.precision.kpi"),
        ("+validation.replications=3", "experiment=validation"),
        ("+optimize.trials=3", "experiment=optimize"),
    ],
)
def test_a_setting_that_cannot_act_is_refused_with_the_reason_and_the_remedy(override, names):
    message = _refused(override)
    key = override.split("=")[0].lstrip("+")
    assert f"{key} cannot act in this configuration" in message and names in message, message


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (["scenario.weighing.enabled=false", "scenario.weighing.weak_odds=0.2"], "weigh"),
        (["scenario.claims.enabled=false", "scenario.weighing.weak_odds=0.2"], "weak"),
        (["run.policies=[rigid_script]", "scenario.channels.ceo.writer_patience_days=3"], "person"),
        (["run.policies=[rigid_script]", "scenario.targets.ceo_personal_share_min=0.3"], "person"),
        (
            [
                "scenario.channels.social.review_interval_h=0",
                "policies.rigid_script.social.alert_followers=5",
            ],
            "review_interval_h",
        ),
        (
            [
                "policies.ceo_responds.ceo.handover_after_h=0",
                "policies.ceo_responds.ceo.office_override_prob=0.5",
            ],
            "hands no letter",
        ),
    ],
)
def test_the_new_mechanisms_settings_are_refused_where_they_cannot_act(overrides, says):
    """A setting of customers who weigh their claim, of a CEO who answers in person or of
    the social team's alerts, where it cannot act; each acts once what it needs is on."""
    message = _refused(*overrides)
    key = overrides[-1].split("=")[0]
    assert f"{key} cannot act in this configuration" in message and says in message, message
    compose([overrides[-1]])  # in the default job it acts: accepted


def test_the_same_settings_act_where_they_can():
    """The remedies the messages give are accepted, and the setting then acts."""
    sim = compose(["+staffing=around_the_clock", "scenario.staff.reps.count=9"])
    assert sim.scenario.staff.reps.weekly_schedule().peak == 9
    sim = compose(["+social_team=separate", "scenario.staff.social.count=3"])
    assert sim.scenario.staff.social.weekly_schedule().peak == 3
    compose(
        ["scenario.staff.scale_with_volume=true", "scenario.staff.reference_volume_per_day=800"]
    )
    compose(["run.policies=[omnichannel]", "policies.omnichannel.rep.budget_usd=10"])
    compose(["run.precision.kpi=cost_per_complaint", "run.precision.half_width=0.05"])


def test_promised_work_without_a_back_office_is_refused():
    message = _refused(
        "scenario.backoffice.enabled=false", "scenario.arrivals.initial_promised.phone=[5]"
    )
    assert "scenario.arrivals.initial_promised" in message and "backoffice.enabled=true" in message
    compose(["scenario.arrivals.initial_promised.phone=[5]"])


def test_rostered_pools_growing_with_volume_refuse_their_own_roster():
    message = _refused(
        "scenario.staff.scale_with_volume=true", "scenario.staff.reps.schedule.hourly=[]"
    )
    assert "staffed hour by hour for the phone load" in message, message


def test_no_records_and_a_complaints_table_asked_for_is_refused():
    message = _refused("run.records=false", "output.complaints=true")
    assert "output.complaints cannot act" in message and "run.records=true" in message
    compose(["run.records=false"])  # the default output.complaints is not the user's


@pytest.mark.parametrize("key", ["scenario.volume_per_day", "scenario.churn.accounting"])
def test_deleting_a_setting_is_refused_rather_than_falling_back_to_a_hidden_default(key):
    message = _refused(f"~{key}")
    assert f"~{key}: deleting a setting is not supported" in message, message
    # set, then deleted: Hydra applies them in order, so the deletion wins: refused too
    value = "300" if "volume" in key else "lifetime"
    message = _refused(f"{key}={value}", f"~{key}")
    assert f"~{key}: deleting a setting is not supported" in message, message
    compose([f"~{key}", f"+{key}={value}"])  # deleted, then given: replaced


def test_a_misspelt_key_of_hydra_is_refused_and_the_right_one_suggested():
    message = _refused("+hydra.run.dri=/tmp/x")
    assert "hydra.run has no key 'dri' (did you mean hydra.run.dir?)" in message, message
    compose(["+hydra.job.env_set.ESCALATIONSIM_PROBE=1"])  # a dictionary takes any key


def test_the_queue_only_scenario_refuses_what_its_distributions_ignore():
    message = _refused("scenario=queue_only", "scenario.service_cv=2")
    assert "service_dist=lognormal" in message
    compose(["scenario=queue_only", "scenario.service_dist=lognormal", "scenario.service_cv=2"])
    assert "patience_minutes" in _refused("scenario=queue_only", "scenario.patience_cv=2")
    assert "no policy acts on it" in _refused(
        "scenario=queue_only", "policies.empowered_rep.rep.budget_usd=5"
    )


@pytest.mark.cli
def test_the_command_line_refuses_it_before_writing_anything(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(["scenario.staff.reps.count=18", f"hydra.run.dir={out}"])
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "scenario.staff.reps.count cannot act" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "kpis.csv").exists() and not (out / "manifest.json").exists()


@pytest.mark.sweep
def test_a_sweep_over_a_setting_that_cannot_act_is_refused_before_any_job(tmp_path):
    out = tmp_path / "sweep"
    proc = run_cli(["-m", "scenario.staff.reps.count=5,10", f"hydra.sweep.dir={out}"])
    assert proc.returncode != 0
    assert "scenario.staff.reps.count cannot act" in proc.stderr, proc.stderr[-2000:]
    assert not list(out.glob("*/kpis.csv"))


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        (
            ["run.horizon_days=6", "run.warmup_days=1", "run.drain_days=2"],
            "scenario.targets.deadline_breach_max=0.1",
            "no letter can be answered after the 15-day deadline",
        ),
        (
            ["run.horizon_days=6", "run.warmup_days=1", "run.drain_days=2"],
            "scenario.channels.ceo.deadline_fine_usd=900",
            "in a run that ends 8 days after it starts",
        ),
        (
            ["run.horizon_days=10", "run.warmup_days=1"],
            "policies.empowered_rep.root_cause.enabled=true",
            "after the last arrival of this run (run.horizon_days = 10)",
        ),
    ],
)
def test_what_a_run_is_too_short_for_is_refused_and_acts_once_it_can(overrides, key, says):
    """A late letter needs a run longer than the deadline, a fix a lead shorter than the
    arrivals: refused with the remedy, accepted once the remedy is applied."""
    message = _refused(*overrides, key)
    assert f"{key.split('=')[0]} cannot act in this configuration" in message, message
    assert says in message, message
    remedy = (
        "policies.empowered_rep.root_cause.lead_days=2"
        if "root_cause" in key
        else "scenario.channels.ceo.response_deadline_days=3"
    )
    compose([*overrides, key, remedy])


# The CEO keeps up with 100 complaints a day in 40 hours a week, and a 2-day deadline is
# passed by the letters of the weekend: about 8% of letters are late, every other target is
# met, so the breach target alone decides meets_targets.
KEEPS_UP = [
    "run.policies=[ceo_responds]",
    "run.replications=1",
    "run.records=false",
    "run.workers=1",
    "scenario.volume_per_day=100",
    "run.horizon_days=30",
    "run.warmup_days=5",
    "run.drain_days=10",
    "scenario.staff.ceo.hours_per_week=40",
    "scenario.channels.ceo.response_deadline_days=2",
]


def test_the_breach_target_decides_where_the_ceo_keeps_up():
    from escalationsim import simulate

    strict = simulate(compose(KEEPS_UP)).kpis.iloc[0]
    assert 0.05 < strict["deadline_breach_rate"] < 0.10, strict["deadline_breach_rate"]
    assert not strict["unstable_queues"] and not strict["meets_targets"]
    lenient = simulate(compose([*KEEPS_UP, "scenario.targets.deadline_breach_max=0.10"]))
    assert lenient.kpis.iloc[0]["meets_targets"]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["default", "queue_only"])
def test_every_leaf_changed_alone_changes_the_run_or_is_refused(scenario):
    from tests.inert_probe import probe

    silent = [o for o in probe(scenario) if o.kind == "silent"]
    assert not silent, "\n".join(f"{o.key}: {o.detail}" for o in silent)


def test_staffing_combinations_are_checked_before_the_run():
    """Callers who never hang up are staffed by Erlang C (no abandonment target to meet);
    an abandonment target of 0 with patient-but-not-infinitely callers is refused by name
    (both were tracebacks from the staffing code)."""
    from escalationsim import validate

    sim = compose(
        ["scenario.channels.phone.patience_mean_s=null", "scenario.staff.scale_with_volume=true"]
    )
    validate(sim)
    assert sim.scenario.staff.scale_with_volume
    with pytest.raises(
        ConfigError, match=r"scenario.targets.phone_abandon_max = 0.0 .* more than 0"
    ):
        validate(
            compose(
                ["scenario.staff.scale_with_volume=true", "scenario.targets.phone_abandon_max=0"]
            )
        )


@pytest.mark.parametrize(
    "window",
    [
        # 08:00-18:00 only, a window from 00:00 to 07:12 on the second day
        [
            "scenario.arrivals.hourly_profile=["
            + ",".join(["0"] * 8 + ["1"] * 10 + ["0"] * 6)
            + "]",
            "run.horizon_days=1.3",
            "run.warmup_days=1",
        ],
        # weekdays only, a window on the weekend
        [
            "scenario.arrivals.weekly_profile=[1,1,1,1,1,0,0]",
            "run.horizon_days=7",
            "run.warmup_days=5",
        ],
    ],
)
def test_a_window_on_hours_the_profiles_give_no_weight_measures_nothing_and_is_refused(window):
    from escalationsim import validate

    with pytest.raises(ConfigError, match="nothing would be measured"):
        validate(compose(window))
    validate(compose([*window[:-2], "run.horizon_days=7.5", "run.warmup_days=5"]))


def test_an_empty_section_that_would_be_merged_into_the_shipped_one_is_refused():
    message = _refused("experiment=validation", "validation.cases={}")
    assert "validation.cases={}: an empty section is merged" in message, message


@pytest.mark.cli
def test_a_misspelt_key_of_hydra_on_the_command_line_is_refused(tmp_path):
    proc = run_cli(["+hydra.run.dri=/tmp/x", f"hydra.run.dir={tmp_path / 'run'}"])
    assert proc.returncode == 2 and "did you mean hydra.run.dir?" in proc.stderr, proc.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (["experiment=validation", "scenario.volume_per_day=10"], "its own queue-only cases"),
        (["experiment=optimize", "run.replications=9"], "optimize.replications"),
        (["+robustness.scenarios=32"], "use experiment=robustness"),
        (
            ["experiment=robustness", "scenario.population.clv_median_usd=500"],
            "a robustness study sets it in each world",
        ),
    ],
)
def test_settings_another_job_reads_are_refused(overrides, says):
    message = _refused(*overrides)
    assert "cannot act in this configuration" in message and says in message, message
    compose(["experiment=robustness", "uncertainty.clv_median_usd.high=900"])  # a study's
    fixed = ["~uncertainty.clv_median_usd", "scenario.population.clv_median_usd=500"]
    compose(["experiment=robustness", *fixed])  # no longer uncertain: fixed by the user


def _checked(*overrides: str) -> None:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    from escalationsim.app.cli import check_config

    with initialize_config_module(config_module="escalationsim.conf", version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    check_config(cfg, overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        [
            "experiment=optimize",
            "+optimize.levers.reps.keys=[scenario.staff.reps.count]",
            "+optimize.levers.reps.low=1",
            "+optimize.levers.reps.high=5",
        ],
        [
            "experiment=robustness",
            "+uncertainty.team.keys=[scenario.staff.social.count]",
            "+uncertainty.team.low=1",
            "+uncertainty.team.high=3",
            "+uncertainty.team.source=assumption: a test",
        ],
    ],
)
def test_a_lever_or_an_uncertainty_that_cannot_act_is_refused(overrides):
    """Trials of a lever, or worlds of an uncertainty, on a key the job never reads would
    all be the same run: refused, naming the lever and the reason."""
    where = overrides[1].split(".keys")[0].lstrip("+")
    with pytest.raises(
        ConfigError, match=rf"{where}\.keys: scenario\.staff\.\w+\.count cannot act"
    ):
        _checked(*overrides)


def test_the_shipped_optimiser_and_study_vary_only_what_acts():
    _checked("experiment=optimize")
    _checked("experiment=robustness")  # one idle key of several (rigid_script's word of mouth)
    # a narrower job than the shipped study's: its shipped uncertainty on word of mouth is
    # idle (neither policy's CEO is seen), which the study reports; it is not the user's
    _checked("experiment=robustness", "run.policies=[rigid_script,empowered_rep]")
