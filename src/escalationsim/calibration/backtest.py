"""Backtest: the same measurements on an observed log and on simulated ones, compared.

A backtest fits the first part of a log, simulates the rest several times, and asks
whether what was observed lies where the simulations put it. Both sides are contact logs
in the schema of docs/data.md, measured by one function (:func:`period_kpis`), so the
comparison cannot differ by how the two were counted: the complaints opened in the test
window with their contacts up to its end (as ``output.contact_log`` writes a run's).

Per day and per hour: ``complaints`` (tickets opened), ``volume`` per channel (contacts),
``answer_time_mean_s``, ``abandon_rate`` and ``service_level_20s`` of the phone (answered
within 20 s over answered or abandoned), ``escalation_rate`` (complaints opened in the
period that reached social media or the CEO by the end), ``resolution_rate`` (resolved by
the end) and, per day, ``backlog`` (complaints opened in the window, unresolved at the
day's end). :func:`compare` gives one ``backtest.csv`` row per KPI, channel, mode and
period: the observed and simulated means over the periods, the 95% prediction interval
of one period from the replications (mean plus or minus t times their spread times
``sqrt(1 + 1/R)``), its coverage of the observed periods, the relative bias and the
weighted absolute percentage error (WAPE), the tolerance declared before the run, and
PASS or FAIL (:func:`compare`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS: tuple[str, ...] = (
    "kpi",
    "mode",
    "period",
    "observed",
    "simulated_mean",
    "pi_low",
    "pi_high",
    "coverage",
    "bias",
    "wape",
    "tolerance",
    "verdict",
)
"""The columns of ``backtest.csv`` (then ``channel``, ``periods`` and ``replications``)."""

KPIS: tuple[str, ...] = (
    "complaints",
    "volume",
    "answer_time_mean_s",
    "abandon_rate",
    "service_level_20s",
    "escalation_rate",
    "resolution_rate",
    "backlog",
)
"""The backtest's measurements (``backlog`` per day only)."""

SHARES = ("abandon_rate", "service_level_20s", "escalation_rate", "resolution_rate")
"""The KPIs that are shares (their intervals end at 1)."""

FREQ = {"day": "D", "hour": "h"}

SERVICE_S = 20.0
"""The service level's threshold: answered within 20 seconds."""


