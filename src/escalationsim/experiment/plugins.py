"""Plugins: modules of other packages that add lever modes, channels or KPIs.

A package declares its modules under the entry-point group ``escalationsim.plugins``
(in its ``pyproject.toml``: ``[project.entry-points."escalationsim.plugins"]``,
``mine = "mypackage.levers"``); importing such a module registers what it defines
(``@lever``, ``@channels.register``, an entry in the KPI registry). The command loads
them before composing its configuration, and worker processes load them before they run.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

log = logging.getLogger("escalationsim")

GROUP = "escalationsim.plugins"

_loaded: set[str] = set()


def load_plugins() -> list[str]:
    """Import every module declared under :data:`GROUP` (once); return their names."""
    names = []
    for ep in entry_points(group=GROUP):
        if ep.value not in _loaded:
            ep.load()
            _loaded.add(ep.value)
            log.debug("plugin %s (%s) loaded", ep.name, ep.value)
        names.append(ep.name)
    return names
