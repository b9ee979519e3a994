"""The complaint table: the columns derived from a run's recorded journeys, per-complaint
costs, and the tidy DataFrame; and the streaming summary used when records are off.

Derived columns: time to resolution; the duration each complaint was followed (to its
resolution, or to the end of the run for one never resolved: a right-censored time to
resolution, as survival analysis reads it with ``resolved`` as the event); whether it was
fixed quickly (TARP's "within a
day", ``churn.quick_resolution_h``), churn (:mod:`.churn`), whether the complaint stayed
tracked (used no channel without tickets), and for every escalation channel of the
channel registry whether the complaint reached it (``reached_<channel>``) and escalated
to it (reached it after a first contact elsewhere: each is contacted at most once).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from escalationsim.analysis.costs import cost_columns
from escalationsim.analysis.stats import ComplaintStats, StreamingStats, day_counts
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine import channels
from escalationsim.engine.churn import churned
from escalationsim.engine.recorder import columns
from escalationsim.kernel import libm
from escalationsim.kernel.codes import CONTACT_OUTCOMES, Role, Status


def channel_columns() -> list[tuple[str, str]]:
    """(column, dtype) of the per-channel columns: ``reached_<c>`` for every escalation
    channel, then ``escalated_<c>``."""
    ladder = [cls.name for cls in channels.channel_classes() if cls.ladder_step is not None]
    return [(f"reached_{n}", "?") for n in ladder] + [(f"escalated_{n}", "?") for n in ladder]


def output_columns() -> list[tuple[str, str]]:
    """(column, dtype) of the complaint table, in order."""
    return [(c.name, c.dtype) for c in columns()] + channel_columns()


def derive(
    cols: dict[str, np.ndarray], scenario: ScenarioConfig, untracked: int, end_h: float
) -> None:
    """Add the derived columns (see the module doc) to the recorded ``cols`` (which hold
    ``resolved_at``, ``tried``, ``u_churn`` and ``u_ombudsman``); ``untracked`` is the bit
    mask of the channels without tickets, ``end_h`` the end of the run (horizon plus
    drain)."""
    resolved = cols["status"] == Status.resolved
    cols["time_to_resolution_h"] = np.where(
        resolved, cols["resolved_at"] - cols["arrival_time"], math.nan
    )
    cols["duration_h"] = np.where(
        resolved, cols["time_to_resolution_h"], end_h - cols["arrival_time"]
    )
    with np.errstate(invalid="ignore"):
        cols["fixed_quickly"] = cols["time_to_resolution_h"] <= scenario.churn.quick_resolution_h
    cols["churned"] = churned(
        scenario.churn,
        cols["needs_exception"],
        resolved,
        cols["time_to_resolution_h"],
        cols["u_churn"],
        resolved & (cols["final_channel"] == channels.code("ceo")),
    )
    tried = cols["tried"]
    first = cols["first_channel"]
    for cls in channels.channel_classes():
        if cls.ladder_step is None:
            continue
        reached = (tried & (1 << cls.code)) != 0
        cols[f"reached_{cls.name}"] = reached
        cols[f"escalated_{cls.name}"] = reached & (first != cls.code)
    cols["tracked"] = (tried & untracked) == 0
    case, upheld = ombudsman_cases(cols, scenario)
    cols["ombudsman_case"] = case
    cols["ombudsman_upheld"] = upheld


def ombudsman_cases(
    cols: Mapping[str, np.ndarray], scenario: ScenarioConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Which complaints an ombudsman hears, and which it upholds (``scenario.ombudsman``):
    a claim never granted whose customer gave up is referred when its uniform
    (``u_ombudsman``) falls below its referral probability; given that, the uniform over
    that probability is uniform again, and decides whether it is upheld. Common random
    numbers: the same complaint under another policy uses the same uniform."""
    n = len(cols["status"])
    om = scenario.ombudsman
    if not om.enabled or not n:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    pop = scenario.population
    weak = cols["claim_weak"].astype(bool)
    refused = (
        cols["needs_exception"].astype(bool)
        & ~cols["granted"].astype(bool)
        & (cols["status"] == Status.gave_up)
    )
    value = np.maximum(cols["exception_value"], 0.0) / pop.exception_value_median_usd
    persist = cols["persistence"] / pop.persistence_mean
    base = np.where(weak, om.referral_prob_weak, om.referral_prob_owed)
    prob = np.minimum(
        base
        * libm.power(value, om.value_elasticity)
        * libm.power(persist, om.persistence_elasticity),
        1.0,
    )
    u = cols["u_ombudsman"]
    case = refused & (u < prob)
    with np.errstate(divide="ignore", invalid="ignore"):
        again = np.where(case, u / prob, 1.0)
    upheld = case & (again < np.where(weak, om.uphold_weak, om.uphold_owed))
    return case, upheld


