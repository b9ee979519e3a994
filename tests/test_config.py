"""Tests for escalationsim.config validation: every bad value names its key and range."""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable

import pytest

from escalationsim import compose
from escalationsim.config.fields import ConfigError
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.experiment.job import RunConfig, SimConfig, validate
from escalationsim.policy import PolicyConfig

PRESETS = {"rigid_script", "empowered_rep", "ceo_responds", "ceo_redirects", "omnichannel"}


@pytest.fixture(scope="module")
def base() -> SimConfig:
    cfg = compose()
    # Run all five presets so that each one's levers are validated.
    cfg.run.policies = sorted(cfg.policies)
    return cfg


@pytest.fixture
def cfg(base: SimConfig) -> SimConfig:
    return copy.deepcopy(base)


def test_compose_gives_the_five_presets(base: SimConfig) -> None:
    assert set(base.policies) == PRESETS
    for name, p in base.policies.items():
        assert isinstance(p, PolicyConfig)
        assert p.name == name


def test_default_job_validates(base: SimConfig) -> None:
    validate(base)
    validate(compose())  # as shipped (three headline policies)


def test_plain_dataclass_defaults_validate() -> None:
    validate(
        SimConfig(
            scenario=ScenarioConfig(),
            policies={"custom": PolicyConfig()},
            run=RunConfig(policies=["custom"]),
        )
    )


def _set_run(**kw) -> Callable[[SimConfig], None]:
    def f(c: SimConfig) -> None:
        c.run = dataclasses.replace(c.run, **kw)

    return f


def _setattr(path: str, value) -> Callable[[SimConfig], None]:
    """Set a dotted attribute; ``policies.<name>`` indexes the policy dict."""

    def f(c: SimConfig) -> None:
        parts = path.split(".")
        obj = c
        if parts[0] == "policies":
            obj = c.policies[parts[1]]
            parts = parts[2:]
        for part in parts[:-1]:
            obj = getattr(obj, part)
        setattr(obj, parts[-1], value)

    return f


NAN = math.nan

