"""report.html: one self-contained page (no external resource), well-formed, showing the
numbers of summary.csv that it claims to show; plots as inline SVG; the validation
against Erlang C/A in the method; posts answered on social media by follower tier in the
answer."""

from __future__ import annotations

import html
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from escalationsim.analysis import kpis as kpi_registry
from escalationsim.app import html_report
from escalationsim.app.report import build_report
from tests.cli import run_cli

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

VOID = {"meta", "img", "br", "hr", "input", "link", "col", "area", "base", "source", "wbr"}


class _Checker(HTMLParser):
    """Tag balance, external resources, and the KPI cells."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.external: list[str] = []
        self.cells: list[dict[str, str]] = []
        self.validation: list[dict[str, str]] = []
        self.ids: list[str] = []
        self.refs: list[str] = []
        self.svgs: list[str] = []  # the title of each plot drawn as inline SVG
        self.scripts = 0  # inline scripts
        self._cell: dict[str, str] | None = None
        self._title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href", "xlink:href"):
            if name not in a:
                continue
            v = a[name] or ""
            if not v.startswith(("data:", "#")):  # embedded, or a link within the page
                self.external.append(f"{tag} {name}={v[:40]}")
            elif v.startswith("#"):
                self.refs.append(v[1:])
        for v in a.values():  # clip paths, hatches: url(#id) within the page only
            if v and "url(" in v:
                refs = re.findall(r"url\(([^)]*)\)", v)
                self.external += [r for r in refs if not r.startswith("#")]
                self.refs += [r[1:] for r in refs if r.startswith("#")]
        if "id" in a:
            self.ids.append(a["id"])
        if tag in ("link", "iframe", "image", "object", "embed"):
            self.external.append(tag)
        if tag == "script":  # inline only (the what-if panel's); one with src is external
            self.scripts += 1
        if tag == "td" and ("data-kpi" in a or "data-case" in a):
            self._cell = {**a, "text": ""}
        if tag == "svg" and a.get("class") == "plot":
            self.svgs.append("")
        self._title = tag == "title" and bool(self.svgs) and "svg" in self.stack
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        self._title = False
        if tag == "td" and self._cell is not None:
            (self.cells if "data-kpi" in self._cell else self.validation).append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        if self._title:
            self.svgs[-1] += data


def _check(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "run"
    proc = run_cli(
        ["run.replications=3", "run.horizon_days=8", "run.warmup_days=2", "run.drain_days=3"]
        + ["run.workers=1", "scenario.volume_per_day=200", f"hydra.run.dir={out}"]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_the_page_is_self_contained_and_well_formed(run):
    text = (run / "report.html").read_text()
    checker = _check(text)
    assert not checker.errors, checker.errors[:5]
    assert checker.stack == [], checker.stack
    assert not checker.external, checker.external
    # the what-if panel: its data and its script inline, left out when printed
    assert checker.scripts == 2 and 'id="whatif"' in text
    assert re.search(r"@media print \{[^@]*\.whatif \{ display: none; \}", text)
    # the plots' ids (clip paths, markers, hatches) are unique on the page, and every
    # reference to one finds it
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    assert checker.refs and set(checker.refs) <= set(checker.ids)


def test_every_plot_is_inline_svg_and_its_png_is_still_written(run):
    """The plots are vector graphics in the page (sharp in print, their text searchable),
    one per PNG plot in the folder, which the README and report.md keep using."""
    text = (run / "report.html").read_text()
    pngs = sorted(run.glob("*.png"))
    assert len(pngs) >= 6
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert "data:image/png" not in text
    from escalationsim.app.plots import caption

    # each plot's title (its caption): what it shows, not its file name
    assert _check(text).svgs == [caption(p.name) for p in pngs]
    assert all(len(c.split()) > 8 for c in _check(text).svgs)
    assert "<text" in text and "cost per complaint (USD, incl. churn)" in text  # text as text
    # with PNG data URIs this run's page had 697,473 bytes; with inline SVG, 263,300
    assert len(text.encode()) < 400_000


def test_a_png_the_report_did_not_draw_is_embedded_as_it_is(run, tmp_path):
    """A PNG in the folder that this report does not draw (from another tool or an older
    version) is still shown, as a data URI, beside the inline SVG of the others."""
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    shutil.copy(copy / "cost_breakdown.png", copy / "zz_extra.png")
    build_report(copy)
    text = (copy / "report.html").read_text()
    checker = _check(text)
    assert text.count("data:image/png;base64,") == 1
    assert len(checker.svgs) == len(list(copy.glob("*.png"))) - 1
    assert not checker.errors and not checker.external


def test_the_numbers_shown_are_those_of_summary_csv(run):
    checker = _check((run / "report.html").read_text())
    summary = pd.read_csv(run / "summary.csv")
    fmts = {k.name: k.fmt for k in kpi_registry.view("headline")}
    censored = {k.name for k in kpi_registry.view("headline") if k.censored}
    assert len(checker.cells) == len(fmts) * summary["policy"].nunique()
    for cell in checker.cells:
        row = summary[(summary.policy == cell["data-policy"]) & (summary.kpi == cell["data-kpi"])]
        mean = float(row["mean"].iloc[0])
        assert float(cell["data-mean"]) == pytest.approx(mean, rel=1e-12, nan_ok=True)
        if cell["text"].startswith("unstable: "):  # a wait whose queue grew without bound
            kpi = kpi_registry.by_name()[cell["data-kpi"]]
            pools = [q for q in kpi.queues if f"unstable_{q}" in set(summary.kpi)]
            unstable = summary[(summary.policy == cell["data-policy"])].set_index("kpi")["mean"]
            assert any(unstable[f"unstable_{q}"] >= 0.5 for q in pools), cell
            continue
        if math.isnan(mean):
            shown = "n/a"
        elif math.isinf(mean):
            assert cell["data-kpi"] in censored  # a Kaplan-Meier quantile not reached
            shown = "not reached"
        else:
            shown = fmts[cell["data-kpi"]].format(mean)
        assert cell["text"].startswith(shown), (cell, shown)


def test_the_answer_names_the_cheapest_policy_and_the_assumptions_their_sources(run):
    text = (run / "report.html").read_text()
    summary = pd.read_csv(run / "summary.csv")
    cost = summary[summary.kpi == "cost_per_complaint"].set_index("policy")["mean"]
    assert f"{cost.idxmin()} is the cheapest policy" in text
    assert "scenario.volume_per_day" in text
    assert "assumption: complaints per day of a mid-size consumer business" in text
    assert "escalationsim run.replications=3" in text  # the command that reproduces it
    # what would change the answer: the pricing parameters' break-even values of the run
    table = pd.read_csv(run / "breakeven.csv")
    assert set(table["policy_a"]) == {cost.idxmin()}
    assert "What would change the answer (breakeven.csv)" in text


def test_the_answer_says_what_its_confidence_covers_and_what_the_cheapest_gives_up(run):
    """Every verdict names what its confidence covers; the trade-off between the cheapest
    policy and the next is stated from summary.csv (resolution and churn, in points);
    the precision of the cost difference and the run's adequacy are said."""
    text = html.unescape(re.sub(r"<[^>]+>", "", (run / "report.html").read_text()))
    summary = pd.read_csv(run / "summary.csv").set_index(["policy", "kpi"])["mean"]
    cost = summary.xs("cost_per_complaint", level="kpi").sort_values()
    best, second = cost.index[0], cost.index[1]
    # each verdict (the cheapest, and the one against every other policy) says what it covers
    from escalationsim.analysis.ranking import COVERS

    verdicts = [s for s in re.split(r"(?<=\.)\s+", text) if "confidence" in s and "cheapest" in s]
    assert len(verdicts) >= 2 and all(COVERS in s for s in verdicts), verdicts
    assert f"What {best} gives up for its lower cost" in text
    res = summary[(second, "resolution_rate")] - summary[(best, "resolution_rate")]
    assert f"What {second} buys for" in text and f"({100 * res:+.1f} points)" in text
    assert "Precision: the 3 replications" in text or "Precision: 3 replications" in text
    assert "Run adequacy:" in text


