"""docs/metrics.md, generated from the outcome declarations.

Every KPI's definition, unit and direction are declared once, beside its formula, in a
theme module of :mod:`escalationsim.analysis.outcomes`; this module renders them into
docs/metrics.md through the template ``templates/metrics.md.j2`` (which holds the prose
that is not about one KPI). ``python -m escalationsim.app.metrics_doc`` rewrites the file;
``--check`` exits 1 if it is not current (tests/test_docs.py runs the same check).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader

from escalationsim.analysis import kpis as registry
from escalationsim.analysis.outcomes.base import Family, Kpi
from escalationsim.analysis.outcomes.daily import DAILY, QUEUE, QUEUE_CEO
from escalationsim.analysis.outcomes.groups import GROUP_MEASURES
from escalationsim.analysis.outcomes.measure import Measure

DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"
"""The file in a source checkout."""


@dataclass
class Row:
    """One row of a theme's table: one KPI, several with the same definition, or a
    family's pattern."""

    names: list[str]
    unit: str
    better: str
    doc: str

    @property
    def shown(self) -> dict[str, str]:
        return {
            "names": ", ".join(f"`{n}`" for n in self.names),
            "unit": self.unit or "-",
            "better": self.better,
            "doc": self.doc,
        }


def _matches(pattern: str, name: str) -> bool:
    """Whether KPI ``name`` is one of a family row's ``pattern`` (``occupancy_<pool>``)."""
    regex = re.sub(r"<[^>]+>", ".+", re.escape(pattern).replace(r"\<", "<").replace(r"\>", ">"))
    return re.fullmatch(regex, name) is not None


def _family_rows(entry: Family) -> list[Row]:
    made = list(entry.make())
    if not entry.rows:
        return [_kpi_row(k) for k in made]
    rows = []
    for pattern, doc in entry.rows:
        names = [n.strip() for n in pattern.split(",")]
        members = [k for k in made if any(_matches(n, k.name) for n in names)]
        if not members:
            raise ValueError(f"family row {pattern!r} matches none of {[k.name for k in made]}")
        rows.append(Row(names, members[0].unit, members[0].better, doc))
    undocumented = [
        k.name for k in made if not any(_matches(n, k.name) for r in rows for n in r.names)
    ]
    if undocumented:
        raise ValueError(f"no row of their family documents the KPIs {undocumented}")
    return rows


def _kpi_row(k: Kpi) -> Row:
    if not k.doc:
        raise ValueError(f"KPI {k.name!r} has no definition (doc=...)")
    return Row([k.name], k.unit, k.better, k.doc)


def theme_rows(theme: str) -> list[Row]:
    """The rows of a theme's table, in ``kpis.csv`` order; consecutive KPIs with the same
    definition, unit and direction share one row."""
    rows: list[Row] = []
    for entry in registry.REGISTRY:
        if entry.theme != theme:
            continue
        new = _family_rows(entry) if isinstance(entry, Family) else [_kpi_row(entry)]
        for row in new:
            last = rows[-1] if rows else None
            if last and (last.doc, last.unit, last.better) == (row.doc, row.unit, row.better):
                last.names.extend(row.names)
            else:
                rows.append(row)
    return rows


def render() -> str:
    """docs/metrics.md as the declarations make it."""
    themes = [
        {
            "title": m.THEME.title,
            "intro": m.THEME.intro,
            "outro": m.THEME.outro,
            "rows": [r.shown for r in theme_rows(m.THEME.name)],
        }
        for m in registry.THEMES
    ]
    env = Environment(
        loader=PackageLoader("escalationsim.app", "templates"),
        autoescape=False,  # markdown, not HTML: the declarations' text goes in as written
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("metrics.md.j2").render(
        themes=themes,
        groups=[_measure_row(m) for m in GROUP_MEASURES.values()],
        daily=[_measure_row(m) for m in (*DAILY, QUEUE, QUEUE_CEO)],
    )


def _measure_row(m: Measure) -> dict[str, str]:
    """A row of the ``groups.csv`` or ``daily.csv`` table."""
    if not m.doc:
        raise ValueError(f"measure {m.name!r} has no definition (doc=...)")
    return Row([m.name], m.unit, m.better, m.doc).shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--path", type=Path, default=DOC)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text() if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is not current: run python -m escalationsim.app.metrics_doc")
            return 1
        return 0
    args.path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
