"""report.html: one self-contained page (no external resource), well-formed, showing the
numbers of summary.csv that it claims to show."""

from __future__ import annotations

import math
from html.parser import HTMLParser

import pandas as pd
import pytest

from escalationsim.analysis import kpis as kpi_registry
from tests.conftest import run_cli

VOID = {"meta", "img", "br", "hr", "input", "link", "col", "area", "base", "source", "wbr"}


class _Checker(HTMLParser):
    """Tag balance, external resources, and the KPI cells."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.external: list[str] = []
        self.cells: list[dict[str, str]] = []
        self._cell: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href"):
            if name not in a:
                continue
            v = a[name] or ""
            if not v.startswith(("data:", "#")):  # embedded, or a link within the page
                self.external.append(f"{tag} {name}={v[:40]}")
        if tag in ("script", "link", "iframe"):
            self.external.append(tag)
        if tag == "td" and "data-kpi" in a:
            self._cell = {**a, "text": ""}
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        if tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


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
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert not checker.errors, checker.errors[:5]
    assert checker.stack == [], checker.stack
    assert not checker.external, checker.external
    assert text.count("data:image/png;base64,") == len(list(run.glob("*.png"))) > 0


def test_the_numbers_shown_are_those_of_summary_csv(run):
    checker = _Checker()
    checker.feed((run / "report.html").read_text())
    summary = pd.read_csv(run / "summary.csv")
    fmts = {k.name: k.fmt for k in kpi_registry.view("headline")}
    assert len(checker.cells) == len(fmts) * summary["policy"].nunique()
    for cell in checker.cells:
        row = summary[(summary.policy == cell["data-policy"]) & (summary.kpi == cell["data-kpi"])]
        mean = float(row["mean"].iloc[0])
        assert float(cell["data-mean"]) == pytest.approx(mean, rel=1e-12, nan_ok=True)
        shown = "n/a" if math.isnan(mean) else fmts[cell["data-kpi"]].format(mean)
        assert cell["text"].startswith(shown), (cell, shown)


def test_the_answer_names_the_cheapest_policy_and_the_assumptions_their_sources(run):
    text = (run / "report.html").read_text()
    summary = pd.read_csv(run / "summary.csv")
    cost = summary[summary.kpi == "cost_per_complaint"].set_index("policy")["mean"]
    assert f"{cost.idxmin()} is the cheapest policy" in text
    assert "scenario.volume_per_day" in text
    assert "assumption: complaints per day of a mid-size consumer business" in text
    assert "escalationsim run.replications=3" in text  # the command that reproduces it
