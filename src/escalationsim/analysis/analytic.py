"""Closed-form and exact numerical queueing formulas used to validate the simulation.

Units: every rate (``lam``, ``mu``, ``theta``) is *per hour* and every time (waits, service-level
thresholds ``t``) is in *hours*, unless a name says otherwise. A 20-second target is therefore
``t = 20 / 3600``.

Two exact models and one approximation are provided:

* **Erlang C** (M/M/c, FIFO, infinitely patient callers): :func:`erlang_c` -> :class:`ErlangC`.
* **Erlang A** (M/M/c+M, FIFO, exponential patience with rate ``theta``): :func:`erlang_a` ->
  :class:`ErlangA`. This is the exact birth-death solution, truncated only where the remaining
  stationary mass is below ~1e-16 of the largest term, so it also works when ``lam > c * mu``.
* **Allen-Cunneen** (GI/G/c, FIFO, no abandonment; an approximation, not exact):
  :func:`allen_cunneen` -> :class:`AllenCunneen`, Erlang C's wait scaled by the variability
  of arrivals and service.

:func:`staff_for_targets` finds the fewest agents meeting a set of targets under either model.

Only :mod:`math` and numpy are used (no scipy), so this module adds no dependency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from escalationsim.kernel import libm

__all__ = [
    "AllenCunneen",
    "ErlangA",
    "ErlangC",
    "allen_cunneen",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "staff_for_targets",
]

# Stop adding Erlang A states once the remaining tail is below exp(-_LOG_NEGLIGIBLE) of the
# largest state weight (exp(-40) ~ 4e-18, comfortably below the requested 1e-15 relative).
_LOG_NEGLIGIBLE = 40.0
# Hard cap on the number of queue states (n > c) in the Erlang A truncation. Enough for
# lam = 5 * c * mu with c = 200, mu = 20/h and patience as long as ~100 hours.
_MAX_QUEUE_STATES = 5_000_000


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


def _check_rate(name: str, value: float) -> float:
    """Return ``value`` as float if it is a finite rate > 0, else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number (per hour), got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v <= 0.0:
        raise ValueError(f"{name} must be a finite rate > 0 (per hour), got {value!r}")
    return v


def _check_servers(c: int) -> int:
    """Return ``c`` if it is an integer >= 1 (bools rejected), else raise ValueError."""
    if isinstance(c, bool) or not isinstance(c, (int, np.integer)):
        raise ValueError(f"c (number of servers) must be an integer >= 1, got {c!r}")
    if c < 1:
        raise ValueError(f"c (number of servers) must be an integer >= 1, got {c!r}")
    return int(c)


def _check_time(t: float) -> float:
    """Return threshold ``t`` (hours) as float if it is >= 0 (inf allowed), else raise."""
    if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)):
        raise ValueError(f"threshold t must be a real number of hours >= 0, got {t!r}")
    tt = float(t)
    if math.isnan(tt) or tt < 0.0:
        raise ValueError(f"threshold t must be a number of hours >= 0, got {t!r}")
    return tt


# --------------------------------------------------------------------------------------------
# Erlang B / C
# --------------------------------------------------------------------------------------------


def erlang_b(a: float, c: int) -> float:
    """Erlang B blocking probability for offered load ``a`` (Erlangs) on ``c`` servers.

    Uses the recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), which never forms a^c or c!
    and is therefore stable for large ``c``. Also the building block for Erlang C.
    """
    a = _check_rate("a (offered load)", a)
    c = _check_servers(c)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


@dataclass(frozen=True)
class ErlangC:
    """Steady-state M/M/c (Erlang C) results. Rates per hour, times in hours.

    Attributes:
        lam: arrival rate (per hour).
        mu: service rate per server (per hour); 1/mu is the mean handle time in hours.
        c: number of servers.
        offered_load: a = lam / mu (Erlangs).
        occupancy: a / c, the long-run fraction of time a server is busy.
        p_wait: P(W > 0), probability an arrival must queue (Erlang C formula).
        mean_wait: E[W] over *all* arrivals (the "ASA"), hours.
        mean_wait_given_wait: E[W | W > 0] = 1 / (c mu - lam), hours.
        mean_queue_length: E[Lq] = lam * E[W] (Little's law), customers.
    """

    lam: float
    mu: float
    c: int
    offered_load: float
    occupancy: float
    p_wait: float
    mean_wait: float
    mean_wait_given_wait: float
    mean_queue_length: float

    def service_level(self, t: float) -> float:
        """P(W <= t) for threshold ``t`` in hours: 1 - p_wait * exp(-(c mu - lam) t).

        This is the classic "X% answered within t" metric (zero-wait arrivals count as met).
        """
        tt = _check_time(t)
        return 1.0 - self.p_wait * math.exp(-(self.c * self.mu - self.lam) * tt)