BAD_CASES = [
    # negative rates / durations
    pytest.param(
        _setattr("scenario.volume_per_day", -5.0),
        "scenario.volume_per_day",
        "> 0",
        id="negative-volume",
    ),
    pytest.param(
        _setattr("scenario.behaviour.retry_delay_mean_h", -1.0),
        "scenario.behaviour.retry_delay_mean_h",
        "(0, 100000]",
        id="negative-delay",
    ),
    pytest.param(
        _setattr("scenario.channels.social.impressions_per_follower_h", -0.1),
        "scenario.channels.social.impressions_per_follower_h",
        "[0, 1000",
        id="negative-impression-rate",
    ),
    pytest.param(
        _setattr("policies.ceo_responds.floodgates.strength", -0.05),
        "policies.ceo_responds.floodgates.strength",
        "[0, 1000]",
        id="negative-strength",
    ),
    # negative counts
    pytest.param(
        _setattr("scenario.staff.reps.count", -1),
        "scenario.staff.reps.count",
        "integer >= 1",
        id="negative-reps",
    ),
    pytest.param(
        _setattr("scenario.behaviour.max_retries", -1),
        "scenario.behaviour.max_retries",
        "integer in [0, 100]",
        id="negative-retries",
    ),
    pytest.param(
        _setattr("policies.omnichannel.root_cause.detect_after", -3),
        "policies.omnichannel.root_cause.detect_after",
        "integer >= 1",
        id="negative-detect-after",
    ),
    pytest.param(_set_run(workers=0), "run.workers", "integer >= 1", id="zero-workers"),
    # probabilities out of [0, 1]
    pytest.param(
        _setattr("policies.empowered_rep.rep.audit_fraction", 1.5),
        "policies.empowered_rep.rep.audit_fraction",
        "[0, 1]",
        id="prob-audit",
    ),
    pytest.param(
        _setattr("scenario.population.knows_ceo_share", 1.5),
        "scenario.population.knows_ceo_share",
        "[0, 1]",
        id="prob-knows-ceo",
    ),
    pytest.param(
        _setattr("scenario.churn.minor_quick", -0.1),
        "scenario.churn.minor_quick",
        "[0, 1]",
        id="prob-churn",
    ),
    pytest.param(
        _setattr("policies.empowered_rep.ceo.override_prob", 1.5),
        "policies.empowered_rep.ceo.override_prob",
        "[0, 1]",
        id="prob-override",
    ),
    pytest.param(
        _setattr("scenario.population.persistence_mean", 1.0),
        "scenario.population.persistence_mean",
        "(0, 1)",
        id="persistence-1",
    ),
    # run settings
    pytest.param(
        _set_run(policies=["rigid_script", "nope"]),
        "run.policies[1]",
        "one of",
        id="unknown-policy",
    ),
    pytest.param(
        _set_run(policies=["nope"]), "run.policies[0]", "rigid_script", id="unknown-policy-first"
    ),
    pytest.param(_set_run(policies=[]), "run.policies", "non-empty", id="no-policies"),
    pytest.param(
        _set_run(policies=["rigid_script", "rigid_script"]),
        "run.policies",
        "repeated",
        id="repeated-policy",
    ),
    pytest.param(
        _set_run(horizon_days=60.0, warmup_days=60.0),
        "run.warmup_days",
        "< run.horizon_days",
        id="warmup-equals-horizon",
    ),
    pytest.param(
        _set_run(horizon_days=60.0, warmup_days=75.0),
        "run.warmup_days",
        "< run.horizon_days",
        id="warmup-after-horizon",
    ),
    pytest.param(
        _set_run(replications=0), "run.replications", "integer >= 1", id="zero-replications"
    ),
    pytest.param(
        _set_run(replications=2.5), "run.replications", "integer >= 1", id="fractional-replications"
    ),
    pytest.param(_set_run(seed=-1), "run.seed", "integer >= 0", id="negative-seed"),
    # cross-field rules
    pytest.param(
        _setattr("scenario.population.first_channel_phone", 0.5),
        "scenario.population.first_channel",
        "summing to 1",
        id="shares-0.9",
    ),
    pytest.param(
        _setattr("scenario.population.first_channel_email", 0.5),
        "scenario.population.first_channel",
        "summing to 1",
        id="shares-1.1",
    ),
    pytest.param(
        _setattr("scenario.population.uses_social_share", 0.01),
        "scenario.population.uses_social_share",
        "first_channel_social",
        id="uses-social-below-first-social",
    ),
    pytest.param(
        _setattr("scenario.staff.ceo.hours_per_week", 121.0),
        "scenario.staff.ceo.hours_per_week",
        "(0, 120]",
        id="ceo-hours-too-many",
    ),
    pytest.param(
        _setattr("scenario.staff.ceo.hours_per_week", 0.0),
        "scenario.staff.ceo.hours_per_week",
        "(0, 120]",
        id="ceo-hours-zero",
    ),
    pytest.param(
        _setattr("scenario.staff.ceo.days_per_week", 8),
        "scenario.staff.ceo.days_per_week",
        "[1, 7]",
        id="ceo-days",
    ),
    pytest.param(
        _setattr("scenario.staff.ceo.start_hour", 23.5),
        "scenario.staff.ceo.start_hour",
        "midnight",
        id="ceo-block-past-midnight",
    ),
    # enum strings
    pytest.param(
        _setattr("policies.rigid_script.rep.mode", "bogus"),
        "policies.rigid_script.rep.mode",
        "empowered",
        id="bogus-rep-mode",
    ),
    pytest.param(
        _setattr("policies.omnichannel.social.mode", "loudest"),
        "policies.omnichannel.social.mode",
        "by_influence",
        id="bogus-social-mode",
    ),
    pytest.param(
        _setattr("policies.ceo_responds.ceo.mode", "ignores"),
        "policies.ceo_responds.ceo.mode",
        "redirects",
        id="bogus-ceo-mode",
    ),
    pytest.param(
        _setattr("scenario.handle_times.phone.dist", "weibull"),
        "scenario.handle_times.phone.dist",
        "lognormal",
        id="bogus-dist",
    ),
    pytest.param(
        _setattr("scenario.channels.phone.patience_dist", "constant"),
        "scenario.channels.phone.patience_dist",
        "['exponential', 'lognormal']",
        id="bogus-patience-dist",
    ),
    pytest.param(
        _setattr("scenario.channels.phone.patience_cv", -0.5),
        "scenario.channels.phone.patience_cv",
        "[0, 10]",
        id="negative-patience-cv",
    ),
    # NaN and infinities
    pytest.param(
        _setattr("scenario.volume_per_day", NAN),
        "scenario.volume_per_day",
        "finite",
        id="nan-volume",
    ),
    pytest.param(
        _setattr("scenario.handle_times.phone.cv", NAN),
        "scenario.handle_times.phone.cv",
        "finite",
        id="nan-cv",
    ),
    pytest.param(
        _setattr("policies.rigid_script.social.influence_intercept", NAN),
        "policies.rigid_script.social.influence_intercept",
        "finite",
        id="nan-intercept",
    ),
    pytest.param(
        _setattr("scenario.churn.quick_resolution_h", math.inf),
        "scenario.churn.quick_resolution_h",
        "finite",
        id="inf-quick",
    ),
    pytest.param(_set_run(warmup_days=NAN), "run.warmup_days", "finite", id="nan-warmup"),
    pytest.param(_set_run(horizon_days=NAN), "run.horizon_days", "finite", id="nan-horizon"),
    # a lever's mode must be configured by that mode's dataclass
    pytest.param(
        _setattr("policies.rigid_script.rep.mode", "empowered"),
        "policies.rigid_script.rep",
        "EmpoweredRep",
        id="mode-of-another-config",
    ),
    pytest.param(
        _setattr("policies.rigid_script.rep.mode", "bogus"),
        "policies.rigid_script.rep.mode",
        "['empowered', 'script']",
        id="unknown-mode",
    ),
    # values that would overflow or misbehave mid-run are stopped up front
    pytest.param(
        _setattr("scenario.population.followers_sigma", 400.0),
        "scenario.population.followers_sigma",
        "[0, 5]",
        id="followers-sigma-overflow",
    ),
    pytest.param(
        _setattr("scenario.handle_times.phone.cv", 1e200),
        "scenario.handle_times.phone.cv",
        "[0, 10]",
        id="huge-cv",
    ),
    pytest.param(
        _setattr("policies.rigid_script.social.influence_intercept", -1000.0),
        "policies.rigid_script.social.influence_intercept",
        "[-50, 50]",
        id="logistic-overflow",
    ),
    pytest.param(
        _setattr("scenario.churn.minor_quick", 0.1),
        "scenario.churn.minor_*",
        "minor_quick >= minor_fixed >= minor_unfixed",
        id="churn-unordered",
    ),
    pytest.param(
        _setattr("policies.empowered_rep.rep.manager_approval_prob", 2.0),
        "policies.empowered_rep.rep.manager_approval_prob",
        "[0, 1]",
        id="approval-prob",
    ),
    pytest.param(
        _setattr("scenario.volume_per_day", 1e9),
        "scenario.volume_per_day x run.horizon_days",
        "at most",
        id="too-many-complaints",
    ),
    pytest.param(_set_run(drain_days=-1.0), "run.drain_days", ">= 0", id="negative-drain"),
    # booleans are not numbers
    pytest.param(
        _setattr("scenario.volume_per_day", True),
        "scenario.volume_per_day",
        "> 0",
        id="bool-volume",
    ),
]


