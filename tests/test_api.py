"""docs/api.md's examples run as written, in order, as a notebook would, and return
what the page says they return."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.integration  # whole comparisons, a study and an optimisation

API = Path(__file__).resolve().parents[1] / "docs" / "api.md"


@pytest.fixture(scope="module")
def notebook() -> dict:
    namespace: dict = {}
    for code in re.findall(r"```python\n(.*?)```", API.read_text(), flags=re.S):
        exec(compile(code, str(API), "exec"), namespace)  # noqa: S102
    return namespace


def test_the_comparison_returns_each_policys_cost(notebook) -> None:
    cost = notebook["cost"]
    assert len(cost) == 5 and cost["mean"].gt(0).all()


def test_the_sweep_has_a_column_per_swept_key(notebook) -> None:
    by_volume = notebook["by_volume"]
    assert set(by_volume.index.get_level_values(0)) == {100, 200}


def test_the_robustness_study_of_8_worlds_returns_the_ranking(notebook) -> None:
    study, ranking = notebook["study"], notebook["ranking"]
    assert isinstance(ranking, pd.DataFrame) and len(ranking) == 5
    assert len(study.values) == 8 and "customer_value" in study.values
    assert study.values["customer_value"].between(300, 1500).all()
    assert ranking["best_cost_share"].sum() == pytest.approx(1.0)  # one cheapest per world
    assert (ranking["regret_max"] >= 0).all()
    assert study.leader in set(ranking["policy"])
    assert set(study.sensitivity["parameter"]) == set(study.values.columns)


def test_the_optimisation_returns_its_trials(notebook) -> None:
    assert len(notebook["trials"]) == 4