def erlang_c(lam: float, mu: float, c: int) -> ErlangC:
    """Solve the M/M/c FIFO queue with infinitely patient callers (Erlang C).

    ``lam`` and ``mu`` are per hour, ``c`` is the number of servers. P(wait) is derived from
    the Erlang B recursion, C = c B / (c - a (1 - B)), so c in the hundreds is fine.

    Raises:
        ValueError: on invalid inputs or when the system is unstable (a = lam/mu >= c).
    """
    lam = _check_rate("lam (arrival rate)", lam)
    mu = _check_rate("mu (service rate)", mu)
    c = _check_servers(c)
    a = lam / mu
    if a >= c:
        raise ValueError(
            f"Erlang C is unstable: offered load a = lam/mu = {a:.6g} must be < c = {c} "
            "(no steady state; use erlang_a with abandonment or add servers)"
        )
    b = erlang_b(a, c)
    p_wait = c * b / (c - a * (1.0 - b))
    drain = c * mu - lam  # rate at which the queue empties when all servers are busy
    mean_wait = p_wait / drain
    return ErlangC(
        lam=lam,
        mu=mu,
        c=c,
        offered_load=a,
        occupancy=a / c,
        p_wait=p_wait,
        mean_wait=mean_wait,
        mean_wait_given_wait=1.0 / drain,
        mean_queue_length=lam * mean_wait,
    )


# --------------------------------------------------------------------------------------------
# Allen-Cunneen (GI/G/c approximation)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllenCunneen:
    """Approximate steady-state GI/G/c results (Allen-Cunneen). Rates per hour, times in hours.

    Attributes:
        lam, mu, c: arrival rate, per-server service rate, servers.
        ca2, cs2: squared coefficients of variation of inter-arrival and service times.
        offered_load: a = lam / mu (Erlangs).
        occupancy: a / c (exact for any distributions: no one abandons).
        p_wait: P(W > 0), approximated by the Erlang C value.
        mean_wait: E[W] over all arrivals, hours: Erlang C's times (ca2 + cs2) / 2.
    """

    lam: float
    mu: float
    c: int
    ca2: float
    cs2: float
    offered_load: float
    occupancy: float
    p_wait: float
    mean_wait: float