@pytest.mark.parametrize(("mutate", "key", "allowed"), BAD_CASES)
def test_bad_value_names_key_and_range(
    cfg: SimConfig, mutate: Callable[[SimConfig], None], key: str, allowed: str
) -> None:
    mutate(cfg)
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    msg = str(info.value)
    assert key in msg
    assert allowed in msg
    assert "not allowed" in msg


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_bad_values_do_not_touch_base(base: SimConfig) -> None:
    # The fixtures deep-copy: the shared base still validates after all the mutations.
    validate(base)


GOOD_EDGES = [
    pytest.param(_setattr("policies.empowered_rep.rep.audit_fraction", 1.0), id="prob-1"),
    pytest.param(_setattr("scenario.population.knows_ceo_share", 0.0), id="prob-0"),
    pytest.param(_set_run(warmup_days=0.0), id="no-warmup"),
    pytest.param(_set_run(horizon_days=10.5, warmup_days=10.0), id="warmup-just-below"),
    pytest.param(_set_run(replications=1), id="one-replication"),
    pytest.param(_set_run(policies=["omnichannel"]), id="one-policy"),
    pytest.param(_setattr("scenario.staff.ceo.hours_per_week", 120.0), id="ceo-all-day"),
    pytest.param(_setattr("scenario.volume_per_day", 7), id="int-volume"),
]