class ComplaintTable:
    """A records-on run's complaints: every column, the costs, the KPIs' summary."""

    def __init__(
        self,
        recorded: dict[str, np.ndarray],
        scenario: ScenarioConfig,
        untracked: int,
        end_h: float,
    ):
        cols = dict(recorded)
        derive(cols, scenario, untracked, end_h)
        self.columns = {
            name: cols[name].astype(dtype, copy=False) for name, dtype in output_columns()
        }
        self.costs = cost_columns(self.columns, scenario)

    def stats(self) -> ComplaintStats:
        """Exact summary of the complaints for the KPIs."""
        return ComplaintStats.exact({**self.columns, **self.costs})

    def day_counts(self, first_day: int, n_days: int) -> np.ndarray:
        """Complaints, CEO-channel and direct-to-CEO complaints and their cost per arrival
        day."""
        return day_counts({**self.columns, **self.costs}, first_day, n_days)

    def __len__(self) -> int:
        return len(self.columns["complaint_id"])

    def frame(self) -> pd.DataFrame:
        """The complaints as a tidy DataFrame with readable category labels, then the
        cost columns."""
        df = to_frame(self.columns)
        for name, values in self.costs.items():
            df[name] = values
        return df


def to_frame(cols: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The complaint columns as a DataFrame with readable category labels."""
    df = pd.DataFrame(cols, copy=False)
    chan = pd.CategoricalDtype(list(channels.names()))
    for col in ("preferred_channel", "first_channel", "final_channel"):
        df[col] = pd.Categorical.from_codes(df[col].to_numpy(), dtype=chan)
    df["status"] = pd.Categorical.from_codes(
        df["status"].to_numpy(), dtype=pd.CategoricalDtype([s.name for s in Status])
    )
    df["resolved_by"] = pd.Categorical.from_codes(
        df["resolved_by"].to_numpy(), dtype=pd.CategoricalDtype([r.name for r in Role])
    )
    df.insert(df.columns.get_loc("status") + 1, "resolved", df["status"] == "resolved")
    # -1 (no contact finished yet, e.g. still in a queue; no letter answered) shows as missing
    outcome = pd.CategoricalDtype(list(CONTACT_OUTCOMES))
    for col in ("last_outcome", "ceo_outcome"):
        df[col] = pd.Categorical.from_codes(df[col].to_numpy(), dtype=outcome)
    return df


class StreamingSummary:
    """The records-off fold: each chunk of closed complaints gets its derived columns and
    costs, is added to a :class:`~.stats.StreamingStats` and to per-day counts, and is
    dropped, so memory does not grow with the horizon."""

    def __init__(self, scenario: ScenarioConfig, first_day: int, n_days: int, end_h: float):
        self.scenario = scenario
        self.end_h = end_h
        self.untracked = 0  # set once the run has built its channels
        self.first_day = first_day
        self._stats = StreamingStats(scenario.population)
        self._days = np.zeros((4, n_days))

    def __call__(self, cols: dict[str, np.ndarray]) -> None:
        derive(cols, self.scenario, self.untracked, self.end_h)
        cols.update(cost_columns(cols, self.scenario))
        self._stats.add(cols)
        self._days += day_counts(cols, self.first_day, self._days.shape[1])

    def stats(self) -> ComplaintStats:
        """Streaming summary of the complaints for the KPIs."""
        return self._stats.result()

    def day_counts(self, first_day: int, n_days: int) -> np.ndarray:
        """Complaints, CEO-channel and direct-to-CEO complaints and their cost per arrival
        day."""
        assert first_day == self.first_day and n_days == self._days.shape[1]
        return self._days
