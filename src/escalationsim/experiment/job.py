"""A whole job: the scenario, the policies defined, and the run settings (which policies
to compare, for how long, how often, from which seed), with the one check of the whole
job that runs before anything is simulated."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from escalationsim.config.fields import (
    NONNEG,
    POSITIVE,
    Check,
    ConfigError,
    check,
    int_min,
    is_num,
    make_strict,
    optional,
    param,
    validate_tree,
)
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.config.scenario import WORK_POOLS, ScenarioConfig
from escalationsim.policy.policy import PolicyConfig, validate_policy


@dataclass
class LimitsConfig:
    """Bounds on the work one job may ask for, checked before anything runs so that a
    typo (``run.drain_days=1e8``) stops at once instead of running for days or filling
    memory. Raise them here (``run.limits.max_days=100000``) for a job that really
    needs more."""

    max_days: float = param(36_500.0, POSITIVE)
    """Simulated days per replication, drain included (100 years)."""
    max_complaints: float = param(20_000_000.0, POSITIVE)
    """Expected complaints per replication, incidents included (memory: see
    ``max_memory_gib``)."""
    max_memory_gib: float | None = param(None, optional(POSITIVE))
    """The most memory the job may be estimated to need (:func:`memory_estimate_gib`);
    None: the machine's physical memory."""
    max_replications: int = param(100_000, int_min(1))
    max_staff: int = param(100_000, int_min(1))
    """Workers in any one pool, after scaling with volume."""


@dataclass
class PrecisionConfig:
    """Replications to a precision (``run.precision``): after ``run.replications``, add
    batches of as many again until the 95% confidence half-width of every policy's paired
    difference from the first policy on ``kpi`` is at most ``half_width`` (relative to
    the difference's absolute mean if ``relative``, else in the KPI's unit), or
    ``max_replications`` are run. ``kpi`` empty: off (the first version)."""

    kpi: str = ""
    half_width: float = param(0.1, POSITIVE)
    relative: bool = True
    max_replications: int = param(50, int_min(1))


@dataclass
class RunConfig:
    """Which policies to compare, for how long, how often, from which seed, and from
    which state: ``initial_state``, a contact log (or a calibration's folder) whose open
    work at its end the run starts from (read when the configuration is composed, into
    ``scenario.arrivals.initial_open`` and ``initial_promised``; empty: the run starts
    empty)."""

    policies: list[str] = field(
        default_factory=lambda: ["rigid_script", "empowered_rep", "ceo_responds"]
    )
    replications: int = param(5, int_min(1))
    horizon_days: float = param(
        60.0, Check(lambda v: is_num(v) and v >= 1e-3, "a number of days >= 0.001")
    )
    warmup_days: float | int | str = param(
        10.0,
        Check(
            lambda v: v == "auto" or (is_num(v) and v >= 0),
            'a number of days >= 0, or "auto" (chosen by MSER from a pilot run)',
        ),
    )
    drain_days: float = param(30.0, NONNEG)
    seed: int = param(12345, int_min(0))
    workers: int = param(1, int_min(1))
    records: bool = True
    initial_state: str = ""
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    precision: PrecisionConfig = field(default_factory=PrecisionConfig)

    def check_rules(self, prefix: str) -> None:
        check(
            f"{prefix}.warmup_days",
            self.warmup_days,
            self.warmup_days == "auto"
            or (
                is_num(self.warmup_days)
                and is_num(self.horizon_days)
                and self.warmup_days < self.horizon_days
            ),
            f"< {prefix}.horizon_days ({self.horizon_days})",
        )
        check(
            f"{prefix}.policies",
            self.policies,
            len(self.policies) >= 1,
            "a non-empty list of policy names",
        )
        lim = self.limits
        days = self.horizon_days + self.drain_days
        check(
            f"{prefix}.horizon_days + {prefix}.drain_days",
            days,
            days <= lim.max_days,
            f"at most {prefix}.limits.max_days = {lim.max_days:g} simulated days",
        )
        check(
            f"{prefix}.replications",
            self.replications,
            self.replications <= lim.max_replications,
            f"at most {prefix}.limits.max_replications = {lim.max_replications}",
        )
        check(
            f"{prefix}.policies",
            self.policies,
            len(set(self.policies)) == len(self.policies),
            "a list without repeated names",
        )
        pr = self.precision
        if pr.kpi:
            from escalationsim.analysis.kpis import by_name

            check(f"{prefix}.precision.kpi", pr.kpi, pr.kpi in by_name(), "a KPI of kpis.csv")
            check(
                f"{prefix}.precision.max_replications",
                pr.max_replications,
                self.replications <= pr.max_replications <= lim.max_replications,
                f"between {prefix}.replications ({self.replications}) and "
                f"{prefix}.limits.max_replications ({lim.max_replications})",
            )
            check(
                f"{prefix}.policies",
                self.policies,
                len(self.policies) >= 2,
                f"at least two policies with {prefix}.precision.kpi (a difference to measure)",
            )