@pytest.mark.parametrize("mutate", GOOD_EDGES)
def test_edge_values_accepted(cfg: SimConfig, mutate: Callable[[SimConfig], None]) -> None:
    mutate(cfg)
    if cfg.scenario.staff.ceo.hours_per_week == 120.0:
        cfg.scenario.staff.ceo.start_hour = 0.0  # a 24 h block must start at midnight
    validate(cfg)


def test_undefined_policy_reported_against_available_names(cfg: SimConfig) -> None:
    cfg.run.policies = ["rigid_script", "ceo_ignores"]
    with pytest.raises(ConfigError, match=r"run\.policies\[1\]") as info:
        validate(cfg)
    for name in PRESETS:
        assert name in str(info.value)


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("scenario.staff.work.email.reserve=50", "scenario.staff.work.email.reserve", "fewer"),
        ("scenario.staff.work.social.pool=ceo", "scenario.staff.work.social.pool", "one of"),
        (
            "scenario.staff.reps.schedule.hourly=[1,2,3]",
            "scenario.staff.reps.schedule.hourly",
            "24 or 168",
        ),
        (
            "scenario.staff.managers.schedule.shifts=[{days:[7],start_hour:9,end_hour:17,count:1}]",
            "scenario.staff.managers.schedule.shifts[0].days",
            "0..6",
        ),
        (
            "scenario.staff.managers.schedule.shifts=[{days:[0],start_hour:9,end_hour:25,count:1}]",
            "scenario.staff.managers.schedule.shifts[0].end_hour",
            "hour of day",
        ),
        (
            "scenario.staff.managers.schedule.shifts=[{days:[0],start_hour:9,end_hour:17,count:0}]",
            "scenario.staff.managers.schedule",
            "at least one worker",
        ),
        ("scenario.arrivals.weekly_profile=[1,1,1]", "scenario.arrivals.weekly_profile", "7"),
        ("scenario.backoffice.chase_shape=0", "scenario.backoffice.chase_shape", "[0.1, 20]"),
        ("scenario.behaviour.switch_prob=1.5", "scenario.behaviour.switch_prob", "probability"),
        (
            "scenario.staff.reps.schedule.shifts=[{days:[0],start_hour:9,end_hour:17,count:1}]",
            "scenario.staff.reps.schedule",
            "either shifts or hourly",
        ),
    ],
)
def test_operations_settings_are_checked_naming_the_key(override, key, allowed):
    from escalationsim import compose
    from escalationsim.experiment.job import validate

    with pytest.raises(ConfigError) as err:
        validate(compose([override]))
    assert key in str(err.value) and allowed in str(err.value), str(err.value)


