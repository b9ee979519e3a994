"""The examples in the README run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # a whole job, sweep or command: not in make check

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_python_examples_run():
    blocks = python_blocks(README.read_text())
    assert blocks, "the README should show how to use the package from Python"
    for code in blocks:
        namespace: dict = {}
        exec(compile(code, str(README), "exec"), namespace)  # noqa: S102
        results = namespace.get("results")
        if results is not None:
            assert len(results.kpis) > 0
            assert set(results.kpis["policy"]) == {"rigid_script", "omnichannel"}


def test_readme_names_the_ci_command():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make test" in README.read_text()
    assert "make run" in README.read_text()


def test_metrics_doc_is_generated_from_the_declarations_and_current():
    """docs/metrics.md is what ``python -m escalationsim.app.metrics_doc`` writes from the
    outcome declarations: a KPI added, renamed or redefined without regenerating it
    fails here."""
    from escalationsim.app.metrics_doc import DOC, render

    assert DOC.read_text() == render(), (
        "docs/metrics.md is stale: run python -m escalationsim.app.metrics_doc"
    )
