"""Log-spaced histogram bins of times in hours, for summaries whose memory must not grow
with the number of complaints (``run.records=false``): a value read back from a bin is
its geometric middle, within :data:`HIST_REL_ERROR` of the value.
"""

from __future__ import annotations

import math

import numpy as np

from escalationsim.kernel import libm

HIST_MIN_H = 1e-4
"""Smallest value (hours) with its own histogram bin; smaller ones share the first bin."""
HIST_MAX_H = 1e6
"""Largest value (hours) with its own bin; larger ones share the last bin."""
HIST_REL_WIDTH = 2e-3
"""Relative width of a histogram bin: bin k covers [MIN (1+w)^k, MIN (1+w)^(k+1))."""
HIST_REL_ERROR = HIST_REL_WIDTH / 2
"""Largest relative error of a value read from a histogram (the bin's geometric middle)."""

LOG_STEP = math.log1p(HIST_REL_WIDTH)
BINS = math.ceil(math.log(HIST_MAX_H / HIST_MIN_H) / LOG_STEP) + 1
MIDDLES = HIST_MIN_H * libm.exp((np.arange(BINS) + 0.5) * LOG_STEP)


def bin_counts(values: np.ndarray) -> np.ndarray:
    """Counts of ``values`` (hours) in the bins."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return np.zeros(BINS, dtype=np.int64)
    k = np.floor(libm.log(np.maximum(values, HIST_MIN_H) / HIST_MIN_H) / LOG_STEP)
    return np.bincount(np.clip(k, 0, BINS - 1).astype(np.int64), minlength=BINS)
