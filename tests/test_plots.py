"""Plots (app/plots.py): a bar's 95% interval stays within what its value can be."""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalationsim.app.plots import _bars_by_group


def _per_rep() -> pd.DataFrame:
    """Shares near 100% with a wide spread over few replications: a t interval would
    reach past 100%, and times near 0 whose interval would reach below 0."""
    rows = []
    for rep, (share, wait) in enumerate([(1.0, 0.1), (0.7, 3.0), (1.0, 0.2)]):
        rows.append({"policy": "p", "replication": rep, "group": "g", "share": share,
                     "wait": wait})  # fmt: skip
    return pd.DataFrame(rows)


def test_share_and_time_bars_keep_their_intervals_within_bounds():
    panels = [("share", "share resolved (%)", False, (0.0, 1.0)), ("wait", "wait (h)", False, None)]
    fig = _bars_by_group(_per_rep(), "group", ["g"], ["p"], panels, "t", "x")
    spans = []
    for ax in fig.axes:
        for container in ax.containers:
            if getattr(container, "errorbar", None) is None:
                continue
            for seg in container.errorbar.lines[2][0].get_segments():
                spans.append((ax.get_ylabel(), seg[:, 1].min(), seg[:, 1].max()))
    share = next(s for s in spans if s[0].startswith("share"))
    wait = next(s for s in spans if s[0].startswith("wait"))
    assert share[2] <= 1.0 + 1e-12 and share[1] < 0.9  # clipped at 100%, still wide below
    assert wait[1] >= 0.0 and wait[2] > 3.0  # clipped at 0, still wide above
    values = np.array([1.0, 0.7, 1.0])
    assert values.mean() + 4.3 * values.std(ddof=1) / np.sqrt(3) > 1.0  # it would have passed
