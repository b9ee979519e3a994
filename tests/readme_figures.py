"""The README's figures and where each comes from, for ``tests/test_readme.py``.

Each entry of :data:`FIGURES` is a phrase of the README with ``{}`` where its numbers
go, and a function that computes those numbers, formatted as the README prints them,
from the committed results (``results/``) or the configuration (``conf/``). The test
fills each phrase in and looks for it in the README, and checks that every other number
the README's prose quotes is one of the :data:`NOT_RESULTS` (a measurement of a machine,
a year in a citation, ...). A regenerated result that moves a figure therefore fails the
test until the README says the new one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
CONF = ROOT / "src" / "escalationsim" / "conf"


@functools.cache
def csv(path: str) -> pd.DataFrame:
    """A table of the committed results, by its path under results/."""
    return pd.read_csv(RESULTS / path)


@functools.cache
def conf(path: str) -> dict:
    """A YAML file of the configuration, by its path under conf/."""
    return yaml.safe_load((CONF / path).read_text())


def mean(run: str, policy: str, kpi: str, column: str = "mean", **swept: object) -> float:
    """A KPI's mean (or another column of summary.csv) in results/<run>/summary.csv; for
    a sweep, at the swept values given (``volume=100`` selects the column ending in
    ``.volume``... : keys are matched against the end of the swept parameter's name)."""
    df = csv(f"{run}/summary.csv")
    sel = (df["policy"] == policy) & (df["kpi"] == kpi)
    for key, value in swept.items():
        cols = [c for c in df.columns if c == key or c.endswith("." + key)]
        assert len(cols) == 1, (run, key, list(df.columns))
        sel &= df[cols[0]] == value
    rows = df[sel]
    assert len(rows) == 1, (run, policy, kpi, swept, len(rows))
    return float(rows[column].iloc[0])


def pct(x: float, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f}%"


def points(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}"


def num(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def rng(lo: str, hi: str) -> str:
    """A range as the README writes it ("5-6"), or one number if both ends agree."""
    return lo if lo == hi else f"{lo}-{hi}"


Figure = tuple[str, Callable[[], tuple[str, ...]]]

FIGURES: list[Figure] = []
"""Filled in by :func:`figure` below, in the order of the README."""


def figure(phrase: str) -> Callable[[Callable[[], tuple[str, ...]]], Callable]:
    """Declare a README phrase and the function computing its numbers."""

    def add(f: Callable[[], tuple[str, ...]]) -> Callable:
        FIGURES.append((phrase, f))
        return f

    return add


NOT_RESULTS: dict[str, str] = {}
"""Phrases of the README whose numbers are not results, each with why."""


def render(phrase: str, values: tuple[str, ...]) -> str:
    """The phrase with its numbers in."""
    assert phrase.count("{}") == len(values), (phrase, values)
    return phrase.format(*values)


def finite(x: float) -> float:
    assert math.isfinite(x), x
    return x


# --------------------------------------------------------------------------- tables

VALIDATION_METRICS = ("p_wait", "mean_wait_min", "p_abandon", "occupancy", "service_level_20s")
VALIDATION_HEADER = (
    "| case | P(wait) | mean wait (min) | P(abandon) | occupancy | served within 20 s |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
)


def validation_table(ciw: bool) -> str:
    """The README's validation table from results/validation/validation.csv: against
    Erlang C/A ("simulated (analytic)"), or against Ciw ("engine (Ciw) [Allen-Cunneen]")."""
    v = csv("validation/validation.csv")
    cases = [
        c for c in dict.fromkeys(v["case"]) if v[v["case"] == c]["reference"].notna().any() == ciw
    ]
    lines = []
    for case in cases:
        cells = []
        for metric in VALIDATION_METRICS:
            row = v[(v["case"] == case) & (v["metric"] == metric)].iloc[0]
            other = row["reference"] if ciw else row["analytic"]
            cell = f"{row['simulated']:.4f} ({other:.4f})"
            if ciw and pd.notna(row["approximation"]):
                cell += f" [{row['approximation']:.4f}]"
            cells.append(cell)
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return VALIDATION_HEADER + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- helpers


def h(run: str, policy: str, kpi: str) -> float:
    """A run's KPI mean (results/<run>/summary.csv), finite."""
    return finite(mean(run, policy, kpi))


def per_complaint(run: str, policy: str, total: str) -> float:
    """A total over the window (USD) per measured complaint, from the two means."""
    return h(run, policy, total) / h(run, policy, "complaints")


def run_conf() -> dict:
    return conf("config.yaml")["run"]


def scenario() -> dict:
    return conf("scenario/default.yaml")


@functools.cache
def discovery() -> str:
    return (RESULTS / "robustness" / "discovery.md").read_text()


def world_costs() -> pd.DataFrame:
    """Mean cost per complaint by world (rows) and policy (columns) of the study."""
    r = csv("robustness/robustness.csv")
    return r[r["kpi"] == "cost_per_complaint"].pivot_table(
        index="scenario", columns="policy", values="mean"
    )


def cheaper_in(rival: str) -> int:
    c = world_costs()
    return int((c["rigid_script"] < c[rival]).sum())


def rank(policy: str, column: str) -> float:
    r = csv("robustness/ranking.csv").set_index("policy")
    return float(r.loc[policy, column])


def signed(x: float, digits: int = 2) -> str:
    return f"{x:+.{digits}f}" if x > 0 else f"{x:.{digits}f}"


def sweep(run: str, policy: str, kpi: str, **swept: object) -> float:
    return finite(mean(run, policy, kpi, **swept))


def group(run: str, grouping: str, policy: str, group_name: str, column: str) -> float:
    """Mean over replications of a group's figure in results/<run>/groups.csv."""
    g = csv(f"{run}/groups.csv")
    sel = (g["grouping"] == grouping) & (g["policy"] == policy) & (g["group"] == group_name)
    return float(g.loc[sel, column].mean())


def validation_counts() -> dict[str, int]:
    v = csv("validation/validation.csv")
    erlang = v[v["analytic"].notna() & v["reference"].isna()]
    ciw = v[v["reference"].notna()]
    exact = ciw[ciw["analytic"].notna()]
    return {
        "erlang": len(erlang),
        "erlang_in": int(erlang["within_ci"].sum()),
        "ciw": len(ciw),
        "ciw_agree": int(ciw["agrees"].astype(bool).sum()),
        "exact": len(exact),
        "exact_in": int(exact["within_ci"].sum()),
    }


def hours(x: float) -> str:
    return "not reached" if math.isinf(x) else num(x, 1)


# =========================================================================== the figures

H = "headline"
P = "policy_comparison"
S, E, C = "rigid_script", "empowered_rep", "ceo_responds"


# ------------------------------------------------------------ What the headline run shows


@figure("a mid-size consumer business with {}\ncomplaints a day")
def _volume():
    return (num(scenario()["volume_per_day"]),)


@figure("{} replications of {} days (the first {} are warm-up and not\nmeasured, then {} more days")
def _run():
    r = run_conf()
    return (
        str(r["replications"]),
        str(r["horizon_days"]),
        str(r["warmup_days"]),
        str(r["drain_days"]),
    )


@figure("Mean and {} confidence interval over\nreplications")
def _level():
    return ("95%",)  # aggregate.mean_ci's level


@figure("empowering reps (a {} USD budget) resolves {} of complaints instead of\n{}")
def _resolves():
    budget = conf("policy/rep/empowered.yaml")["budget_usd"]
    return (str(budget), pct(h(H, E, "resolution_rate"), 1), pct(h(H, S, "resolution_rate"), 1))


@figure("cuts escalations to the CEO from {} to {} and churn from {} to {}")
def _cuts():
    return (
        pct(h(H, S, "escalation_rate_ceo"), 2),
        pct(h(H, E, "escalation_rate_ceo"), 2),
        pct(h(H, S, "churn_rate"), 1),
        pct(h(H, E, "churn_rate"), 1),
    )


@figure(
    "resolves half of all complaints within {} hours instead of {}; and it costs {}\nUSD less per complaint"
)
def _half():
    saved = h(H, S, "cost_per_complaint") - h(H, E, "cost_per_complaint")
    assert saved > 0
    return (num(h(H, E, "ttr_median_h_all"), 1), num(h(H, S, "ttr_median_h_all"), 1), num(saved, 1))


@figure(
    "the compensation it pays ({} USD per complaint, of which weak\nclaims, not owed under the rules, are {} USD: reps grant {} of them)"
)
def _compensation():
    return (
        num(h(H, E, "redress_cost_per_complaint"), 1),
        num(per_complaint(H, E, "weak_claims_paid_usd"), 2),
        pct(h(H, E, "weak_claims_granted_rate"), 1),
    )


@figure("the churn it saves ({} USD a complaint under the script, {} with empowered reps)")
def _churn_saved():
    return (num(per_complaint(H, S, "cost_churn"), 1), num(per_complaint(H, E, "cost_churn"), 1))


@figure(
    "the ombudsman's cases ({} of complaints under\nthe script end there, at {} USD a complaint, against {} and {} USD with empowered\nreps)"
)
def _ombudsman():
    return (
        pct(h(H, S, "ombudsman_cases_rate"), 2),
        num(h(H, S, "ombudsman_cost_per_complaint"), 1),
        pct(h(H, E, "ombudsman_cases_rate"), 2),
        num(h(H, E, "ombudsman_cost_per_complaint"), 1),
    )


@figure("with {} hours a week, triages")
def _ceo_hours():
    return (str(scenario()["staff"]["ceo"]["hours_per_week"]),)


@figure(
    "word of mouth brings {} of complaints to the CEO ({} under the script); the CEO "
    "answers {} of the letters in person, hands {} to the executive office after {} days, "
    "and the writers of {} give up first"
)
def _floods():
    handover = conf("policy/ceo/responds.yaml")["handover_after_h"] / 24
    assert h(H, C, "unstable_ceo") == 0  # the CEO's inbox is bounded
    return (
        pct(h(H, C, "ceo_channel_share"), 2),
        pct(h(H, S, "ceo_channel_share"), 2),
        pct(h(H, C, "ceo_personal_answer_share"), 1),
        pct(h(H, C, "ceo_handed_to_office_share"), 1),
        f"{handover:g}",
        pct(h(H, C, "letters_abandoned_rate"), 1),
    )


@figure(
    "its queue grows by {} cases a week, {} of the letter writers are answered after the "
    "regulator's {}-day deadline, and the fines ({} USD a complaint) and the CEO's hours "
    "({} USD) make it the dearest policy; without the fines it would still cost {} USD"
)
def _fines():
    days = scenario()["channels"]["ceo"]["response_deadline_days"]
    without = h(H, C, "cost_per_complaint") - per_complaint(H, C, "cost_penalty")
    assert without > max(h(H, S, "cost_per_complaint"), h(H, E, "cost_per_complaint"))
    return (
        num(h(H, C, "backlog_growth_per_week_exec_office")),
        pct(h(H, C, "deadline_breach_rate"), 1),
        str(days),
        num(per_complaint(H, C, "cost_penalty"), 1),
        num(per_complaint(H, C, "cost_ceo"), 1),
        num(without, 1),
    )


@figure(
    "the top {} of\ncustomers by followers are resolved {} points more often than everybody else"
)
def _followers():
    return ("1%", points(h(H, S, "follower_resolution_gap")))


# ------------------------------------------------------------ How robust is this ranking?


@figure("ran all five policies on {} worlds sampled from\ntwenty-nine uncertain parameters")
def _worlds():
    study = conf("experiment/robustness.yaml")["robustness"]
    assert len(conf("uncertainty/default.yaml")) == 29
    return (str(study["scenarios"]),)


@figure("{} replications each,\nthe same customers")
def _study_reps():
    return (str(conf("experiment/robustness.yaml")["run"]["replications"]),)


def minus(a: str, b: str) -> tuple[float, float, float]:
    """Mean and paired 95% interval of ``a``'s cost minus ``b``'s over the worlds."""
    from escalationsim.analysis.aggregate import mean_ci

    c = world_costs()
    return mean_ci((c[a] - c[b]).to_numpy())


def dearer_in(a: str, b: str) -> int:
    c = world_costs()
    return int((c[a] > c[b]).sum())


OMNI = "omnichannel"


@figure(
    "in {} of the worlds\n  (95% CI {}-{}%), with the lowest mean regret ({} USD per complaint above the\n  cheapest policy of each world; largest {}); it costs more than the script in {}\n  worlds and more than empowered reps in {}."
)
def _omni():
    assert (
        min(("rigid_script", E, C, "ceo_redirects", OMNI), key=lambda p: rank(p, "regret_mean"))
        == OMNI
    )
    return (
        pct(rank(OMNI, "best_cost_share"), 1),
        points(rank(OMNI, "best_cost_ci_low"), 0),
        points(rank(OMNI, "best_cost_ci_high"), 0),
        num(rank(OMNI, "regret_mean"), 2),
        num(rank(OMNI, "regret_max"), 1),
        str(dearer_in(OMNI, S)),
        str(dearer_in(OMNI, E)),
    )


@figure("{} USD a complaint (95% CI {} to {}, paired over the worlds)")
def _omni_vs_e():
    d = minus(OMNI, E)
    assert d[2] < 0
    return (signed(d[0]), signed(d[1]), signed(d[2]))


@figure(
    "**The script is the cheapest in {} of the worlds**, with a mean regret of {} USD\n  (largest {})"
)
def _script_share():
    return (
        pct(rank(S, "best_cost_share"), 1),
        num(rank(S, "regret_mean"), 1),
        num(rank(S, "regret_max"), 1),
    )


@figure("It is cheaper than\n  `ceo_responds` in {} of the {} worlds.")
def _robust_lead():
    return (str(cheaper_in(C)), str(len(world_costs())))


@figure(
    "it beats omnichannel when churn is charged over at most {} years of margin and at most "
    "{} of refused owed claims go to an ombudsman ({} of the {} worlds where it does"
)
def _script_box():
    import re

    text = (RESULTS / "robustness" / "discovery.md").read_text()
    m = re.search(
        r"costs more than `rigid_script` when years of margin a churned customer costs <= "
        r"([\d.]+) years and owed claims refused that go to an ombudsman <= ([\d.]+)\** "
        r"\(coverage \d+%: (\d+) of the (\d+) scenarios",
        text,
    )
    assert m, "discovery.md no longer has the script's box"
    assert int(m.group(4)) == dearer_in(OMNI, S)
    years, share, inside, dearer = m.groups()
    return (years, pct(float(share), 1), inside, dearer)


@figure(
    "how long a churned customer is charged for first, then the back office's lead time "
    "(PAWN sensitivity indices of the cost difference between the two leading policies, {} "
    "and {} against a noise floor of {}; `sensitivity.csv`); {} more are above the noise "
    "floor, none by more than {}, and the third, the CEO's hour, has a delta and a Sobol' "
    "index near zero"
)
def _hinges():
    sens = csv("robustness/sensitivity.csv").sort_values("rank")
    top = ["churn_horizon_years", "backoffice_lead_time_mean_h", "ceo_hourly_cost_usd"]
    assert list(sens["parameter"][:3]) == top
    third = sens.iloc[2]
    assert third["delta"] < 0.12 and abs(third["S1"]) < third["S1_conf"] + 0.01
    floor = float(sens["noise_floor"].iloc[0])
    above = sens[sens["pawn"] > floor + 1e-9].iloc[2:]
    return (
        *(num(p, 2) for p in sens["pawn"][:2]),
        num(floor, 2),
        str(len(above)),
        num(math.ceil(100 * (above["pawn"].max() - floor)) / 100, 2),
    )


@figure(
    "no single one flips the order of omnichannel and empowered reps at either end of its "
    "range; charging churn over {} years of margin widens omnichannel's lead most (from {} "
    "to {} USD a complaint)"
)
def _tornado():
    t = csv("tornado/tornado.csv")
    assert (t["policy_a"] == OMNI).all() and (t["policy_b"] == E).all()
    assert not t["flips"].any()
    top = t[t["rank"] == 1].set_index("end")
    assert top["uncertainty"].iloc[0] == "churn_horizon_years"
    return (
        num(top.loc["high", "value"]),
        num(-t["base"].iloc[0], 2),
        num(-top.loc["high", "difference"], 2),
    )


@figure(
    "the script meets the service targets in {} of the worlds, omnichannel\n  in {}, empowered reps in {}. In {} worlds no policy meets them; in the other {}\n  omnichannel is the cheapest policy meeting them in {}, the script in {}, empowered\n  reps in {}."
)
def _service():
    some = int(rank(S, "scenarios_some_meet_targets"))
    return (
        pct(rank(S, "meets_targets_share"), 1),
        pct(rank(OMNI, "meets_targets_share"), 1),
        pct(rank(E, "meets_targets_share"), 1),
        str(len(world_costs()) - some),
        str(some),
        pct(rank(OMNI, "best_meeting_targets_share")),
        pct(rank(S, "best_meeting_targets_share")),
        pct(rank(E, "best_meeting_targets_share")),
    )


# ------------------------------------------------------------ What changed in this version

PREVIOUS_UNCERTAINTIES = 13
"""The previous version's number of uncertainties (d59d48e's conf/uncertainty/default.yaml)."""


@figure("a letter not started within {} days goes to the executive office")
def _handover_days():
    return (f"{conf('policy/ceo/responds.yaml')['handover_after_h'] / 24:g}",)


@figure("below half at every volume from {} complaints a day")
def _never_scales():
    run = "scalability"
    vols = sorted(csv(f"{run}/summary.csv")["scenario.volume_per_day"].unique())
    assert all(sweep(run, C, "ceo_answers_in_person", volume_per_day=v) == 0 for v in vols)
    return (str(vols[0]),)


@figure(
    "The team reviews the mentions every {} hours and alerts bring posts by accounts of {} "
    "followers or more at once: under the status quo the top 1% by followers get an answer "
    "in {} minutes (median) and the bottom half in {}"
)
def _replies():
    review = scenario()["channels"]["social"]["review_interval_h"]
    alert = conf("policy/social/by_influence.yaml")["alert_followers"]
    return (
        f"{review:g}",
        num(alert),
        num(h(H, S, "social_reply_median_min_top1"), 1),
        num(h(H, S, "social_reply_median_min_bottom50"), 1),
    )


@figure("first come, first served (omnichannel) answers them alike ({} and {})")
def _replies_fcfs():
    o = "omnichannel"
    top, bottom = (h(P, o, f"social_reply_median_min_{g}") for g in ("top1", "bottom50"))
    assert 0.8 < top / bottom < 1.25
    return (num(top, 1), num(bottom, 1))


@figure("Under the script {} of emails are answered after their writer has moved on")
def _emails_late():
    return (pct(h(H, S, "emails_answered_late_share"), 1),)


NOT_RESULTS.update(
    {
        "at 1,300 complaints": "the setting of tests/test_email.py",
        "seed 004's question": "the essay's number (the product's seeds)",
    }
)


@figure("{} uncertainties ({} new:")
def _uncertainties():
    n = len(conf("uncertainty/default.yaml"))
    return (str(n), str(n - PREVIOUS_UNCERTAINTIES))


@figure(
    "a responding CEO costs {} USD a complaint (123.7 before); the script {} (84.9) and "
    "empowered reps {} (68.0)."
)
def _moved():
    return tuple(num(h(H, p, "cost_per_complaint"), 1) for p in (C, S, E))


NOT_RESULTS.update(
    {
        "(123.7 before)": "the previous version's figure (d59d48e)",
        "(84.9)": "the previous version's figure (d59d48e)",
        "(68.0).": "the previous version's figure (d59d48e)",
    }
)


# ------------------------------------------------------------ Does the engine agree


def _cases() -> dict:
    return conf("experiment/validation.yaml")["validation"]["cases"]


@figure(
    "six such cases (light load, the published {}-agent example, utilisation {}, {} servers,\nErlang A, and Erlang A with {} Erlangs offered to {} servers)"
)
def _six():
    c = _cases()
    exact = [k for k, v in c.items() if "service_dist" not in v and "patience_dist" not in v]
    assert len(exact) == 6
    heavy = c["heavy"]
    util = heavy["arrivals_per_hour"] * heavy["service_minutes"] / 60 / heavy["servers"]
    over = c["erlang_a_overloaded"]
    return (
        str(c["published"]["servers"]),
        f"{util:.2f}",
        str(c["many_servers"]["servers"]),
        num(over["arrivals_per_hour"] * over["service_minutes"] / 60),
        str(over["servers"]),
    )


@figure("(analytic), {} replications of {} days each:")
def _validation_runs():
    v = conf("experiment/validation.yaml")["validation"]
    return (str(v["replications"]), str(v["horizon_days"]))


@figure("All {} analytic values lie inside the simulated {} confidence intervals.")
def _erlang_in():
    n = validation_counts()
    assert n["erlang_in"] == n["erlang"]
    return (str(n["erlang"]), pct(conf("experiment/validation.yaml")["validation"]["level"]))


@figure("Five\nmore cases are therefore simulated a second time in")
def _five():
    assert validation_counts()["ciw"] == 5 * len(VALIDATION_METRICS)
    return ()


@figure("Engine (Ciw) [Allen-Cunneen], {}\nreplications of {} days each in both:")
def _ciw_runs():
    return _validation_runs()


@figure("All {} pairs agree at {}, and the {} values exact for any distribution")
def _ciw_agree():
    n = validation_counts()
    assert n["ciw_agree"] == n["ciw"] and n["exact_in"] == n["exact"]
    return (
        str(n["ciw"]),
        pct(conf("experiment/validation.yaml")["validation"]["level"]),
        str(n["exact"]),
    )


NOT_RESULTS.update(
    {
        "with 99.9% intervals": "the test suite's level (tests/test_validation.py)",
        "whose service times are 5%\ntoo long": "the test's perturbation (tests/test_validation.py)",
        "at 99.9% and show": "the slow tests' level (tests/test_ciw_reference.py)",
        "a Welch interval containing 0": "the criterion, not a result",
    }
)


# ------------------------------------------------------------ Reference results


@figure(
    "omnichannel is the cheapest per complaint ({} USD); empowered reps cost {} and the\n  script {} USD, and omnichannel and empowered reps resolve {} and {} of complaints\n  instead of {}"
)
def _pc():
    cost = {p: h(P, p, "cost_per_complaint") for p in ("omnichannel", E, S)}
    assert cost["omnichannel"] < cost[E] < cost[S]
    return (
        num(cost["omnichannel"], 1),
        num(cost[E], 1),
        num(cost[S], 1),
        pct(h(P, "omnichannel", "resolution_rate"), 1),
        pct(h(P, E, "resolution_rate"), 1),
        pct(h(P, S, "resolution_rate"), 1),
    )


@figure("owner ({} USD) is cheaper than one who answers personally ({} USD)")
def _pc_ceo():
    return (
        num(h(P, "ceo_redirects", "cost_per_complaint"), 1),
        num(h(P, C, "cost_per_complaint"), 1),
    )


@figure(
    "{} of letter writers are answered after the deadline ({} under a responding CEO, "
    "whose office gets the {} of letters the CEO does not reach in three days)"
)
def _pc_sign():
    assert "managers" in str(
        csv(f"{P}/kpis.csv").query("policy == 'ceo_redirects'")["unstable_queues"].iloc[0]
    )
    return (
        pct(h(P, "ceo_redirects", "deadline_breach_rate"), 1),
        pct(h(P, C, "deadline_breach_rate"), 1),
        pct(h(P, C, "ceo_handed_to_office_share"), 1),
    )


def _first(run: str, policy: str, kpi: str, test) -> object:
    """The first swept volume at which ``test`` holds for the policy's mean."""
    df = csv(f"{run}/summary.csv")
    col = next(c for c in df.columns if c.endswith("volume_per_day"))
    for v in sorted(df[col].unique()):
        if test(mean(run, policy, kpi, volume_per_day=v)):
            return v
    return None


@figure(
    "the share of letters the CEO answers in person falls from {} at {} complaints a day to "
    "{} at {}, below half at every volume"
)
def _scal_person():
    run = "scalability"
    vols = sorted(csv(f"{run}/summary.csv")["scenario.volume_per_day"].unique())
    share = [sweep(run, C, "ceo_personal_answer_share", volume_per_day=v) for v in vols]
    assert max(share) < 0.5 and share == sorted(share, reverse=True)
    return (pct(share[0], 1), str(vols[0]), pct(share[-1], 1), num(vols[-1]))


@figure(
    "down to {} complaints a day; `ceo_redirects` meets them up to {} a day and breaks from "
    "{}, where its owners (the managers) are the queue that grows"
)
def _scal():
    run, r = "scalability", "ceo_redirects"
    vols = sorted(csv(f"{run}/summary.csv")["scenario.volume_per_day"].unique())
    assert all(sweep(run, C, "meets_targets", volume_per_day=v) == 0 for v in vols)
    breaks = _first(run, r, "meets_targets", lambda x: x < 0.5)
    before = vols[vols.index(breaks) - 1]
    k = csv(f"{run}/all_kpis.csv")
    col = next(c for c in k.columns if c.endswith("volume_per_day"))
    at = k[(k["policy"] == r) & (k[col] == breaks)]["unstable_queues"].astype(str)
    assert at.str.contains("managers").any()
    return (str(vols[0]), str(before), str(breaks))


@figure(
    "Omnichannel meets them up to {} a day; at {}, with emails kept until answered, its "
    "reps, who answer every post, fall behind (their queue grows) and {} of its emails are "
    "answered after their writer moved on."
)
def _scal_omni():
    run, o = "scalability", "omnichannel"
    vols = sorted(csv(f"{run}/summary.csv")["scenario.volume_per_day"].unique())
    breaks = _first(run, o, "meets_targets", lambda x: x < 0.5)
    before = vols[vols.index(breaks) - 1]
    k = csv(f"{run}/all_kpis.csv")
    col = next(c for c in k.columns if c.endswith("volume_per_day"))
    at = k[(k["policy"] == o) & (k[col] == breaks)]["unstable_queues"].astype(str)
    assert at.str.contains("reps").all()
    late = sweep(run, o, "emails_answered_late_share", volume_per_day=breaks)
    return (num(before), num(breaks), pct(late, 1))


@figure(
    "a\n  complaint costs {} USD at {} a day and {} at {}, as rep occupancy rises from {}\n  to {}."
)
def _scal_cost():
    run = "scalability"
    return (
        num(sweep(run, S, "cost_per_complaint", volume_per_day=25), 1),
        "25",
        num(sweep(run, S, "cost_per_complaint", volume_per_day=1600), 1),
        "1,600",
        pct(sweep(run, S, "occupancy_reps", volume_per_day=25)),
        pct(sweep(run, S, "occupancy_reps", volume_per_day=1600)),
    )


@figure(
    "under the script the top 1% by\n  followers are resolved {} points more often than the rest; empowered reps close the gap\n  ({} points)"
)
def _fair():
    return (
        points(h("fairness", S, "follower_resolution_gap")),
        points(h("fairness", E, "follower_resolution_gap")),
    )


@figure(
    "answers {} of the top 1%'s posts and {} of the bottom half's (first come first\n  served, omnichannel answers {} of everyone's)"
)
def _fair_social():
    tier = "follower_tier_on_social"
    return (
        pct(group("fairness", tier, S, "top 1%", "posts_answered_share"), 1),
        pct(group("fairness", tier, S, "bottom 50%", "posts_answered_share"), 1),
        pct(h("fairness", "omnichannel", "social_answer_rate"), 1),
    )


@figure(
    "Social-first complainers are resolved\n  least often ({} against {} for phone-first under the script)"
)
def _fair_channel():
    return (
        pct(group("fairness", "first_channel", S, "social", "resolution_rate"), 1),
        pct(group("fairness", "first_channel", S, "phone", "resolution_rate"), 1),
    )


def _blend(share: str, team: str, kpi: str) -> float:
    return mean("blended_social", S, kpi, public_share=share, social_team=team)


@figure("from {} to {} of complaints posted first on social:")
def _blend_range():
    return ("4%", "30%")


def blended_table() -> str:
    """The README's table of the blended_social sweep, from its summary.csv."""
    rows = []
    for share, label in (("p04", "4%"), ("p10", "10%"), ("p20", "20%"), ("p30", "30%")):
        cells = [label]
        for team in ("blended", "separate"):
            cells += [
                pct(_blend(share, team, "phone_abandon_rate"), 1),
                hours(_blend(share, team, "email_ttr_median_h")),
            ]
        rows.append("  | " + " | ".join(cells) + " |")
    return "\n".join(rows)


@figure("two people around the clock are {} busy at\n  4% and {} at 30%.")
def _separate():
    return (
        pct(_blend("p04", "separate", "occupancy_social"), 1),
        pct(_blend("p30", "separate", "occupancy_social"), 1),
    )


SHIFTS = (
    ("around_the_clock", "around the clock"),
    ("extended_hours", "07-23 every day"),
    ("business_hours", "office hours"),
    ("profiled", "fitted to the profile (default)"),
)


def shifts_table() -> str:
    rows = []
    for key, label in SHIFTS:
        m = lambda kpi, k=key: mean("shifts", S, kpi, staffing=k)  # noqa: E731
        cells = [
            label,
            pct(m("phone_abandon_rate"), 1),
            hours(m("ttr_median_h_all")),
            hours(m("email_ttr_median_h")),
            pct(m("occupancy_reps")),
            num(m("cost_per_complaint"), 1),
        ]
        rows.append("  | " + " | ".join(cells) + " |")
    return "\n".join(rows)


@figure("fewer customers give up ({} against {})")
def _shifts_gave_up():
    others = [mean("shifts", S, "gave_up_rate", staffing=k) for k, _ in SHIFTS[:3]]
    return (
        pct(mean("shifts", S, "gave_up_rate", staffing="profiled"), 1),
        rng(pct(min(others), 1)[:-1], pct(max(others), 1)),
    )


def _screen(kpi: str, policy: str = E, **where: object) -> list[float]:
    df = csv("screening/summary.csv")
    sel = (df["policy"] == policy) & (df["kpi"] == kpi)
    for key, value in where.items():
        col = next(c for c in df.columns if c.endswith("." + key))
        sel &= df[col] == value
    return df.loc[sel, "mean"].tolist()


@figure("rep budgets of {} to {} USD, {} to {} weak claims and {} or {} of grants audited")
def _screen_grid():
    df = csv("screening/summary.csv")
    col = lambda k: sorted(df[next(c for c in df.columns if c.endswith("." + k))].unique())  # noqa: E731
    b, w, a = col("budget_usd"), col("weak_share"), col("audit_fraction")
    return (num(b[0]), num(b[-1]), pct(w[0]), pct(w[-1]), pct(a[0]), pct(a[-1]))


@figure("empowered reps cost {} USD a complaint against the script's {}")
def _screen_cost():
    e, s = _screen("cost_per_complaint"), _screen("cost_per_complaint", S)
    assert max(e) < min(s)  # empowerment pays at every point of the grid
    return (
        rng(num(min(e), 1), num(max(e), 1)),
        rng(num(min(s), 1), num(max(s), 1)),
    )


@figure(
    "A {} USD budget sends most claims to a manager, who refuses legitimate claims {}\n  of the time ({} under the script)"
)
def _screen_low():
    low = _screen("legit_claims_refused_rate", budget_usd=50)
    script = _screen("legit_claims_refused_rate", S)
    return ("50", rng(pct(min(low), 1)[:-1], pct(max(low), 1)), pct(sum(script) / len(script)))


@figure("audits bring the reps' error rate\n  from {} down to {} over {} days")
def _screen_coaching():
    start = _screen("rep_error_rate_start")
    coached = _screen("rep_error_rate_end", coaching=True, budget_usd=200) + _screen(
        "rep_error_rate_end", coaching=True, budget_usd=1000
    )
    uncoached = _screen("rep_error_rate_end", coaching=False)
    assert max(abs(u - start[0]) for u in uncoached) < 1e-12  # without coaching: unchanged
    days = conf("experiment/screening.yaml")["run"]["horizon_days"]
    return (pct(start[0], 1), rng(pct(min(coached), 1)[:-1], pct(max(coached), 1)), str(days))


def _cc(policy: str, kpi: str, hours_: int, volume: int) -> float:
    return mean("ceo_channel", policy, kpi, hours_per_week=hours_, volume_per_day=volume)


@figure(
    "at 100 complaints a day, {}, {} and {} of complaints go to the CEO with 2, 4 and 8 "
    "hours a week (every answer advertises the inbox), and the CEO answers {}, {} and {} of "
    "the letters in person"
)
def _cc_flood():
    go = tuple(pct(_cc(C, "ceo_channel_share", hh, 100), 1) for hh in (2, 4, 8))
    person = tuple(pct(_cc(C, "ceo_personal_answer_share", hh, 100), 1) for hh in (2, 4, 8))
    return go + person


@figure(
    "meets the service targets, no deadline missed, up to {} a day with any of the budgets; "
    "at {} a day and more the owners run out."
)
def _cc_redirect():
    r = "ceo_redirects"
    for hh in (2, 4, 8):
        for v in (100, 300):
            assert (
                _cc(r, "meets_targets", hh, v) == 1.0 and _cc(r, "deadline_breach_rate", hh, v) == 0
            )
    assert all(_cc(r, "meets_targets", hh, v) == 0 for hh in (2, 4, 8) for v in (1000, 3000))
    assert all(_cc(C, "meets_targets", hh, v) == 0 for hh in (2, 4, 8) for v in (100, 300, 1000))
    return ("300", "1,000")


@figure(
    "(40 trials of 2\n  replications, the best three confirmed with 10 fresh ones): {} of the {} trials met\n  every target."
)
def _opt_trials():
    t = csv("optimize/trials.csv")
    o = conf("experiment/optimize.yaml")["optimize"]
    assert (o["trials"], o["replications"], o["confirm_top"], o["confirm_replications"]) == (
        40,
        2,
        3,
        10,
    )
    return (str(int((t["meets_targets"] >= 1.0).sum())), str(len(t)))


@figure(
    "The best ({}) costs {} USD per complaint (95%\n  CI {}-{}) with {} / {} / {} / {} reps on the night / early / day / late shifts, one\n  team lead, a {} USD budget and {} of grants audited"
)
def _opt_best():
    b = csv("optimize/best.csv").iloc[0]
    assert b["team_leads"] == 1
    return (
        str(b["verdict"]),
        num(b["cost_per_complaint"], 1),
        num(b["cost_per_complaint_ci_low"], 1),
        num(b["cost_per_complaint_ci_high"], 1),
        *(str(int(b[f"reps_{s}"])) for s in ("night", "early", "day", "late")),
        num(b["rep_budget_usd"]),
        pct(b["audit_fraction"]),
    )


@figure("empowered reps on the calibrated hourly roster ({} in the headline run)")
def _opt_vs():
    return (num(h(H, E, "cost_per_complaint"), 1),)


NOT_RESULTS.update(
    {
        "within the 5-12% range": "practitioners' range (docs/sources.md)",
        "The study took about 33 minutes": "a measurement of this machine (2026-12-07)",
        "(measured 2026-12-07;": "a date",
    }
)


@figure(
    "from {} of complaints posted on social, fewer than half of the complaints first emailed are ever resolved"
)
def _blend_not_reached():
    shares = (("p04", "4%"), ("p10", "10%"), ("p20", "20%"), ("p30", "30%"))
    flags = [math.isinf(_blend(k, "blended", "email_ttr_median_h")) for k, _ in shares]
    first = flags.index(True)
    assert all(flags[first:]) and not any(flags[:first])
    assert not any(math.isinf(_blend(k, "separate", "email_ttr_median_h")) for k, _ in shares)
    return (shares[first][1],)


def _rc(policy: str, kpi: str, volume: int, fix: bool = True, every: bool = False) -> float:
    return mean("root_cause", policy, kpi, enabled=fix, all_channels=every, volume_per_day=volume)


@figure(
    "The company's review finds a cause once {} documented failures of it (a failed\n  "
    "contact, every channel it reached ticketed) come within {} days; its fix ships {} days\n  "
    "later."
)
def _rc_rule():
    rc = conf("policy/root_cause/top_cause.yaml")
    assert rc["evidence"] == "failures" and rc["max_fixes"] == 1
    return (str(rc["detect_after"]), f"{rc['window_days']:g}", f"{rc['lead_days']:g}")


@figure(
    "Fixing the most frequent cause prevents {} of the script's complaints over\n  the {} "
    "days at {} a day and lowers its cost per day by {}, though each remaining\n  complaint "
    "costs more ({} USD against {}: the staff stay)."
)
def _rc_volume():
    days = conf("experiment/root_cause.yaml")["run"]["horizon_days"]
    big = max(
        conf("experiment/root_cause.yaml")["hydra"]["sweeper"]["params"][
            "scenario.volume_per_day"
        ].split(","),
        key=int,
    )
    v = int(big)
    on, off = (_rc(S, "cost_per_day", v, fix) for fix in (True, False))
    return (
        pct(_rc(S, "prevented_share", v), 1),
        str(days),
        num(v),
        pct(1 - on / off, 1),
        num(_rc(S, "cost_per_complaint", v), 1),
        num(_rc(S, "cost_per_complaint", v, fix=False), 1),
    )


@figure(
    "under the script on day {} rather\n  than {} at {} complaints a day and {} rather than "
    "{} at {}, alike at {} ({}\n  and {})."
)
def _rc_sooner():
    out: list[str] = []
    for v in (100, 300):
        out += [num(_rc(S, "root_cause_detected_day", v, every=e), 1) for e in (True, False)]
        out.append(num(v))
    out.append(num(1000))
    out += [num(_rc(S, "root_cause_detected_day", 1000, every=e), 1) for e in (True, False)]
    return tuple(out)


@figure(
    "at {} a day their top cause is found on day {} with tickets on every\n  channel, and "
    "not at all in the {} days with tickets on phone and email only."
)
def _rc_empowered():
    assert math.isnan(_rc(E, "root_cause_detected_day", 100))
    days = conf("experiment/root_cause.yaml")["run"]["horizon_days"]
    return ("100", num(_rc(E, "root_cause_detected_day", 100, every=True), 1), str(days))


@figure("the five policies on {} worlds sampled from the uncertainties")
def _study_worlds():
    return (str(len(world_costs())),)


_MEASURED = "a measurement of this machine on 2026-12-07 (docs/performance.md), not a result"
NOT_RESULTS.update(
    {
        "Measured on this two-core machine on 2026-12-07": _MEASURED,
        "runs about 40,000-45,000 complaints a second": _MEASURED,
        "a year of a 1,000-a-day company in about 9 seconds": _MEASURED,
        "0.98-1.05x its speed at the start of this version (the owner's bound is 0.9x)": _MEASURED,
        "the\nresponding CEO's model at 0.86-0.93x": _MEASURED,
        "(13% more events for the same\ncustomers": _MEASURED,
        "as fast as a minimal SimPy M/M/c model (1.00-1.01x; the target is 1.0x)": _MEASURED,
        "under the 1 GiB target for every\nheadline policy (991 MiB for the worst": _MEASURED,
    }
)