def test_the_answer_flags_too_few_replications_and_a_window_that_is_not_stationary():
    """Two replications: every interval too imprecise. A responding CEO at this volume:
    an inbox that grows without bound, a window that does not look stationary."""
    from escalationsim import compose, simulate

    res = simulate(
        compose(
            ["run.policies=[rigid_script,ceo_responds]", "run.replications=2"]
            + ["run.horizon_days=42", "run.warmup_days=7", "run.workers=1", "run.records=false"]
        )
    )
    answer = " ".join(html_report.answer(res.kpis, res.summary, ["rigid_script", "ceo_responds"]))
    assert "2 replications only; every interval of this report is too imprecise" in answer
    assert "does not look stationary for ceo_responds" in answer
    assert "rigid_script in" not in answer.split("does not look stationary")[1]


# ------------------------------------------------------------------ validation (method)

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "validation"


def test_the_method_shows_the_committed_validation_against_erlang_c_and_a(run):
    """The run's folder has no validation beside it: the reference committed with the
    source (results/validation) is shown, cell by cell as in its validation.csv."""
    text = (run / "report.html").read_text()
    table = pd.read_csv(REFERENCE / "validation.csv")
    shown = _check(text).validation
    metrics = [m for m, _ in html_report.VALIDATION_METRICS]
    assert len(shown) == len(table[table.metric.isin(metrics)]) > 0
    for cell in shown:
        row = table[(table.case == cell["data-case"]) & (table.metric == cell["data-metric"])]
        assert float(cell["data-simulated"]) == pytest.approx(float(row["simulated"].iloc[0]))
        exact = row["analytic"].iloc[0]
        against = exact if pd.notna(exact) else row["reference"].iloc[0]
        if pd.notna(against):
            assert f"({against:.3g})" in cell["text"]
    ok = table.within_ci.where(table.analytic.notna(), table.agrees).dropna().astype(bool)
    assert f"{int(ok.sum())} of {len(ok)} comparisons pass" in text
    assert "the reference validation kept with the source code" in text
    assert "Erlang A" in text and "Ciw (no exact formula)" in text