def window(log: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The complaints opened in ``[start, end)`` (first contact) with their contacts
    arriving before ``end``, as a log exported at ``end`` shows them (what happened
    later, an answer or a resolution, not yet)."""
    first = log.groupby("ticket_id", sort=False)["arrived_at"].transform("min")
    keep = (first >= start) & (first < end) & (log["arrived_at"] < end)
    out = log[keep].copy()
    for col in ("answered_at", "abandoned_at", "ended_at", "resolved_at"):
        if col in out:  # not yet happened at the end: as a log exported then shows it
            out[col] = out[col].where(out[col] < end)
    return out


def period_kpis(log: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The backtest's measurements of ``log`` over ``[start, end)`` (see the module doc):
    one row per ``kpi``, ``channel`` (empty where not by channel), ``period`` (day or
    hour), ``at`` (the period's start) and ``value``; a period with no contact counts 0
    contacts, and has no rate."""
    log = window(log, start, end)
    rows = []
    for period, freq in FREQ.items():
        index = pd.date_range(start, end, freq=freq, inclusive="left")
        at = log["arrived_at"].dt.floor(freq)

        def add(
            kpi: str,
            values: pd.Series,
            channel: str = "",
            fill: float = math.nan,
            period: str = period,
            index: pd.DatetimeIndex = index,
        ) -> None:
            v = values.reindex(index, fill_value=fill).to_numpy(dtype=float)
            frame = {"kpi": kpi, "channel": channel, "period": period, "at": index, "value": v}
            rows.append(pd.DataFrame(frame))

        first = ~log["ticket_id"].duplicated()
        add("complaints", at[first].value_counts(), fill=0.0)
        for channel, part in log.groupby("channel", sort=True, observed=True):
            add("volume", at[part.index].value_counts(), str(channel), fill=0.0)
        phone = log[log["channel"] == "phone"]
        if len(phone):
            p_at = at[phone.index]
            answered = phone["answered_at"].notna()
            gone = phone["outcome"].eq("abandoned")
            wait = (phone["answered_at"] - phone["arrived_at"]).dt.total_seconds()
            add("answer_time_mean_s", wait[answered].groupby(p_at[answered]).mean())
            seen = (answered | gone).groupby(p_at).sum()
            add("abandon_rate", gone.groupby(p_at).sum() / seen.where(seen > 0))
            quick = (answered & (wait <= SERVICE_S)).groupby(p_at).sum()
            add("service_level_20s", quick / seen.where(seen > 0))
        tickets = log.groupby("ticket_id", sort=False).agg(
            opened=("arrived_at", "first"),
            resolved=("resolved_at", "min"),
            channels=("channel", lambda c: frozenset(map(str, c))),
            first_channel=("channel", "first"),
        )
        t_at = tickets["opened"].dt.floor(freq)
        reached = tickets["channels"].map(lambda c: bool(c & {"social", "ceo"}))
        reached &= ~tickets["first_channel"].astype(str).isin(("social", "ceo"))
        add("escalation_rate", reached.groupby(t_at).mean())
        add("resolution_rate", tickets["resolved"].notna().groupby(t_at).mean())
        if period == "day":
            ends = index + pd.Timedelta(days=1)
            opened = np.sort(tickets["opened"].to_numpy())
            done = np.sort(tickets["resolved"].dropna().to_numpy())
            backlog = np.searchsorted(opened, ends.to_numpy(), side="left") - np.searchsorted(
                done, ends.to_numpy(), side="left"
            )
            add("backlog", pd.Series(backlog.astype(float), index=index))
    return pd.concat(rows, ignore_index=True)


def bands(observed: pd.DataFrame, simulated: list[pd.DataFrame]) -> pd.DataFrame:
    """Per KPI, channel, period and its start (``at``): the ``observed`` value, the
    replications' ``simulated_mean`` and the 95% prediction interval of one period
    (``pi_low``, ``pi_high``: mean plus or minus t times their spread times
    ``sqrt(1 + 1/R)``, at least 0 and, for shares, at most 1), and ``replications``
    (those with a value there). A count no replication or observation has is 0; a rate
    with no contact is missing. What :func:`compare` sums up and the plots show."""
    keys = ["kpi", "channel", "period", "at"]
    sims = [s.set_index(keys)["value"].rename(i) for i, s in enumerate(simulated)]
    table = observed.set_index(keys)["value"].rename("obs").to_frame().join(sims, how="outer")
    table = table.reset_index()
    reps = list(range(len(simulated)))
    counts = table["kpi"].isin(("complaints", "volume"))
    table.loc[counts, ["obs", *reps]] = table.loc[counts, ["obs", *reps]].fillna(0.0)
    x = table[reps].to_numpy(dtype=float)
    n_sim = np.sum(~np.isnan(x), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a period no replication has
        mean = np.nanmean(np.where(n_sim[:, None] > 0, x, 0.0), axis=1)
        mean[n_sim == 0] = np.nan
        sd = np.nanstd(x, axis=1, ddof=1) if len(reps) > 1 else np.zeros(len(x))
    t = stats.t.ppf(0.975, np.maximum(n_sim - 1, 1))
    half = t * np.nan_to_num(sd) * np.sqrt(1.0 + 1.0 / np.maximum(n_sim, 1))
    lo, hi = np.maximum(mean - half, 0.0), mean + half  # every KPI is >= 0
    hi = np.where(table["kpi"].isin(SHARES), np.minimum(hi, 1.0), hi)
    return table[keys].assign(
        observed=table["obs"].to_numpy(dtype=float),
        simulated_mean=mean,
        pi_low=lo,
        pi_high=hi,
        replications=n_sim,
    )


def compare(
    observed: pd.DataFrame,
    simulated: list[pd.DataFrame],
    mode: str,
    tolerance: Mapping[str, Mapping[str, float]],
    min_coverage: float = 0.8,
) -> pd.DataFrame:
    """``backtest.csv`` rows of one mode: the observed measurements against the
    replications' (each from :func:`period_kpis`), period by period as :func:`bands`
    gives them. A KPI passes when its relative bias is at most
    ``tolerance[period][kpi]`` and its prediction intervals cover at least
    ``min_coverage`` of the observed periods: the bias catches a model that is wrong on
    average, the coverage one whose spread is wrong; the WAPE, which noise alone makes
    large for small hourly counts, is reported. A KPI with no tolerance gets no verdict."""
    return summarise(bands(observed, simulated), mode, tolerance, min_coverage, len(simulated))


def summarise(
    periods: pd.DataFrame,
    mode: str,
    tolerance: Mapping[str, Mapping[str, float]],
    min_coverage: float,
    replications: int,
) -> pd.DataFrame:
    """The ``backtest.csv`` rows of one mode's :func:`bands` (see :func:`compare`)."""
    out = []
    for (kpi, channel, period), part in periods.groupby(["kpi", "channel", "period"], sort=False):
        both = part["observed"].notna() & part["simulated_mean"].notna()
        if not both.any():
            continue
        o = part["observed"][both].to_numpy()
        m = part["simulated_mean"][both].to_numpy()
        lo, hi = part["pi_low"][both].to_numpy(), part["pi_high"][both].to_numpy()
        total = float(np.abs(o).sum())
        wape = float(np.abs(m - o).sum() / total) if total > 0 else math.nan
        bias = float((m.sum() - o.sum()) / total) if total > 0 else math.nan
        tol = tolerance.get(period, {}).get(kpi)
        coverage = float(np.mean((o >= lo) & (o <= hi)))
        good = abs(bias) <= tol and coverage >= min_coverage if tol is not None else False
        verdict = "" if tol is None or math.isnan(bias) else ("PASS" if good else "FAIL")
        out.append(
            {
                "kpi": kpi,
                "mode": mode,
                "period": period,
                "observed": float(o.mean()),
                "simulated_mean": float(m.mean()),
                "pi_low": float(lo.mean()),
                "pi_high": float(hi.mean()),
                "coverage": coverage,
                "bias": bias,
                "wape": wape,
                "tolerance": math.nan if tol is None else float(tol),
                "verdict": verdict,
                "channel": channel,
                "periods": int(both.sum()),
                "replications": replications,
            }
        )
    return pd.DataFrame(out, columns=[*COLUMNS, "channel", "periods", "replications"])


__all__ = ["COLUMNS", "KPIS", "SERVICE_S", "bands", "compare", "period_kpis", "summarise", "window"]