def validate_run(r: RunConfig, available: list[str] | None = None) -> None:
    """Raise ConfigError for bad run settings or a policy name that is not defined."""
    validate_tree(r, "run")
    if available is not None:
        for i, name in enumerate(r.policies):
            check(f"run.policies[{i}]", name, name in available, f"one of {sorted(available)}")


@dataclass
class SimConfig:
    """A complete job: the scenario, the policies defined, and the run settings.

    ``policies`` maps a name to its levers; ``run.policies`` picks which of them to run.
    """

    scenario: ScenarioConfig | QueueOnlyScenario = field(default_factory=ScenarioConfig)
    policies: dict[str, PolicyConfig] = field(default_factory=dict)
    run: RunConfig = field(default_factory=RunConfig)


def expected_complaints(
    scenario: ScenarioConfig | QueueOnlyScenario, lo_h: float, hi_h: float
) -> float:
    """Expected arrivals in [lo_h, hi_h), incidents included (before word of mouth and
    root-cause fixes): the mean rate weighted by the hour-of-day and day-of-week profiles
    (a window on hours they give no weight expects none), each incident adding its
    multiplier less one over its hours (overlapping incidents add, an approximation),
    plus the backlog the run starts from if the window holds t=0."""
    per_h = scenario.expected_per_day() / 24.0
    arrivals = getattr(scenario, "arrivals", None)
    initial = getattr(arrivals, "initial_complaints", getattr(scenario, "initial_customers", 0))
    opened = getattr(arrivals, "initial_open", None)
    initial += sum(opened.counts().values()) if opened is not None else 0
    promised = getattr(arrivals, "initial_promised", None)
    initial += len(promised.ages()) if promised is not None else 0
    n = float(initial) if lo_h <= 0.0 < hi_h else 0.0
    if hi_h <= lo_h:
        return n
    if not isinstance(scenario, ScenarioConfig):
        return n + per_h * (hi_h - lo_h)
    from escalationsim.engine.population import profile_factor

    # the profiles repeat every week, constant within each hour: their integral from 0
    # is whole weeks plus a running sum over the hours of the last one
    week = profile_factor(scenario, np.arange(168) + 0.5).tolist()  # Python floats:
    cum = [0.0, *itertools.accumulate(week)]  # a huge volume gives inf, not a warning

    def integral(t: float) -> float:
        weeks, rest = divmod(max(t, 0.0), 168.0)
        hour = int(rest)
        return weeks * cum[-1] + cum[hour] + (rest - hour) * (week[hour] if hour < 168 else 0.0)

    n += per_h * (integral(hi_h) - integral(lo_h))
    for b in scenario.arrivals.bursts:
        start, end = b.start_day * 24.0, b.start_day * 24.0 + b.duration_h
        a, z = max(start, lo_h), min(end, hi_h)
        if z > a:
            n += per_h * (b.multiplier - 1.0) * (integral(z) - integral(a))
    return n