def _study(tmp_path, run) -> Path:
    """A copy of the run in ``study/run``: its report looks for ``study/validation``."""
    copy = tmp_path / "study" / "run"
    shutil.copytree(run, copy)
    return copy


def test_without_a_validation_the_method_names_the_command(run, tmp_path, monkeypatch):
    monkeypatch.setattr(html_report, "REFERENCE_VALIDATION", tmp_path / "none")
    copy = _study(tmp_path, run)
    build_report(copy, plots=False)
    text = (copy / "report.html").read_text()
    assert 'class="validation"' not in text
    assert "agrees with Erlang C and Erlang A within the confidence intervals" in text
    assert "escalationsim experiment=validation" in text


def test_a_validation_beside_the_run_is_shown_unless_it_was_altered(run, tmp_path, monkeypatch):
    """A validation run in ``validation`` beside the run's folder (as in results/) comes
    first; once its validation.csv no longer matches its manifest it is not shown."""
    monkeypatch.setattr(html_report, "REFERENCE_VALIDATION", tmp_path / "none")
    copy = _study(tmp_path, run)
    beside = copy.parent / "validation"
    shutil.copytree(REFERENCE, beside)
    build_report(copy, plots=False)
    text = (copy / "report.html").read_text()
    assert "the validation run in ../validation beside this folder" in text
    assert len(_check(text).validation) > 0
    csv = beside / "validation.csv"
    csv.write_text(csv.read_text().replace("light,", "LIGHT,"))
    build_report(copy, plots=False)
    text = (copy / "report.html").read_text()
    assert 'class="validation"' not in text and "LIGHT" not in text


