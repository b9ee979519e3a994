"""Plugins: modules of other packages that add lever modes, channels, mechanisms or KPIs.

A package declares its modules under the entry-point group ``escalationsim.plugins``
(in its ``pyproject.toml``: ``[project.entry-points."escalationsim.plugins"]``,
``mine = "mypackage.levers"``); importing such a module registers what it defines
(``@lever``, ``@channels.register``, ``@mechanisms.register``, an entry in the KPI
registry, a declared field or counter). The command loads
them before composing its configuration, and worker processes load them before they run.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from importlib.metadata import entry_points

log = logging.getLogger("escalationsim")

GROUP = "escalationsim.plugins"

_loaded: set[str] = set()
FAILED: dict[str, str] = {}
"""Plugins that failed to import, by entry-point name -> the error (reported once)."""


def _snapshot() -> Callable[[], None]:
    """The registries' contents now, as a function that puts them back: a plugin that
    registered a lever mode, a channel, a mechanism, a KPI, a reduction, a counter or a
    field and then failed leaves nothing behind."""
    from escalationsim.analysis import kpis, reductions
    from escalationsim.engine import counters, fields, mechanisms
    from escalationsim.engine.channels import registry as channels
    from escalationsim.engine.customer import Customer
    from escalationsim.policy import registry as levers

    modes = {slot: dict(m) for slot, m in levers._MODES.items()}
    chans = dict(channels._REGISTRY)
    entries = list(kpis.REGISTRY)
    sums = dict(reductions._REGISTERED)
    declared = dict(counters._DECLARED)
    mechs = dict(mechanisms._REGISTRY)
    fields_now = dict(fields._DECLARED)

    def restore() -> None:
        for slot, m in levers._MODES.items():
            m.clear()
            m.update(modes[slot])
        channels._REGISTRY.clear()
        channels._REGISTRY.update(chans)
        kpis.REGISTRY[:] = entries
        reductions._REGISTERED.clear()
        reductions._REGISTERED.update(sums)
        counters._DECLARED.clear()
        counters._DECLARED.update(declared)
        mechanisms._REGISTRY.clear()
        mechanisms._REGISTRY.update(mechs)
        for name, f in list(fields._DECLARED.items()):
            if name not in fields_now:  # a field the plugin declared: its default goes too
                del fields._DECLARED[name]
                if not f.slot:
                    Customer.clear_default(name)

    return restore


def load_plugins() -> list[str]:
    """Import every module declared under :data:`GROUP` (once); return the names of those
    loaded. A plugin that fails to import is named on standard error with its error, once,
    and left out, with whatever it registered before it failed: every command that does
    not need it goes on (one that does is refused by the configuration check, its lever
    mode or KPI unknown)."""
    names = []
    for ep in entry_points(group=GROUP):
        if ep.value in _loaded:
            names.append(ep.name)
            continue
        if ep.name in FAILED:
            continue
        restore = _snapshot()
        try:
            ep.load()
        except Exception as err:  # a plugin's own bug: name it, go on without it
            restore()  # and without what it registered before it failed
            FAILED[ep.name] = f"{type(err).__name__}: {err}"
            msg = f"plugin {ep.name} ({ep.value}) failed to load and is left out: {FAILED[ep.name]}"
            log.warning("%s", msg)
            print(f"escalationsim: {msg}", file=sys.stderr)
            continue
        _loaded.add(ep.value)
        log.debug("plugin %s (%s) loaded", ep.name, ep.value)
        names.append(ep.name)
    return names
