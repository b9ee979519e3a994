"""Which policy is best on a KPI, with a stated confidence, or that the replications
cannot tell.

The candidate is the policy with the best mean. Against each other policy, the paired
differences over replications (common random numbers: the same customers in replication
*r* under every policy) are tested with a two-sided paired t-test (H0: no difference), so
that a verdict never claims more than the paired 95% intervals shown beside it; the
other policy counts as worse when its mean is worse and the test rejects. The k - 1
tests are corrected for multiple comparisons with Holm's step-down procedure (Holm, Scand.
J. Statistics 1979), which controls the family-wise error rate at ``alpha`` without
assuming independence between the comparisons (they share the candidate's replications).
The candidate is best with confidence 1 - alpha when every other policy is worse;
otherwise the policies it cannot be told from are named. The t-tests come from scipy
(``scipy.stats.ttest_rel``); Holm's procedure is a few lines, written out here for lack
of it in scipy (statsmodels has it, but is not worth a dependency for that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escalationsim.analysis import kpis as registry


def rankable() -> set[str]:
    """Names of the KPIs ``output.best_on`` may name: those with a direction."""
    return {k.name for k in registry.kpis() if k.direction != "none"}


def lower_is_better(kpi: str) -> bool:
    """Whether less of ``kpi`` is better, as its declaration says (a name not in the
    registry, e.g. a column a user added: less is better; a KPI better closer to a
    target: less of its distance to it, :func:`distance`)."""
    k = registry.by_name().get(kpi)
    return k is None or k.direction != "higher"


def distance(kpi: str, values: Any) -> Any:
    """``values`` of ``kpi`` as scores where lower is better, as its declaration says
    (itself, its negative, or its distance to its target); a name not in the registry:
    itself."""
    k = registry.by_name().get(kpi)
    return values if k is None else k.distance(values)


@dataclass
class BestPolicy:
    """The verdict on one KPI: ``best`` (the candidate), whether it is best with
    confidence ``1 - alpha`` (``clear``), the policies it cannot be told from
    (``tied``), and one row per comparison (``table``)."""

    kpi: str
    best: str
    clear: bool
    alpha: float
    replications: int
    tied: list[str] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def method(self) -> str:
        return "two-sided paired t-tests against the best mean, Holm-corrected"


def holm(p_values: np.ndarray, alpha: float) -> np.ndarray:
    """Holm's step-down procedure: which hypotheses are rejected at family-wise level
    ``alpha``, and (returned) the adjusted p-values (NaN stays NaN, never rejected)."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    order = np.argsort(p[ok], kind="stable")  # ties in a fixed order on every CPU
    m = int(ok.sum())
    running = 0.0
    idx = np.flatnonzero(ok)[order]
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def best_policy(
    kpis: pd.DataFrame, kpi: str, lower_is_better: bool | None = None, alpha: float = 0.05
) -> BestPolicy | None:
    """The verdict on ``kpi`` from a run's ``kpis`` (one row per policy and
    replication); None if fewer than two policies have a value. Better as the KPI's
    declaration says (a KPI better closer to a target is compared on its distance to
    it), unless ``lower_is_better`` says."""
    wide = kpis.pivot_table(index="replication", columns="policy", values=kpi, aggfunc="first")
    wide = wide.dropna(axis=1, how="all")
    if lower_is_better is None:
        wide, lower_is_better = distance(kpi, wide), True
    if wide.shape[1] < 2:
        return None
    means = wide.mean()
    best = str(means.idxmin() if lower_is_better else means.idxmax())
    rows = []
    for other in wide.columns:
        if other == best:
            continue
        pair = wide[[best, other]].dropna()
        diff = (pair[other] - pair[best]).to_numpy(dtype=float)
        if not lower_is_better:
            diff = -diff  # positive: the other policy is worse
        if len(diff) < 2 or np.all(diff == diff[0]):
            # no spread to test: a constant positive difference is certain, else unknown
            p = 0.0 if len(diff) >= 2 and diff[0] > 0 else np.nan
        else:
            p = float(stats.ttest_rel(diff, np.zeros_like(diff)).pvalue)
        rows.append(
            {
                "policy": str(other),
                "kpi": kpi,
                "best": best,
                "mean_diff": float(np.mean(diff)) if len(diff) else np.nan,
                "n": len(diff),
                "p_value": p,
            }
        )
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p_value"].to_numpy(), alpha)
    table["worse_than_best"] = (table["p_holm"] <= alpha) & (table["mean_diff"] > 0)
    tied = [str(p) for p in table.loc[~table["worse_than_best"], "policy"]]
    return BestPolicy(
        kpi=kpi,
        best=best,
        clear=not tied,
        alpha=alpha,
        replications=int(wide.shape[0]),
        tied=tied,
        table=table,
    )


COVERS = (
    "on the assumptions of this scenario; the confidence covers the replications' noise "
    "only, not what the assumptions leave open"
)
"""What a verdict's confidence covers, said with every verdict: the replications of one
scenario, never the uncertainty of its inputs (a robustness study says how often a
policy wins across plausible worlds)."""


def verdict(b: BestPolicy, what: str = "the cheapest") -> str:
    """The verdict as a sentence a leadership team can repeat, saying what its
    confidence covers."""
    k = len(b.table)
    how = (
        f"paired t-tests over {b.replications} replications against each of the "
        f"{k} other {'policy' if k == 1 else 'policies'}, Holm-corrected"
    )
    level = f"{1 - b.alpha:.0%}"
    if b.clear:
        return f"{b.best} is {what} with {level} confidence ({how}), {COVERS}."
    others = ", ".join(b.tied)
    return (
        f"{b.best} has the best mean, but at {level} confidence the replications cannot tell "
        f"it from {others} ({how}; {COVERS}); more replications may."
    )