# ------------------------------------------------------------ fairness on social (answer)


def test_the_answer_gives_public_posts_answered_by_follower_tier(run):
    """The sentence is built from groups.csv: the share of public posts answered, top
    follower tier against the bottom one, mean over replications."""
    text = (run / "report.html").read_text()
    groups = pd.read_csv(run / "groups.csv")
    social = groups[groups.grouping == "follower_tier_on_social"]
    summary = pd.read_csv(run / "summary.csv")
    cost = summary[summary.kpi == "cost_per_complaint"].set_index("policy")["mean"]
    base, best = summary["policy"].iloc[0], cost.idxmin()
    share = social.groupby(["policy", "group"])["posts_answered_share"].mean()
    top, bottom = share[(best, "top 1%")], share[(best, "bottom 50%")]
    sentence = re.search(r"On social media, where the effect of followers arises[^<]*", text)
    assert sentence, "no sentence on social media"
    sentence = html.unescape(sentence.group(0))
    assert f"{share[(base, 'top 1%')]:.0%} of the public posts of the top 1%" in sentence
    assert f"against {share[(base, 'bottom 50%')]:.0%} for the bottom 50%" in sentence
    assert f"under {best} (the " in sentence and f"{top:.0%}" in sentence
    assert f"{bottom:.0%}" in sentence
    for policy in summary["policy"].unique():  # every policy, from the cheapest up
        assert f"under {policy}" in sentence


def test_the_social_sentence_gives_the_status_quo_then_each_policy_from_the_cheapest():
    rows = []
    for policy, top, bottom in (("script", 0.7, 0.2), ("reps", 0.6, 0.55), ("ceo", 0.9, 0.1)):
        for rep in (0, 1):
            for tier, share, wait in (("top 1%", top, 0.05), ("bottom 50%", bottom, 2.0)):
                rows.append(
                    {
                        "policy": policy,
                        "replication": rep,
                        "grouping": "follower_tier_on_social",
                        "group": tier,
                        "posts_answered_share": share + 0.02 * rep,
                        "first_post_wait_median_h": wait,
                    }
                )
    groups = pd.DataFrame(rows)
    ranked = ["reps", "script", "ceo"]  # by cost
    sentence = html_report.social_fairness(groups, ["script", "reps", "ceo"], ranked)
    assert sentence == (
        "On social media, where the effect of followers arises (mean over replications): "
        "under script (the status quo), 71% of the public posts of the top 1% of customers "
        "by followers were answered against 21% for the bottom 50% (median wait for the "
        "answer to the first post 3.0 min against 2.0 h); under reps (the cheapest), 61% "
        "against 56% (3.0 min against 2.0 h); under ceo, 91% against 11% (3.0 min against "
        "2.0 h)."
    )
    damaged = groups.assign(posts_answered_share="?")  # read, not a number: n/a, no crash
    assert "n/a of the public posts" in html_report.social_fairness(damaged, ["script"], [])
    no_wait = groups.drop(columns=["first_post_wait_median_h"])
    assert html_report.social_fairness(no_wait, ["script"], ["script"]) is None
    assert html_report.social_fairness(None, ["script"], ["script"]) is None
    assert html_report.social_fairness(groups.iloc[:0], ["script"], ["script"]) is None


def _beside(run, tmp_path, volume=None):
    """The run copied next to a copy of the reference robustness study, whose recorded
    scenario is made the run's own (or the run's with another volume)."""
    import yaml

    root = tmp_path / "results"
    shutil.copytree(run, root / "headline")
    study = root / "robustness"
    study.mkdir()
    ref = Path(__file__).resolve().parents[1] / "results" / "robustness"
    for name in ("ranking.csv", "discovery.md", "sensitivity.csv"):
        shutil.copy(ref / name, study / name)
    recorded = yaml.safe_load((ref / "multirun.yaml").read_text())
    scenario = yaml.safe_load((run / ".hydra" / "config.yaml").read_text())["scenario"]
    if volume is not None:
        scenario["volume_per_day"] = volume
    recorded["scenario"] = scenario
    (study / "multirun.yaml").write_text(yaml.safe_dump(recorded))
    _sign(study)
    return root / "headline"


