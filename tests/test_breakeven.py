"""Tests for escalationsim.analysis.breakeven: pricing parameters change no behaviour,
and their break-even values, found from one run, hold when the run is made again at
that value."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from escalationsim import simulate
from escalationsim.analysis.breakeven import PRICING, breakeven_table, fieller
from tests.conftest import small_config


def _set(scenario, key: str, value: float):
    """``scenario`` with the dotted key set to ``value`` (a copy)."""
    head, _, rest = key.partition(".")
    if not rest:
        return replace(scenario, **{head: value})
    return replace(scenario, **{head: _set(getattr(scenario, head), rest, value)})


def test_fiellers_interval_covers_a_known_break_even_at_its_level():
    """On data it did not make: 400 sets of 5 paired replications of two lines crossing
    at x = 500, with noise; the point estimate is close and the 95% interval covers the
    truth about 95% of the time (decisively between 90% and 99%)."""
    rng = np.random.default_rng(7)
    covered, estimates = 0, []
    for _ in range(400):
        alpha = -10.0 + rng.normal(0.0, 0.8, 5)
        beta = 0.02 + rng.normal(0.0, 0.0015, 5)
        # the truth of this draw's distribution: -E[alpha] / E[beta] = 500
        x, lo, hi = fieller(alpha, beta)
        estimates.append(x)
        covered += lo <= 500.0 <= hi
    assert 0.90 <= covered / 400 <= 0.99
    assert abs(np.median(estimates) - 500.0) < 10.0
    # a slope not distinguishable from 0: the interval is unbounded; one replication: none
    assert fieller(np.array([-1.0, -1.2, -0.9]), np.array([0.01, -0.01, 0.0]))[1:] == (
        -math.inf,
        math.inf,
    )
    assert all(math.isnan(v) for v in fieller(np.array([-1.0]), np.array([0.5]))[1:])


@pytest.fixture(scope="module")
def priced():
    """A short comparison of two policies, 3 replications, records on; and the same with
    every pricing parameter changed at once. The ombudsman off: the script is then the
    cheaper, and the customer value and churn horizon have break-even values in range."""
    cfg = small_config(
        "run.replications=3",
        "scenario.ombudsman.enabled=false",
        policies=["rigid_script", "empowered_rep"],
    )
    scenario = cfg.scenario
    for p in PRICING:
        now = p.current(cfg.scenario)  # moved, within its range (a share stays below 1)
        scenario = _set(scenario, p.key, min(now * 1.7 + 1.0, (now + p.high) / 2))
    return cfg, simulate(cfg), simulate(replace(cfg, scenario=scenario))


def test_a_pricing_parameter_changes_no_behaviour_column(priced):
    """Changing every pricing parameter leaves every column of the complaint table
    identical but the costs, the customer value and the fines they price."""
    _, base, repriced = priced
    priced_columns = [c for c in base.complaints.columns if c.startswith("cost_")]
    priced_columns += ["clv", "penalty"]
    a = base.complaints.drop(columns=priced_columns)
    b = repriced.complaints.drop(columns=priced_columns)
    pd.testing.assert_frame_equal(a, b)
    assert not base.complaints["cost_total"].equals(repriced.complaints["cost_total"])


def test_a_break_even_found_after_the_fact_holds_when_run_again(priced):
    """For each parameter whose break-even falls inside its range, a run at that value
    gives the two policies the same mean cost per complaint (the lines are exact: only
    the prices changed), and the value lies inside its interval."""
    cfg, base, _ = priced
    table = breakeven_table(base.kpis, cfg.scenario)
    assert list(table.columns[:8]) == [
        "parameter",
        "policy_a",
        "policy_b",
        "breakeven",
        "ci_low",
        "ci_high",
        "current",
        "unit",
    ]
    found = table[pd.to_numeric(table["breakeven"], errors="coerce").notna()]
    assert {"population.clv_median_usd", "churn.horizon_years"} <= set(found["parameter"])
    for _, row in found[
        found["parameter"].isin(
            ["population.clv_median_usd", "churn.horizon_years", "staff.managers.hourly_cost_usd"]
        )
    ].iterrows():
        value = float(row["breakeven"])
        assert row["ci_low"] <= value <= row["ci_high"], row["parameter"]
        again = simulate(replace(cfg, scenario=_set(cfg.scenario, row["parameter"], value)))
        cost = again.kpis.groupby("policy")["cost_per_complaint"].mean()
        gap = cost[row["policy_a"]] - cost[row["policy_b"]]
        before = base.kpis.groupby("policy")["cost_per_complaint"].mean()
        scale = abs(before[row["policy_a"]] - before[row["policy_b"]])
        assert abs(gap) < 1e-3 * max(scale, 1.0), (row["parameter"], gap, scale)
    never = table[table["breakeven"] == "never"]
    assert all(
        n.startswith(f"{r} stays cheaper")
        for r, n in zip(never["policy_a"], never["note"], strict=True)
    )


def test_the_report_says_which_pricing_parameters_would_change_the_answer(tmp_path):
    """One sentence for the cheapest policy against the runner-up, naming each
    parameter whose break-even is within five times its current value, with its
    interval and the direction; the others are left to the file."""
    from escalationsim.app.html_report import breakeven_sentences

    rows = [
        ("population.clv_median_usd", "a", "b", "880.0", 854.0, 908.0, 600.0, "USD"),
        ("churn.horizon_years", "a", "b", "0.5", 0.4, 0.6, 1.0, "years"),
        ("staff.reps.hourly_cost_usd", "a", "b", "9173.4", 8392.0, 10090.0, 40.0, "USD/h"),
        ("staff.ceo.hourly_cost_usd", "a", "b", "never", None, None, 5000.0, "USD/h"),
        ("population.clv_median_usd", "a", "c", "700.0", 650.0, 750.0, 600.0, "USD"),
    ]
    cols = ["parameter", "policy_a", "policy_b", "breakeven", "ci_low", "ci_high", "current"]
    pd.DataFrame(rows, columns=[*cols, "unit"]).assign(note="").to_csv(
        tmp_path / "breakeven.csv", index=False
    )
    (sentence,) = breakeven_sentences(tmp_path / "breakeven.csv")
    assert sentence == (
        "What would change the answer (breakeven.csv): a stops being cheaper than b if the "
        "median customer value exceeds 880 USD (95% interval 854 to 908; now 600) or the "
        "horizon over which churn is charged falls below 0.5 years (95% interval 0.4 to "
        "0.6; now 1); no other pricing parameter within 5 times its current value does."
    )
    assert breakeven_sentences(tmp_path / "missing.csv") == []


def _priced_again(data: dict, policy: str, values: dict[str, float]) -> float:
    """The what-if panel's arithmetic (report.html's script), in Python."""

    def x(p: dict, v: float) -> float:
        return min(1.0, v / p["lifetime"]) if p["kind"] == "horizon" else v

    own = data["policies"][policy]
    groups: dict[str, list[float]] = {}
    for p in data["params"]:
        g = groups.setdefault(p["group"], [own["parts"].get(p["key"], 0.0), 1.0])
        g[1] *= x(p, values.get(p["key"], p["current"])) / x(p, p["current"])
    return own["cost"] + sum(part * (factor - 1.0) for part, factor in groups.values())


def test_the_what_if_panels_data_price_the_policies_equal_at_the_break_even(priced):
    """The data report.html embeds for its what-if panel give each policy's cost now, and
    the two policies the same cost at a break-even value of breakeven.csv (the panel and
    the file agree); the panel's script is exercised in a browser in test_browser.py."""
    from escalationsim.analysis.breakeven import whatif

    cfg, base, _ = priced
    data = whatif(base.kpis, cfg.scenario)
    means = base.kpis.groupby("policy")["cost_per_complaint"].mean()
    for policy, cost in means.items():
        assert _priced_again(data, policy, {}) == pytest.approx(cost, rel=1e-12)
    table = breakeven_table(base.kpis, cfg.scenario)
    row = table[table["parameter"] == "population.clv_median_usd"].iloc[0]
    value = float(row["breakeven"])
    a, b = (
        _priced_again(data, row[p], {"population.clv_median_usd": value})
        for p in ("policy_a", "policy_b")
    )
    assert a == pytest.approx(b, rel=1e-9)
