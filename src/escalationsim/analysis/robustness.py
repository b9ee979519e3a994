"""Which policy wins across plausible worlds, by how much it can lose, what the answer
hinges on, and when it flips: the analysis of a robustness study (pure functions of
tables; the study's jobs and files are :mod:`escalationsim.app.study`'s).

Input: one row per scenario, policy and replication (the jobs' kpis.csv) and the sampled
values of each scenario. Everything below works on the per-scenario means over
replications:

- **Ranking** (:func:`ranking`): in each scenario the best policy on the cost KPI, the
  best among those meeting the service targets, and the fairest on each fairness measure;
  per policy the share of scenarios it is best in (Wilson 95% interval over scenarios)
  and its regret, its cost minus the best policy's in the same scenario (Savage's regret:
  mean with a t interval, 90th percentile with a bootstrap interval, and the maximum,
  whose smallest value names the minimax-regret policy). A best chosen on
  means of few replications is noisy, which biases regret slightly upwards (the best of
  noisy means is optimistic); more replications shrink it.
- **Sensitivity** (:func:`sensitivity`): of the cost difference between the two leading
  policies to each uncertain parameter, with SALib's given-data estimators (the PAWN
  index; Borgonovo's moment-independent delta and first-order Sobol' indices from the
  same sample for larger studies), which, unlike Sobol' total-order or Morris indices,
  need no special design: the Latin hypercube the study ran is enough, so no run is
  spent on the index.
- **Scenario discovery** (:func:`discover`): the conditions under which the leading
  policy loses to another (the runner-up, and each other policy that is cheaper
  somewhere), as one box each, a node of a shallow classification tree from
  scikit-learn (Breiman et al. 1984), with its coverage (the share of the losing
  scenarios inside the box) and density (the share of scenarios in the box where it
  loses), the two measures of PRIM (Bryant & Lempert 2010). A tree rather than PRIM:
  scikit-learn is a small, well-kept dependency; ema_workbench's PRIM brings a large one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escalationsim.analysis.aggregate import mean_ci

SCENARIO = "scenario"
LEVEL = 0.95


def scenario_means(kpis: pd.DataFrame, kpi_names: list[str]) -> pd.DataFrame:
    """Mean over replications of each KPI: one row per scenario and policy (policies in
    the order first seen), with the number of replications ``n``."""
    cols = [k for k in kpi_names if k in kpis and pd.api.types.is_numeric_dtype(kpis[k])]
    data = kpis[[SCENARIO, "policy", *cols]].copy()
    for c in cols:
        data[c] = data[c].astype(float)
    order = list(dict.fromkeys(data["policy"]))
    grouped = data.groupby([SCENARIO, "policy"], sort=False)
    means = grouped[cols].mean()
    means.insert(0, "n", grouped.size())
    means = means.reset_index()
    means["policy"] = pd.Categorical(means["policy"], order, ordered=True)
    means = means.sort_values([SCENARIO, "policy"]).reset_index(drop=True)
    means["policy"] = means["policy"].astype(str)
    return means


def long_table(kpis: pd.DataFrame, params: pd.DataFrame, kpi_names: list[str]) -> pd.DataFrame:
    """``robustness.csv``: one row per scenario, policy and KPI, with the mean over
    replications, its 95% t interval, ``n``, and the scenario's sampled values as
    columns (six significant figures)."""
    cols = [k for k in kpi_names if k in kpis and pd.api.types.is_numeric_dtype(kpis[k])]
    long = kpis[[SCENARIO, "policy", *cols]].melt(
        id_vars=[SCENARIO, "policy"], var_name="kpi", value_name="value"
    )
    long["value"] = long["value"].astype(float)
    order = {p: i for i, p in enumerate(dict.fromkeys(kpis["policy"]))}
    kpi_order = {k: i for i, k in enumerate(cols)}
    g = long.groupby([SCENARIO, "policy", "kpi"], sort=False)["value"]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    half = [
        stats.t.ppf(0.5 + LEVEL / 2, n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
        for sd, n in zip(out["sd"], out["n"], strict=True)
    ]
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out = out.drop(columns="sd")
    out = out.assign(_p=out["policy"].map(order), _k=out["kpi"].map(kpi_order))
    out = out.sort_values([SCENARIO, "_p", "_k"]).drop(columns=["_p", "_k"])
    out = out[[SCENARIO, "policy", "kpi", "mean", "ci_low", "ci_high", "n"]]
    for col in ("mean", "ci_low", "ci_high"):
        out[col] = _sig(out[col])
    values = params.reset_index()
    for col in params.columns:
        values[col] = _sig(values[col])
    return out.merge(values, on=SCENARIO, how="left").reset_index(drop=True)


def _sig(x: pd.Series, digits: int = 6) -> pd.Series:
    """Values to ``digits`` significant figures: the table repeats each scenario's values
    on every row, and full float precision doubles its size for nothing."""
    return x.map(lambda v: float(f"{v:.{digits}g}") if pd.notna(v) else v)


def wide(means: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """One KPI's scenario means: scenarios as rows, policies as columns (run order)."""
    order = list(dict.fromkeys(means["policy"]))
    table = means.pivot(index=SCENARIO, columns="policy", values=kpi)
    return table[order]


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (scipy's binomtest)."""
    if n == 0:
        return math.nan, math.nan
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def regret(cost: pd.DataFrame) -> pd.DataFrame:
    """Each policy's cost minus the best (lowest) cost in the same scenario."""
    return cost.sub(cost.min(axis=1), axis=0)


def _best_shares(
    table: pd.DataFrame, prefix: str, score: Any = None
) -> dict[str, dict[str, float]]:
    """Per policy: the share of rows (scenarios) in which it has the lowest value, or
    the lowest ``score(value)`` (ties share the win equally; rows with no value count
    for nobody), with its interval."""
    values = table if score is None else score(table)
    values = values.dropna(how="all")
    n = len(table)
    wins = dict.fromkeys(table.columns, 0.0)
    for _, row in values.iterrows():
        best = row[row == row.min()].index
        for p in best:
            wins[p] += 1.0 / len(best)
    out: dict[str, dict] = {}
    for p in table.columns:
        low, high = wilson(round(wins[p]), n)
        out[p] = {
            f"{prefix}_share": wins[p] / n if n else math.nan,
            f"{prefix}_ci_low": low,
            f"{prefix}_ci_high": high,
        }
    return out


def _fairness_score(kpi: str) -> Any:
    """How a fairness measure is compared: by its declared direction (a gap between
    groups is fairest at 0, a ratio of their times at 1), else by its absolute value."""
    from escalationsim.analysis.kpis import by_name

    k = by_name().get(kpi)
    if k is None or k.direction == "none":
        return abs
    return k.distance


def _p90_ci(x: np.ndarray, seed: int) -> tuple[float, float, float]:
    """The 90th percentile and its 95% percentile-bootstrap interval (seeded)."""
    p90 = float(np.quantile(x, 0.9)) if len(x) else math.nan
    if len(x) < 5 or np.all(x == x[0]):
        return p90, p90, p90
    res = stats.bootstrap(
        (x,),
        lambda s, axis: np.quantile(s, 0.9, axis=axis),
        confidence_level=LEVEL,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return p90, float(res.confidence_interval.low), float(res.confidence_interval.high)


def ranking(
    means: pd.DataFrame,
    cost_kpi: str,
    fairness_kpis: list[str],
    targets_kpi: str = "meets_targets",
    seed: int = 0,
) -> pd.DataFrame:
    """``ranking.csv``: per policy, the share of scenarios in which it is best on cost,
    best on cost among the policies meeting the service targets (a policy meets them in a
    scenario when most of its replications do, all of two; the share is of the scenarios
    in which at least one policy meets them, ``scenarios_some_meet_targets``), and
    fairest on each fairness measure (closest to its declared target: a gap at 0, a
    ratio of two groups' times at 1; lowest for one better lower), each with a Wilson 95%
    interval over scenarios; its mean, 90th-percentile and maximum regret on cost (mean
    and 90th percentile with 95% intervals); and its mean cost."""
    cost = wide(means, cost_kpi)
    rows = {p: {"policy": p, "scenarios": len(cost)} for p in cost.columns}
    for p, d in _best_shares(cost, "best_cost").items():
        rows[p].update(d)
    if targets_kpi in means:
        meets = wide(means, targets_kpi) > 0.5  # most of its replications (all of two)
        some = meets.any(axis=1)  # worlds where at least one policy meets them
        shares = _best_shares(cost.where(meets)[some], "best_meeting_targets")
        for p, d in shares.items():
            rows[p].update(d)
            rows[p]["meets_targets_share"] = float(meets[p].mean())
            rows[p]["scenarios_some_meet_targets"] = int(some.sum())
    for kpi in fairness_kpis:
        if kpi in means and means[kpi].notna().any():
            fairest = _best_shares(wide(means, kpi), f"best_{kpi}", _fairness_score(kpi))
            for p, d in fairest.items():
                rows[p].update(d)
    r = regret(cost)
    for i, p in enumerate(cost.columns):
        x = r[p].dropna().to_numpy()
        m, lo, hi = mean_ci(x, LEVEL)
        lo = max(lo, 0.0)  # regret is never negative
        q, qlo, qhi = _p90_ci(x, seed + i)
        rows[p].update(
            {
                "regret_mean": m,
                "regret_mean_ci_low": lo,
                "regret_mean_ci_high": hi,
                "regret_p90": q,
                "regret_p90_ci_low": qlo,
                "regret_p90_ci_high": qhi,
                "regret_max": float(x.max()) if len(x) else math.nan,
                f"{cost_kpi}_mean": float(cost[p].mean()),
            }
        )
    return pd.DataFrame(list(rows.values()))


def leading_pair(rank: pd.DataFrame) -> tuple[str, str | None]:
    """The leading policy (lowest mean regret over the sampled worlds) and the runner-up
    (the next lowest; None with one policy). Lowest mean regret is lowest mean cost: the
    best cost of each world is the same for every policy."""
    order = rank.sort_values(["regret_mean", "policy"])["policy"].tolist()
    return order[0], (order[1] if len(order) > 1 else None)


DELTA_MIN_SCENARIOS = 40
"""Fewest scenarios for Borgonovo's delta and the first-order Sobol' index: SALib's
estimator bins the sample (at least 10 scenarios a bin) and fails or is biased below."""
DUMMIES = 5
"""Dummy parameters (independent uniform draws the model never reads) whose largest
index is the noise floor: one dummy's index is itself noisy."""


def _slices(n: int) -> int:
    """PAWN's number of slices for ``n`` scenarios: about one per ten, 3 to 10. Not 6 or
    9: SALib 1.5-1.6 builds the slice edges with ``np.arange(0, 1 + 1/S, 1/S)``, which
    for those overshoots 1 by a rounding error and fails."""
    s = max(3, min(10, n // 10))
    return {6: 5, 9: 8}.get(s, s)


def sensitivity(params: pd.DataFrame, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """``sensitivity.csv``: per uncertain parameter, how much ``y`` (one value per
    scenario, in ``params``' row order) depends on it, from the study's own sample
    (SALib's given-data estimators, no special design needed):

    - ``pawn``: the PAWN index (Pianosi & Wagener 2015), the median over slices of the
      parameter's range of the Kolmogorov-Smirnov distance between the distribution of
      ``y`` in the slice and overall; moment-independent, and usable from a dozen
      scenarios. ``noise_floor`` is the largest index of :data:`DUMMIES` dummy
      parameters (independent uniform draws, not in the model): an index not above it
      is not told from noise.
    - ``delta`` and ``S1`` (with 95% bootstrap half-widths): Borgonovo's delta and the
      first-order Sobol' index (Plischke et al. 2013), from
      :data:`DELTA_MIN_SCENARIOS` scenarios on (NaN below).

    Sorted by ``pawn``, most influential first (``rank`` 1)."""
    import contextlib
    import io
    import warnings

    from SALib.analyze import delta, pawn

    varied = [c for c in params.columns if params[c].nunique() > 1]
    y = np.asarray(y, dtype=float)
    n = len(y)
    rng = np.random.default_rng(seed)
    dummies = [f"(dummy {i})" for i in range(DUMMIES)]
    x = np.column_stack([params[varied].to_numpy(dtype=float), rng.random((n, DUMMIES))])
    names = [*varied, *dummies]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[float(x[:, j].min()), float(x[:, j].max())] for j in range(len(names))],
    }
    table = pd.DataFrame({"parameter": list(params.columns)})
    flat = n < 4 or np.allclose(y, y[0])
    # SALib prints its binning notices and warns them too, after setting the warnings
    # filter to "once" itself: recorded here, they go nowhere (and the filters are
    # restored on the way out)
    quiet = io.StringIO()
    state = np.random.get_state()  # SALib reseeds numpy's global generator: put it back
    with (
        contextlib.redirect_stdout(quiet),
        contextlib.redirect_stderr(quiet),
        warnings.catch_warnings(record=True),
    ):
        if not flat:
            # SALib seeds numpy's global generator only for a non-zero seed: hence + 1
            res = pawn.analyze(problem, x, y, S=_slices(n), seed=seed + 1)
            index = dict(zip(names, np.asarray(res["median"], dtype=float), strict=True))
        else:
            index = dict.fromkeys(names, 0.0)
        table["pawn"] = table["parameter"].map(index).fillna(0.0)
        table["noise_floor"] = max(index[d] for d in dummies)
        for col in ("delta", "delta_conf", "S1", "S1_conf"):
            table[col] = np.nan
        if not flat and n >= DELTA_MIN_SCENARIOS:
            res = delta.analyze(problem, x, y, num_resamples=200, seed=seed + 1, conf_level=LEVEL)
            for col, key in (
                ("delta", "delta_raw"),
                ("delta_conf", "delta_raw_conf"),
                ("S1", "S1"),
                ("S1_conf", "S1_conf"),
            ):
                got = res[key] if key in res else res[key.replace("_raw", "")]
                table[col] = table["parameter"].map(dict(zip(names, got, strict=True)))
    np.random.set_state(state)
    table = table.sort_values(["pawn", "parameter"], ascending=[False, True])
    table["rank"] = range(1, len(table) + 1)
    return table.reset_index(drop=True)


@dataclass
class Condition:
    """One parameter's bounds inside a box (None: unbounded on that side)."""

    parameter: str
    above: float | None = None
    at_most: float | None = None


@dataclass
class Box:
    """Where the leading policy loses: conditions on parameters, the scenarios inside,
    and PRIM's two measures."""

    conditions: list[Condition] = field(default_factory=list)
    inside: int = 0
    hits_inside: int = 0
    hits: int = 0
    total: int = 0

    @property
    def coverage(self) -> float:
        """Share of the scenarios where it loses that are inside the box."""
        return self.hits_inside / self.hits if self.hits else math.nan

    @property
    def density(self) -> float:
        """Share of the scenarios inside the box where it loses."""
        return self.hits_inside / self.inside if self.inside else math.nan


def discover(params: pd.DataFrame, hits: np.ndarray, max_depth: int = 2, seed: int = 0) -> Box:
    """The box (a node of a shallow classification tree from scikit-learn: the
    conditions on the way to it) that best holds the scenarios flagged in ``hits``:
    among nodes where hits are the majority, the one with the largest coverage x
    density (a leaf, or a branch above leaves when it holds more of the hits for little
    less density). An empty box (no conditions) when there is no hit, or no node where
    hits are the majority."""
    from sklearn.tree import DecisionTreeClassifier

    hits = np.asarray(hits, dtype=bool)
    n, k = len(hits), int(hits.sum())
    box = Box(hits=k, total=n)
    if k == 0 or k == n:
        return Box(inside=n, hits_inside=k, hits=k, total=n)
    x = params.to_numpy(dtype=float)
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=max(2, n // 20), random_state=seed
    ).fit(x, hits)
    t = tree.tree_
    paths = tree.decision_path(x).toarray().astype(bool)  # scenario x node
    best_score = -1.0
    for node in range(1, t.node_count):  # every node but the root (a box of everything)
        inside = paths[:, node]
        m, h = int(inside.sum()), int((inside & hits).sum())
        if h * 2 <= m:
            continue
        score = (h / k) * (h / m)
        if score > best_score + 1e-12:
            best_score = score
            box = Box(_path(t, node, list(params.columns)), m, h, k, n)
    return box


def _path(t: Any, node: int, names: list[str]) -> list[Condition]:
    """The conditions from the root of the fitted tree ``t`` (scikit-learn's ``tree_``)
    to ``node``, one per parameter (the tightest bounds on each)."""
    parent: dict[int, tuple[int, bool]] = {}
    for i in range(t.node_count):
        if t.children_left[i] != -1:
            parent[t.children_left[i]] = (i, True)
            parent[t.children_right[i]] = (i, False)
    bounds: dict[str, Condition] = {}
    while node in parent:
        up, left = parent[node]
        name = names[t.feature[up]]
        c = bounds.setdefault(name, Condition(name))
        thr = float(t.threshold[up])
        if left:  # x <= threshold
            c.at_most = thr if c.at_most is None else min(c.at_most, thr)
        else:
            c.above = thr if c.above is None else max(c.above, thr)
        node = up
    return [bounds[n] for n in names if n in bounds]


def fmt(v: float) -> str:
    """A threshold for the reader: three significant figures, without an exponent
    (1100, not 1.1e+03)."""
    return f"{float(f'{v:.3g}'):,.10g}"
