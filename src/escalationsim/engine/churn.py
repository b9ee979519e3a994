"""Churn after a complaint: TARP's repurchase probabilities by problem size and outcome.

Routine issues count as minor problems, issues needing an exception as major ones. A fix
that came through the CEO's channel earns ``ceo_channel_penalty`` less repurchase than
the same fix through the normal channels (seed 001: by the time a customer writes to the
chief, they are hard to win back). Each complaint's own uniform (``u_churn`` of the
customer table) is compared with its repurchase probability, so churn is decided by
common random numbers too. The engine decides it as a complaint closes when customers
remember (a churned customer leaves the base: :mod:`.customer_base`); the analysis layer
derives the same column after the run from the same inputs.
"""

from __future__ import annotations

import numpy as np

from escalationsim.config.scenario import ChurnConfig


def repurchase_prob(
    churn: ChurnConfig, major: bool, resolved: bool, ttr_h: float, via_ceo: bool = False
) -> float:
    """TARP repurchase probability: quickly fixed, fixed, or not fixed; minor or major;
    lowered by ``ceo_channel_penalty`` for a fix through the CEO's channel; the intention
    not to buy again realised with ``realisation``."""
    if resolved and ttr_h <= churn.quick_resolution_h:
        p = churn.major_quick if major else churn.minor_quick
    elif resolved:
        p = churn.major_fixed if major else churn.minor_fixed
    else:
        p = churn.major_unfixed if major else churn.minor_unfixed
        via_ceo = False
    if via_ceo:
        p *= 1.0 - churn.ceo_channel_penalty
    r = churn.realisation
    return p if r == 1.0 else 1.0 - r * (1.0 - p)  # at 1 exactly p, to the bit


def repurchase_probs(
    churn: ChurnConfig, major: np.ndarray, resolved: np.ndarray, ttr: np.ndarray
) -> np.ndarray:
    """TARP's repurchase probabilities for arrays of complaints at once (the table of
    :func:`repurchase_prob`; the CEO-channel penalty and the realisation are applied by
    :func:`churned`)."""
    with np.errstate(invalid="ignore"):
        quick = resolved & (ttr <= churn.quick_resolution_h)
    return np.where(
        quick,
        np.where(major, churn.major_quick, churn.minor_quick),
        np.where(
            resolved,
            np.where(major, churn.major_fixed, churn.minor_fixed),
            np.where(major, churn.major_unfixed, churn.minor_unfixed),
        ),
    )


def churned(
    churn: ChurnConfig,
    major: np.ndarray,
    resolved: np.ndarray,
    ttr: np.ndarray,
    u_churn: np.ndarray,
    via_ceo: np.ndarray | None = None,
) -> np.ndarray:
    """Whether each customer churns: their uniform at or above their repurchase
    probability (lowered by ``ceo_channel_penalty`` where ``via_ceo``: resolved on the
    CEO's channel)."""
    p = repurchase_probs(churn, major, resolved, ttr)
    if via_ceo is not None and churn.ceo_channel_penalty > 0:
        p = np.where(via_ceo, p * (1.0 - churn.ceo_channel_penalty), p)
    r = churn.realisation
    if r != 1.0:  # at 1 exactly p, to the bit
        p = 1.0 - r * (1.0 - p)
    return u_churn >= p