def _sign(study: Path) -> None:
    """Record the study's files as its report would have written them."""
    from escalationsim.app import manifest

    manifest.write_report_manifest(
        study, ["ranking.csv", "discovery.md", "sensitivity.csv", "multirun.yaml"]
    )


def test_a_robustness_study_of_the_same_scenario_beside_the_run_is_in_the_answer(run, tmp_path):
    from escalationsim.app.report import build_report

    folder = _beside(run, tmp_path)
    build_report(folder)
    text = html.unescape((folder / "report.html").read_text())
    assert (
        "Robustness (a study of this scenario's uncertainties in ../robustness, "
        "200 sampled worlds, 5 policies)" in text
    )
    assert "has the lowest mean regret and is the cheapest policy in" in text
    # a box of conditions where the leader loses, when the study's discovery found one
    found = [
        ln
        for ln in (folder.parent / "robustness" / "discovery.md").read_text().splitlines()
        if ln.startswith("**")
    ]
    assert ("When it flips: " in text) == bool(found)
    box = (
        "**`omnichannel` costs more than `rigid_script` when median customer value > 900 USD** "
        "(coverage 80%: 4 of the 5 scenarios where it costs more are in this box)"
    )
    discovery = folder.parent / "robustness" / "discovery.md"
    discovery.write_text("# Scenario discovery\n\n" + box + "\n")  # the study's first box
    _sign(discovery.parent)
    build_report(folder)
    text = html.unescape((folder / "report.html").read_text())
    assert (
        "When it flips: omnichannel costs more than rigid_script when median customer value "
        "> 900 USD." in text
    )
    sens = pd.read_csv(folder.parent / "robustness" / "sensitivity.csv").set_index("parameter")
    clv = int(sens.loc["clv_median_usd", "rank"])  # the customer value, in the assumptions
    assert f"uncertain; sensitivity rank {clv} of {len(sens)}" in text
    other = _beside(run, tmp_path / "other", volume=5000)
    build_report(other)
    assert "Robustness (a study" not in (other / "report.html").read_text()  # another scenario


@pytest.mark.parametrize("sign_again", [False, True])
def test_a_study_edited_since_it_was_written_or_impossible_is_not_quoted(run, tmp_path, sign_again):
    """A hand edit of ranking.csv no longer matches the study's report manifest; signed
    again, the figure it gives (cheapest in 99% of worlds, interval 0%-2%) is impossible:
    either way the run's report does not quote it."""
    from escalationsim.app.report import build_report

    folder = _beside(run, tmp_path)
    ranking = folder.parent / "robustness" / "ranking.csv"
    rank = pd.read_csv(ranking)
    rank["best_cost_share"], rank["best_cost_ci_low"], rank["best_cost_ci_high"] = 0.99, 0.0, 0.02
    rank.to_csv(ranking, index=False)
    if sign_again:
        _sign(ranking.parent)
    build_report(folder)
    assert "Robustness (a study" not in (folder / "report.html").read_text()


def test_a_table_cell_of_words_wraps_and_a_number_does_not():
    """A sentence in a KPI cell ("unstable: the CEO's inbox grows by ...") made the
    comparison table wider than the page: such a cell wraps; numbers stay on one line."""
    page = (Path(__file__).parents[1] / "results" / "headline" / "report.html").read_text()
    cells = re.findall(r'<td class="(num[^"]*)"[^>]*>([^<]*)</td>', page)
    assert cells
    for cls, text in cells:
        assert ("words" in cls.split()) == (len(html.unescape(text)) > 32), (cls, text)
    assert any("words" in cls for cls, _ in cells)  # the unstable CEO queue's sentence
    assert "td.num.words { white-space: normal" in page