POLICY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
NOT_A_NAME = {"na", "nan", "null", "none", "n/a", "true", "false"}
"""Words that tables read back as missing values or booleans: not policy names."""


def _check_job_types(cfg: SimConfig) -> None:
    check("job", type(cfg).__name__, isinstance(cfg, SimConfig), "a SimConfig")
    check("run", type(cfg.run).__name__, isinstance(cfg.run, RunConfig), "a RunConfig")
    check("policies", cfg.policies, isinstance(cfg.policies, dict), "a dict of PolicyConfig")
    for name, p in cfg.policies.items():
        check(
            f"policies.{name}",
            name,
            isinstance(name, str)
            and POLICY_NAME.fullmatch(name) is not None
            and name.lower() not in NOT_A_NAME,
            "a name of letters, digits, _ and - (not NA, null, true...)",
        )
        check(f"policies.{name}", p, isinstance(p, PolicyConfig), "a PolicyConfig")


BASE_MIB = 160.0
"""Memory of a process before it simulates (Python, numpy, pandas, pyarrow, Hydra),
measured (docs/performance.md)."""
KIB_PER_COMPLAINT_RECORDS = 0.9
"""Peak memory per complaint of one replication with per-complaint records on, in a
worker (the worst policy, ``ceo_responds``, at 10^6 complaints: about 995 MiB)."""
KIB_PER_ROW_KEPT = 0.6
"""Memory the main process keeps per expected complaint of every (policy, replication)
pair for the job's complaint table, records on (measured: the default job, 3 policies,
60 days, 4 replications against 1 took 318 MiB more for 9 more pairs of 60,800 expected
complaints; peak 675 MiB against the estimate's 640)."""


def memory_estimate_gib(cfg: SimConfig) -> float:
    """Estimated peak memory of the job, in GiB: each worker's replication (records on:
    :data:`KIB_PER_COMPLAINT_RECORDS` a complaint; off, the complaints are summarised a
    block at a time and only open customers are held) plus, with records on, the rows the
    main process keeps for every (policy, replication) pair."""
    run = cfg.run
    per_rep = expected_complaints(cfg.scenario, 0.0, run.horizon_days * 24.0)
    reps = max(run.replications, run.precision.max_replications if run.precision.kpi else 0)
    workers = max(1, min(run.workers, len(run.policies) * reps))
    mib = BASE_MIB * (workers + (1 if workers > 1 else 0))
    if run.records:
        mib += workers * per_rep * KIB_PER_COMPLAINT_RECORDS / 1024.0
        mib += len(run.policies) * reps * per_rep * KIB_PER_ROW_KEPT / 1024.0
    return mib / 1024.0


