"""The escalationsim test suite (a package, so that `tests.conftest` cannot be shadowed)."""
