"""The same queue in Ciw: an independent simulator as the reference where no formula is
exact (M/G/c+G).

A queue-only case with lognormal or constant service, or lognormal patience, has no
closed-form answer; a second simulator, written by other people on another event loop
with other random numbers (Ciw, Palmer et al., *Journal of Simulation* 13(4), 2019), is
the next best check: if the engine and Ciw simulate the same queue, their estimates agree
within sampling error. Ciw is an optional dependency (the ``bench`` extra), imported only
when a reference is run.

Each replication mirrors the engine's measurement: Poisson arrivals until the horizon
(none after), customers arriving in ``[warmup, horizon)`` measured once they are served
or hang up, FIFO on ``c`` identical servers, patience counted from arrival. Time is in
hours. Ciw draws from Python's global :mod:`random` state, which :func:`ciw.seed` sets
for each replication.
"""

from __future__ import annotations

import math
import os
import random
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from escalationsim.analysis.reductions import SERVICE_LEVEL_S
from escalationsim.config.queue_only import QueueOnlyScenario
from escalationsim.config.scenario import Dist, PatienceDist

INSTALL_HINT = 'pip install -e ".[bench]"'
"""How to install Ciw (the project's ``bench`` extra)."""


def ciw_available() -> bool:
    """Whether Ciw can be imported."""
    try:
        import ciw  # noqa: F401
    except ImportError:
        return False
    return True


def _lognormal(ciw: Any, mean: float, cv: float) -> Any:
    """Ciw's lognormal of the given mean and coefficient of variation (Ciw takes the
    normal's mu and sigma)."""
    s2 = math.log1p(cv * cv)
    return ciw.dists.Lognormal(mean=math.log(mean) - 0.5 * s2, sd=math.sqrt(s2))


def service_distribution(ciw: Any, q: QueueOnlyScenario) -> Any:
    """The service time of ``q`` (hours) as a Ciw distribution."""
    mean_h = q.service_minutes / 60.0
    if q.service_dist == Dist.exponential:
        return ciw.dists.Exponential(rate=1.0 / mean_h)
    if q.service_dist == Dist.constant:
        return ciw.dists.Deterministic(value=mean_h)
    return _lognormal(ciw, mean_h, q.service_cv)


def patience_distribution(ciw: Any, q: QueueOnlyScenario) -> Any | None:
    """The patience of ``q`` (hours) as a Ciw distribution; None: callers never hang up."""
    if q.patience_minutes is None:
        return None
    mean_h = q.patience_minutes / 60.0
    if q.patience_dist == PatienceDist.exponential:
        return ciw.dists.Exponential(rate=1.0 / mean_h)
    return _lognormal(ciw, mean_h, q.patience_cv)


def _arrivals_until(ciw: Any, rate: float, horizon_h: float) -> Any:
    """Poisson arrivals at ``rate`` per hour that stop at ``horizon_h``: after it, the
    next inter-arrival time is infinite, so the queue drains and the run ends."""

    class ArrivalsUntil(ciw.dists.Distribution):  # type: ignore[misc, name-defined]
        def sample(self, t: float | None = None, ind: Any = None) -> float:
            if t is not None and t >= horizon_h:
                return math.inf
            return random.expovariate(rate)  # the state ciw.seed sets

    return ArrivalsUntil()


def replication(
    q: QueueOnlyScenario, horizon_days: float, warmup_days: float, seed: int
) -> dict[str, float]:
    """One Ciw replication of ``q``: the engine's queue KPIs (p_wait, mean_wait_min,
    p_abandon, occupancy, service_level_20s; defined as in kpis.csv) of the customers
    arriving in ``[warmup, horizon)``; occupancy is the servers' busy share of that window."""
    import ciw

    horizon_h, warmup_h = horizon_days * 24.0, warmup_days * 24.0
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[_arrivals_until(ciw, q.arrivals_per_hour, horizon_h)],
        service_distributions=[service_distribution(ciw, q)],
        number_of_servers=[q.servers],
        reneging_time_distributions=[patience_distribution(ciw, q)],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(math.inf)  # ends when the last customer has left
    records = pd.DataFrame(sim.get_all_records())
    if records.empty:  # nobody arrived: nothing measured (NaN, as in the engine's kpis.csv)
        return dict.fromkeys(
            ("p_wait", "mean_wait_min", "p_abandon", "occupancy", "service_level_20s"), math.nan
        )
    served = (records["record_type"] == "service").to_numpy()
    start = records["service_start_date"].to_numpy(dtype=float)
    end = records["service_end_date"].to_numpy(dtype=float)
    # busy time inside the window, over every service (measured customers or not)
    busy = np.clip(np.minimum(end, horizon_h) - np.maximum(start, warmup_h), 0.0, None)
    busy_h = float(busy[served].sum())
    arrival = records["arrival_date"].to_numpy(dtype=float)
    window = (arrival >= warmup_h) & (arrival < horizon_h)
    wait = records["waiting_time"].to_numpy(dtype=float)[window]
    abandoned = ~served[window]
    in_level = ~abandoned & (wait <= SERVICE_LEVEL_S / 3600.0)
    n = len(wait) or math.nan  # nobody measured: NaN, as in the engine's kpis.csv
    return {
        "p_wait": float(np.count_nonzero(wait > 0)) / n,
        "mean_wait_min": float(wait.sum()) / n * 60.0,
        "p_abandon": float(np.count_nonzero(abandoned)) / n,
        "occupancy": busy_h / (q.servers * (horizon_h - warmup_h)),
        "service_level_20s": float(np.count_nonzero(in_level)) / n,
    }


def simulate_reference(
    q: QueueOnlyScenario,
    replications: int,
    horizon_days: float,
    warmup_days: float,
    seed: int,
    workers: int = 1,
) -> pd.DataFrame:
    """``replications`` independent Ciw replications of ``q`` (seeds ``seed``,
    ``seed + 1``, ...; Ciw's own generator, so they share nothing with the engine's
    streams): one row each (the columns of :func:`replication`), in up to ``workers``
    processes (the rows do not depend on it).

    Raises:
        ImportError: if Ciw is not installed (the ``bench`` extra).
    """
    if not ciw_available():
        raise ImportError(f"the Ciw reference needs the optional package ciw: {INSTALL_HINT}")
    seeds = [seed + r for r in range(replications)]
    n = len(seeds)
    workers = min(workers, replications, os.cpu_count() or 1)
    if workers <= 1:
        rows = [replication(q, horizon_days, warmup_days, s) for s in seeds]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            rows = list(
                pool.map(replication, [q] * n, [horizon_days] * n, [warmup_days] * n, seeds)
            )
    return pd.DataFrame(rows)
