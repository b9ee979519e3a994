"""Every figure the README quotes is the committed results' (or the configuration's):
its tables are rebuilt from results/ and compared, each phrase of tests/readme_figures.py
is filled in from results/ and looked for, and no other number of the README's result
sections is left unchecked. A regenerated result that moves a figure fails here until the
README says the new one."""

from __future__ import annotations

import re

import pytest

from tests import readme_figures as rf

README = (rf.ROOT / "README.md").read_text()

RESULT_SECTIONS = (
    "## What the headline run shows",
    "## What changed in this version",
    "## Does the engine agree with queueing theory?",
    "### Reference results",
    "## Speed and memory",
)
"""Headings of the README's sections that quote results (up to the next heading of the
same or a higher level)."""

NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?")


def _flat(text: str) -> str:
    """Whitespace, line breaks and indentation included, as single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def _section(heading: str) -> str:
    start = README.index(heading)
    level = heading.split(" ")[0]
    rest = README[start + len(heading) :]
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", rest, re.M)]
    return README[start : start + len(heading) + (ends[0] if ends else len(rest))]


def _prose(text: str) -> str:
    """A section without its code, tables, images, links' targets and inline code (the
    tables are checked on their own; the rest names things, it quotes no result)."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = "\n".join(
        line for line in text.splitlines() if not line.strip().startswith(("|", "![", "#"))
    )
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"`[^`]*`", " ", text)


@pytest.mark.parametrize("phrase", [p for p, _ in rf.FIGURES], ids=lambda p: _flat(p)[:60])
def test_each_quoted_figure_is_the_results(phrase: str) -> None:
    values = dict(rf.FIGURES)[phrase]()
    text = _flat(rf.render(phrase, values))
    assert text in _flat(README), f"the README should say: {text!r}"


def test_no_number_of_a_result_section_is_unchecked() -> None:
    """Every number in the prose of the result sections lies inside a checked phrase or a
    phrase of :data:`readme_figures.NOT_RESULTS` (which must all be found too)."""
    covered = [_flat(rf.render(p, f())) for p, f in rf.FIGURES]
    exempt = [_flat(p) for p in rf.NOT_RESULTS]
    flat_readme = _flat(README)
    for phrase in exempt:
        assert phrase in flat_readme, f"an exempt phrase is gone from the README: {phrase!r}"
    for heading in RESULT_SECTIONS:
        text = _flat(_prose(_section(heading)))
        spans = []
        for phrase in covered + exempt:
            for m in re.finditer(re.escape(_flat(_prose(phrase))), text):
                spans.append((m.start(), m.end()))
        loose = [
            m.group()
            for m in NUMBER.finditer(text)
            if not any(a <= m.start() and m.end() <= b for a, b in spans)
        ]
        assert not loose, f"{heading}: numbers no test checks: {loose}"


def test_the_headline_table_is_results_headline_md() -> None:
    table = (rf.RESULTS / "headline" / "headline.md").read_text().strip()
    assert table in README


def test_the_validation_tables_are_validation_csv() -> None:
    assert rf.validation_table(ciw=False) in README
    assert rf.validation_table(ciw=True) in README


def test_the_sweep_tables_are_their_summaries() -> None:
    assert rf.blended_table() in README
    assert rf.shifts_table() in README