def machine_memory_gib() -> float | None:
    """Physical memory of this machine, in GiB (None where it cannot be told)."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def _check_memory(cfg: SimConfig) -> None:
    limit = cfg.run.limits.max_memory_gib
    source = "run.limits.max_memory_gib"
    if limit is None:
        limit, source = machine_memory_gib(), "this machine's memory"
    if limit is None:
        return
    need = memory_estimate_gib(cfg)
    if need > limit:
        raise ConfigError(
            f"run.workers x run.records x the complaints per replication: this job needs "
            f"about {need:.1f} GiB ({cfg.run.workers} worker(s), records "
            f"{'on' if cfg.run.records else 'off'}, "
            f"{expected_complaints(cfg.scenario, 0.0, cfg.run.horizon_days * 24.0):,.0f} "
            f"complaints per replication), more than {source} ({limit:.1f} GiB): set "
            "run.records=false (output.complaints=false alone saves nothing), use fewer "
            "run.workers or a shorter run.horizon_days, or raise run.limits.max_memory_gib"
        )


def validate(cfg: SimConfig) -> None:
    """Check the whole job before anything runs; raise ConfigError naming the key."""
    from escalationsim.analysis.kpis import check_declarations

    # the KPI registry itself: a name declared twice, or a KPI reading a reduction or a
    # counter no one declares, stops here, not at the end of the run
    try:
        check_declarations()
    except ValueError as e:
        raise ConfigError(str(e)) from None
    _check_job_types(cfg)
    validate_run(cfg.run, list(cfg.policies))
    if not isinstance(cfg.scenario, ScenarioConfig | QueueOnlyScenario):
        raise ConfigError(
            f"scenario is a {type(cfg.scenario).__name__}: must be a ScenarioConfig or a "
            "QueueOnlyScenario"
        )
    validate_tree(cfg.scenario, "scenario")
    run, lim = cfg.run, cfg.run.limits
    # with "auto" the warm-up is at most half the horizon (analysis.mser)
    warmup_days = run.horizon_days / 2 if run.warmup_days == "auto" else run.warmup_days
    horizon_h, warmup_h = run.horizon_days * 24.0, warmup_days * 24.0
    expected = expected_complaints(cfg.scenario, 0.0, horizon_h)
    check(
        "scenario.volume_per_day x run.horizon_days",
        f"{expected:.3g} expected complaints",
        expected <= lim.max_complaints,
        f"at most run.limits.max_complaints = {lim.max_complaints:,.0f} per replication "
        "(incidents included)",
    )
    measured = expected_complaints(cfg.scenario, warmup_h, horizon_h)
    check(
        "scenario.volume_per_day x (run.horizon_days - run.warmup_days)",
        f"{measured:.3g} expected measured complaints",
        measured >= 1.0,
        "at least 1 (nothing would be measured; the window's hours and days count as "
        "scenario.arrivals.hourly_profile and weekly_profile weigh them)",
    )
    _check_memory(cfg)
    if isinstance(cfg.scenario, ScenarioConfig):
        _check_staff(cfg.scenario, lim)
    for name, policy in cfg.policies.items():  # every one defined, run or not
        validate_policy(policy, f"policies.{name}")


def _check_staff(scenario: ScenarioConfig, lim: LimitsConfig) -> None:
    """Head counts after scaling with volume stay within ``run.limits.max_staff``."""
    from escalationsim.experiment.staffing import head_counts

    st = scenario.staff
    if st.scale_with_volume:
        factor = scenario.volume_per_day / st.reference_volume_per_day
        check(
            "scenario.volume_per_day / scenario.staff.reference_volume_per_day",
            factor,
            factor * max(getattr(st, p).weekly_schedule().peak for p in WORK_POOLS)
            <= lim.max_staff,
            f"small enough that no scaled pool exceeds run.limits.max_staff = {lim.max_staff}",
        )
    if st.scale_with_volume and scenario.channels.phone.patience_mean_s:
        check(
            "scenario.targets.phone_abandon_max",
            scenario.targets.phone_abandon_max,
            scenario.targets.phone_abandon_max > 0,
            "more than 0 when scenario.staff.scale_with_volume=true: callers with a "
            "patience (scenario.channels.phone.patience_mean_s) always abandon some, so "
            "no head count reaches 0 (set patience_mean_s=null for callers who never hang up)",
        )
    try:
        counts = head_counts(scenario)
    except ConfigError:
        raise
    except ValueError as err:  # a target the staffing formulas cannot meet
        raise ConfigError(
            f"scenario.staff.scale_with_volume = true cannot staff this scenario: {err}"
        ) from None
    for pool, n in counts.items():
        check(
            f"scenario.staff.{pool}.count",
            n,
            n <= lim.max_staff,
            f"at most run.limits.max_staff = {lim.max_staff} (after scaling with volume)",
        )


make_strict(SimConfig)  # the scenario (either kind), the policies' levers, the run settings