QUEUE_BAD = [
    pytest.param("service_dist", "weibull", "['lognormal', 'exponential', 'constant']", id="dist"),
    pytest.param("service_cv", -0.5, "[0, 10]", id="negative-service-cv"),
    pytest.param("service_cv", math.nan, "finite", id="nan-service-cv"),
    pytest.param("patience_dist", "constant", "['exponential', 'lognormal']", id="patience-dist"),
    pytest.param("patience_cv", -1.0, "[0, 10]", id="negative-patience-cv"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), QUEUE_BAD)
def test_bad_queue_only_value_names_key(key: str, value, allowed: str) -> None:
    """The queue-only scenario's distribution settings, given from Python."""
    sim = SimConfig(
        scenario=QueueOnlyScenario(**{key: value}),
        policies={"q": PolicyConfig(name="q")},
        run=RunConfig(policies=["q"]),
    )
    with pytest.raises(ConfigError) as info:
        validate(sim)
    assert f"scenario.{key} = " in str(info.value)
    assert allowed in str(info.value)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.service_dist=weibull", "scenario.service_dist"),
        ("scenario.service_cv=-1", "scenario.service_cv"),
        ("scenario.patience_dist=gamma", "scenario.patience_dist"),
        ("scenario.patience_cv=-0.1", "scenario.patience_cv"),
    ],
)
def test_bad_queue_only_override_names_key(override: str, key: str) -> None:
    """The same settings given on the command line (through Hydra's composition)."""
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate(compose(["scenario=queue_only", override]))


def test_queue_only_distribution_settings_reach_the_engine() -> None:
    """Lognormal / constant service and lognormal patience become the phone channel's
    handling time and patience; the defaults stay exponential."""
    from escalationsim.config.queue_only import to_scenario

    default = to_scenario(QueueOnlyScenario(patience_minutes=2.0))
    assert default.handle_times.phone.dist == "exponential"
    assert default.channels.phone.patience_dist == "exponential"
    q = QueueOnlyScenario(
        service_dist="lognormal",
        service_cv=0.5,
        patience_minutes=2.0,
        patience_dist="lognormal",
        patience_cv=1.5,
    )
    s = to_scenario(q)
    assert (s.handle_times.phone.dist, s.handle_times.phone.cv) == ("lognormal", 0.5)
    assert (s.channels.phone.patience_dist, s.channels.phone.patience_cv) == ("lognormal", 1.5)
    assert s.channels.phone.patience_mean_s == 120.0


def test_scaling_bound_uses_the_rostered_peak_not_the_fallback_count():
    """The default reps follow an hourly roster peaking at 15 (their ``count``, 7, is only
    the fallback without a schedule): a tenfold volume must be bounded by the peak."""
    from escalationsim import compose
    from escalationsim.experiment.job import validate

    cfg = compose(
        [
            "scenario.staff.scale_with_volume=true",
            "scenario.volume_per_day=10000",
            "run.limits.max_staff=100",
        ]
    )
    with pytest.raises(ConfigError, match="reference_volume_per_day"):
        validate(cfg)


@pytest.mark.parametrize(
    ("path", "typo", "meant"),
    [
        ("run", "replicatons", "replications"),
        ("scenario.staff.reps", "cnt", "count"),
        ("scenario", "volume", "volume_per_day"),
        ("policies.empowered_rep.rep", "budjet_usd", "budget_usd"),
        ("", "polices", "policies"),
    ],
)
def test_a_misspelt_setting_on_a_config_object_raises_with_the_one_meant(path, typo, meant):
    """Setting an attribute that is not a setting would be read by nobody: refused."""
    from escalationsim import compose
    from escalationsim.config.fields import ConfigError

    obj = compose([])
    for part in path.split(".") if path else []:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    with pytest.raises(AttributeError, match=rf"no setting '{typo}'; did you mean '{meant}'"):
        setattr(obj, typo, 1)
    with pytest.raises(ConfigError):  # and it is a configuration error, like any other
        setattr(obj, typo, 1)
    setattr(obj, meant, getattr(obj, meant))  # the setting itself is still set as usual