def _check_scv(name: str, value: float) -> float:
    """Return a squared coefficient of variation as float if it is finite and >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number >= 0, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def allen_cunneen(lam: float, mu: float, c: int, cs2: float, ca2: float = 1.0) -> AllenCunneen:
    """Approximate the GI/G/c FIFO queue without abandonment (Allen-Cunneen).

    E[W] ~= E[W_M/M/c] * (ca2 + cs2) / 2, with ``cs2`` the squared coefficient of variation
    of the service time and ``ca2`` that of the inter-arrival time (1 for Poisson arrivals,
    the default). P(W > 0) is kept at its Erlang C value. The approximation is exact for
    M/M/c (ca2 = cs2 = 1) and for M/G/1 (the Pollaczek-Khinchine formula); it is good for
    moderate variability, but for several servers and highly variable service the true wait
    depends on more than two moments and can be far below it.

    Sources: A. O. Allen, *Probability, Statistics, and Queueing Theory with Computer
    Science Applications*, 2nd ed., Academic Press, 1990 (the Allen-Cunneen formula);
    W. Whitt, "Approximations for the GI/G/m queue", *Production and Operations
    Management* 2(2), 1993, 114-161; for its limits, V. Gupta, M. Harchol-Balter,
    J. G. Dai and B. Zwart, "On the inapproximability of M/G/K: why two moments of job
    size distribution are not enough", *Queueing Systems* 64, 2010, 5-48.

    Raises:
        ValueError: on invalid inputs or when the system is unstable (lam / mu >= c).
    """
    cs2 = _check_scv("cs2 (service-time squared cv)", cs2)
    ca2 = _check_scv("ca2 (inter-arrival squared cv)", ca2)
    r = erlang_c(lam, mu, c)
    return AllenCunneen(
        lam=r.lam,
        mu=r.mu,
        c=r.c,
        ca2=ca2,
        cs2=cs2,
        offered_load=r.offered_load,
        occupancy=r.occupancy,
        p_wait=r.p_wait,
        mean_wait=r.mean_wait * (ca2 + cs2) / 2.0,
    )


# --------------------------------------------------------------------------------------------
# Erlang A
# --------------------------------------------------------------------------------------------


def _erlang_a_log_weights(lam: float, mu: float, c: int, theta: float) -> np.ndarray:
    """Unnormalised log stationary weights log p_n, n = 0..c+K, of the M/M/c+M chain.

    Birth rate lam; death rate n mu (n <= c) or c mu + (n - c) theta (n > c). Working in log
    space avoids overflow of a^n / n!. The ratio p_n / p_{n-1} decreases in n, so the weights
    are unimodal; we extend the tail in growing chunks until the rest of the (geometrically
    bounded) tail is negligible, then trim trailing negligible states.
    """
    a = lam / mu
    idx = np.arange(1, c + 1, dtype=float)
    head = np.concatenate(([0.0], np.cumsum(math.log(a) - libm.log(idx))))
    chunks = [head]
    running_max = float(head.max())
    last = float(head[-1])
    start, size = 1, 1024
    cmu = c * mu
    while True:
        j = np.arange(start, start + size, dtype=float)
        logs = last + np.cumsum(libm.log(lam / (cmu + j * theta)))
        chunks.append(logs)
        running_max = max(running_max, float(logs.max()))
        last = float(logs[-1])
        start += size
        r_next = lam / (cmu + start * theta)  # bound on every later ratio p_{n+1}/p_n
        if r_next < 1.0 and last + math.log(r_next / (1.0 - r_next)) < running_max - (
            _LOG_NEGLIGIBLE
        ):
            break
        if start > _MAX_QUEUE_STATES:
            raise ValueError(
                f"Erlang A truncation did not converge within {_MAX_QUEUE_STATES} queue states "
                f"(lam={lam}, c*mu={cmu}, theta={theta}); patience is too long for this overload"
            )
        size = min(2 * size, 1 << 20)
    logw = np.concatenate(chunks)
    keep = np.nonzero(logw >= running_max - _LOG_NEGLIGIBLE - 5.0)[0]
    last_keep = max(int(keep[-1]), c)  # always keep states 0..c
    return logw[: last_keep + 1]


def _negbin_cdf(log_p0: float, shape: float, log1m_x: float, k_max: int) -> np.ndarray:
    """CDF F(k) = P(X <= k), k = 0..k_max, of a negative binomial with success prob x.

    pmf(j) = Gamma(shape + j) / (Gamma(shape) j!) x^shape (1 - x)^j, built in log space by the
    ratio pmf(j)/pmf(j-1) = (shape + j - 1)/j * (1 - x). ``log_p0`` = shape * log(x) is passed
    in so callers can supply it exactly. All terms are positive, so the sum is stable.
    """
    j = np.arange(1, k_max + 1, dtype=float)
    steps = libm.log((shape + j - 1.0) / j) + log1m_x
    log_pmf = log_p0 + np.concatenate(([0.0], np.cumsum(steps)))
    return np.minimum(np.cumsum(libm.exp(log_pmf)), 1.0)


@dataclass(frozen=True)
class ErlangA:
    """Steady-state M/M/c+M (Erlang A) results. Rates per hour, times in hours.

    W denotes the time an arrival spends in queue until it is either served or abandons
    (0 for arrivals that find a free server). Probabilities are per arrival (PASTA).

    Attributes:
        lam, mu, c, theta: arrival rate, per-server service rate, servers, abandonment rate
            (1/theta = mean patience, hours).
        offered_load: a = lam / mu (Erlangs).
        p_wait: P(N >= c) seen by an arrival = P(W > 0).
        p_abandon: P(arrival abandons) = sum_k pi_{c+k} (k+1) theta / (c mu + (k+1) theta)
            (equals theta * E[Lq] / lam).
        mean_wait: E[W] over all arrivals (served or abandoned), hours
            = sum_k pi_{c+k} (k+1) / (c mu + (k+1) theta) (equals E[Lq] / lam).
        mean_wait_served: E[W | served], hours (zero waits included).
        mean_queue_length: E[Lq] = sum_k k pi_{c+k}, customers waiting.
        occupancy: lam (1 - p_abandon) / (c mu), fraction of time a server is busy.
    """

    lam: float
    mu: float
    c: int
    theta: float
    offered_load: float
    p_wait: float
    p_abandon: float
    mean_wait: float
    mean_wait_served: float
    mean_queue_length: float
    occupancy: float
    # pi_{c+k}, k = 0..K: probability an arrival finds c + k in system (k already queued).
    _p_queue: np.ndarray = field(repr=False, compare=False)

    def _r(self, m: np.ndarray) -> np.ndarray:
        """Rate c mu + m theta (per hour) at which the queue moves with m callers waiting."""
        return self.c * self.mu + m * self.theta

    def service_level(self, t: float) -> float:
        """P(arrival is served with W <= t), ``t`` in hours; abandoners count as *not* served.

        Zero-wait arrivals count as met. For an arrival finding k callers queued, its wait
        until service V is the sum of k+1 exponential phases with rates c mu + m theta,
        m = k..0, and it is served iff V < its patience T ~ Exp(theta). Exponential tilting
        gives P(V <= t, V < T) = c mu / (c mu + (k+1) theta) * P(V' <= t), where V' has rates
        c mu + m theta, m = 1..k+1, and P(V' > t) = I_x(c mu/theta + 1, k+1) with
        x = exp(-theta t) -- a negative binomial CDF, summed here with positive terms only.
        As t -> inf this tends to 1 - p_abandon.
        """
        tt = _check_time(t)
        pq = self._p_queue
        k = np.arange(pq.size, dtype=float)
        p_served_k = self.c * self.mu / self._r(k + 1.0)
        base = 1.0 - self.p_wait
        if tt == 0.0:
            return base
        if math.isinf(tt):
            return base + libm.dot(pq, p_served_k)
        beta = self.c * self.mu / self.theta
        log1m_x = math.log(-math.expm1(-self.theta * tt))
        log_p0 = -(self.c * self.mu + self.theta) * tt  # (beta + 1) * log(x)
        cdf = _negbin_cdf(log_p0, beta + 1.0, log1m_x, pq.size - 1)
        return base + libm.dot(pq, p_served_k * (1.0 - cdf))

    def prob_wait_le(self, t: float) -> float:
        """P(W <= t) over all arrivals, ``t`` in hours; W ends at service *or* abandonment.

        P(W > t | k queued ahead) = P(V > t) P(T > t) = I_x(c mu/theta, k+1) exp(-theta t),
        with V, T as in :meth:`service_level`. Note this counts early abandoners as "<= t".
        """
        tt = _check_time(t)
        if tt == 0.0:
            return 1.0 - self.p_wait
        if math.isinf(tt):
            return 1.0
        pq = self._p_queue
        beta = self.c * self.mu / self.theta
        log1m_x = math.log(-math.expm1(-self.theta * tt))
        log_p0 = -(self.c * self.mu) * tt  # beta * log(x)
        cdf = _negbin_cdf(log_p0, beta, log1m_x, pq.size - 1)
        return 1.0 - math.exp(-self.theta * tt) * libm.dot(pq, cdf)


def erlang_a(lam: float, mu: float, c: int, theta: float) -> ErlangA:
    """Solve the M/M/c+M queue (Erlang A): FIFO, exponential patience with rate ``theta``.

    All rates per hour. Exact birth-death stationary distribution (truncated where negligible),
    valid for any lam > 0 including overload (lam > c mu), since abandonment keeps it stable.

    Raises:
        ValueError: on invalid inputs, or if the truncation cannot converge (extremely long
            patience combined with heavy overload).
    """
    lam = _check_rate("lam (arrival rate)", lam)
    mu = _check_rate("mu (service rate)", mu)
    c = _check_servers(c)
    theta = _check_rate("theta (abandonment rate)", theta)

    logw = _erlang_a_log_weights(lam, mu, c, theta)
    w = libm.exp(logw - logw.max())
    pi = w / w.sum()
    pq = pi[c:]  # arrivals that find c + k in system, k = 0..K
    k = np.arange(pq.size, dtype=float)
    r_next = c * mu + (k + 1.0) * theta  # rate c mu + (k+1) theta
    p_wait = min(1.0, float(pq.sum()))
    p_abandon = libm.dot(pq, (k + 1.0) * theta / r_next)
    mean_wait = libm.dot(pq, (k + 1.0) / r_next)
    mean_lq = libm.dot(pq, k)
    # E[W 1{served} | k] = (c mu / r_{k+1}) * sum_{j=1}^{k+1} 1 / (c mu + j theta).
    harmonic = np.cumsum(1.0 / r_next)
    p_served = 1.0 - p_abandon
    wait_served_mass = libm.dot(pq, (c * mu / r_next) * harmonic)
    mean_wait_served = wait_served_mass / p_served if p_served > 0.0 else math.inf
    return ErlangA(
        lam=lam,
        mu=mu,
        c=c,
        theta=theta,
        offered_load=lam / mu,
        p_wait=p_wait,
        p_abandon=p_abandon,
        mean_wait=mean_wait,
        mean_wait_served=mean_wait_served,
        mean_queue_length=mean_lq,
        occupancy=lam * p_served / (c * mu),
        _p_queue=pq,
    )


# --------------------------------------------------------------------------------------------
# Staffing
# --------------------------------------------------------------------------------------------


def _check_fraction(name: str, value: float, *, allow_one: bool = False) -> float:
    """Validate a target probability in (0, 1) (or (0, 1] if ``allow_one``)."""
    v = _check_time(value)  # real and non-negative
    upper_ok = v <= 1.0 if allow_one else v < 1.0
    if not (v > 0.0 and upper_ok):
        bound = "(0, 1]" if allow_one else "(0, 1)"
        raise ValueError(f"{name} must be in {bound}, got {value!r}")
    return v


def staff_for_targets(
    lam: float,
    mu: float,
    *,
    service_level: float | None = None,
    threshold: float | None = None,
    max_occupancy: float | None = None,
    max_abandon: float | None = None,
    theta: float | None = None,
) -> int:
    """Fewest agents c meeting every given target (Erlang C if ``theta`` is None, else A).

    Targets: ``service_level`` with ``threshold`` (hours) -- Erlang C: P(W <= threshold) >=
    service_level; Erlang A: P(served with W <= threshold) >= service_level (see
    :meth:`ErlangA.service_level`); ``max_occupancy``: occupancy <= max_occupancy;
    ``max_abandon`` (Erlang A only): p_abandon <= max_abandon. With no targets, returns the
    smallest valid staffing (smallest stable c for Erlang C, 1 for Erlang A). Candidates are
    scanned upward from a provable lower bound, so the result is the true minimum.
    """
    lam = _check_rate("lam (arrival rate)", lam)
    mu = _check_rate("mu (service rate)", mu)
    if (service_level is None) != (threshold is None):
        raise ValueError("service_level and threshold must be given together")
    sl = None if service_level is None else _check_fraction("service_level", service_level)
    t_sl = 0.0 if threshold is None else _check_time(threshold)  # only used with sl
    occ = (
        None
        if max_occupancy is None
        else _check_fraction("max_occupancy", max_occupancy, allow_one=True)
    )
    ab = None if max_abandon is None else _check_fraction("max_abandon", max_abandon)
    a = lam / mu

    if theta is None:
        if ab is not None:
            raise ValueError("max_abandon needs an abandonment rate theta (Erlang A)")
        c = math.floor(a) + 1  # smallest stable staffing
        limit = c + 10_000_000
        while c < limit:
            res = erlang_c(lam, mu, c)
            ok = (sl is None or res.service_level(t_sl) >= sl) and (
                occ is None or res.occupancy <= occ
            )
            if ok:
                return c
            c += 1
        raise ValueError("no staffing level up to the search limit meets the targets")

    th = _check_rate("theta (abandonment rate)", theta)
    # Carried load lam (1 - p_abandon) / mu never exceeds c, so both SL <= P(served) <= c / a
    # and 1 - max_abandon <= c / a give valid lower bounds on c.
    lower = 1
    for need in (sl, None if ab is None else 1.0 - ab):
        if need is not None:
            lower = max(lower, math.ceil(a * need) - 1)
    c = lower
    limit = c + 10_000_000
    while c < limit:
        res_a = erlang_a(lam, mu, c, th)
        ok = (
            (sl is None or res_a.service_level(t_sl) >= sl)
            and (occ is None or res_a.occupancy <= occ)
            and (ab is None or res_a.p_abandon <= ab)
        )
        if ok:
            return c
        c += 1
    raise ValueError("no staffing level up to the search limit meets the targets")
