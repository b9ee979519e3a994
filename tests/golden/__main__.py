"""Regenerate the golden fixtures: ``python -m tests.golden`` (see tests/golden/__init__.py)."""

from tests.golden import regenerate

regenerate()
