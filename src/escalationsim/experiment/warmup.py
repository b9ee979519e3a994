"""``run.warmup_days=auto``: the warm-up chosen from a pilot run by MSER.

Before the job runs, each of its policies is simulated :data:`PILOT_RUNS` times from
an empty system (no warm-up, no drain) on streams of their own (replications from
:data:`PILOT_REPLICATION` on, apart from every measured one, so that the warm-up is not
chosen on the data it is then applied to). Their output series are averaged across the
pilot runs, as Hoad, Robinson & Davies (2010) apply MSER-5 (a single run's queue
lengths wander too much for the rule to tell a transient from an excursion), and MSER
(:mod:`escalationsim.analysis.mser`) truncates each: complaints per interval and every
queue's length sampled at the start of each interval (not costs: a pilot has no drain, so
its last complaints' costs are cut short, a false trend at the end) (an hour for
runs of up to two weeks, a day for longer ones; batches of a week under a weekly
arrival profile, a day under an hourly one, five intervals otherwise). The warm-up is
the latest truncation point over every series and policy, among the series that
settle: a series that still trends once truncated (a queue that grows without bound)
has no warm-up that would make it stationary, and the run reports it as such (KPI
``window_stationary``). A horizon too short for MSER to tell (fewer than four batches:
four weeks under a weekly profile) is refused: the pilot would say nothing. The pilot
costs about as much as :data:`PILOT_RUNS` replications of the job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from escalationsim.analysis.mser import MIN_BATCHES, Stationarity, cycle_batch, stationarity
from escalationsim.config.fields import ConfigError
from escalationsim.config.queue_only import QueueOnlyScenario, to_scenario
from escalationsim.engine.model import Model
from escalationsim.engine.population import population_blocks
from escalationsim.experiment.job import SimConfig
from escalationsim.experiment.staffing import staffing
from escalationsim.kernel.rng import streams
from escalationsim.policy.policy import build_policy

log = logging.getLogger("escalationsim")

AUTO = "auto"
"""The value of ``run.warmup_days`` that asks for the pilot."""

PILOT_REPLICATION = 1_000_000
"""The first replication whose streams the pilot uses (never a measured one)."""

PILOT_RUNS = 3
"""Pilot runs per policy whose series are averaged before MSER."""

HOURLY_UP_TO_DAYS = 14.0
"""Runs up to this long are sampled every hour in the pilot, longer ones every day."""


@dataclass(frozen=True)
class Pilot:
    """What the pilot of one policy found: MSER over its series, the sampling step."""

    policy: str
    stationarity: Stationarity
    step_h: float


def _series(cfg: SimConfig, name: str, replication: int, step_h: float) -> dict[str, np.ndarray]:
    """One pilot run of policy ``name`` from empty over the horizon: its output series,
    one value per ``step_h`` hours."""
    horizon_h = cfg.run.horizon_days * 24.0
    scenario = cfg.scenario
    if isinstance(scenario, QueueOnlyScenario):
        scenario = to_scenario(scenario)
    rngs = streams(cfg.run.seed, replication)
    blocks = population_blocks(
        scenario,
        horizon_h,
        rngs["arrivals"],
        rngs["population"],
        rngs["customers"],
        rngs["memory"],
        busyness=rngs["busyness"],
        ombudsman=rngs["ombudsman"],
    )
    model = Model(
        scenario,
        build_policy(replace(cfg.policies[name], name=name), scenario),
        blocks,
        rngs,
        horizon_h,
        0.0,
        replication,
        staff_counts=dict(staffing(scenario)),
        monitor_h=step_h,
    )
    result = model.run()
    n = int(np.ceil(horizon_h / step_h))
    arrival = result.log.columns["arrival_time"]
    slot = np.minimum((arrival // step_h).astype(np.int64), n - 1)
    return {
        "complaints": np.bincount(slot, minlength=n).astype(float),
        **{f"queue_{k}": np.asarray(v, dtype=float)[:n] for k, v in result.backlog.items()},
    }


def pilot(cfg: SimConfig, name: str) -> Pilot:
    """Simulate policy ``name`` :data:`PILOT_RUNS` times from empty over the horizon,
    average its output series across the runs and run MSER on each (module doc)."""
    step_h = 1.0 if cfg.run.horizon_days <= HOURLY_UP_TO_DAYS else 24.0
    runs = [_series(cfg, name, PILOT_REPLICATION + i, step_h) for i in range(PILOT_RUNS)]
    series = {k: np.mean([r[k] for r in runs], axis=0) for k in runs[0]}
    arrivals = (
        to_scenario(cfg.scenario) if isinstance(cfg.scenario, QueueOnlyScenario) else cfg.scenario
    ).arrivals
    weekly = len(set(arrivals.weekly_profile)) > 1
    hourly = len(set(arrivals.hourly_profile)) > 1
    return Pilot(name, stationarity(series, step_h, cycle_batch(weekly, hourly, step_h)), step_h)


def with_auto_warmup(cfg: SimConfig) -> tuple[SimConfig, list[Pilot]]:
    """``cfg`` with ``run.warmup_days`` the pilots' choice (a whole number of the pilot's
    sampling steps: hours, or days for runs longer than two weeks), and the pilots; a
    ConfigError if the horizon is too short for MSER to say anything."""
    pilots = [pilot(cfg, name) for name in cfg.run.policies]
    for p in pilots:
        st = p.stationarity
        if st.too_short and not st.settled:
            raise ConfigError(
                f"run.warmup_days = auto needs a longer run.horizon_days "
                f"({cfg.run.horizon_days:g}): MSER needs at least {MIN_BATCHES} batches of "
                "each series (a batch is a week under a weekly arrival profile, a day under "
                "an hourly one); give a number of days instead, or a longer horizon"
            )
    warmup_h = max(p.stationarity.truncation_h for p in pilots)
    days = warmup_h / 24.0
    for p in pilots:
        st = p.stationarity
        log.info(
            "warm-up pilot, %s: MSER truncates at %.4g days%s",
            p.policy,
            st.truncation_h / 24.0,
            f"; still trending: {', '.join(st.trending)}" if st.trending else "",
        )
    log.info("run.warmup_days=auto: %.4g days", days)
    return replace(cfg, run=replace(cfg.run, warmup_days=days)), pilots
