"""The outcomes a run reports, declared once each, by theme.

Each theme module (:mod:`.cost`, :mod:`.service`, :mod:`.escalation`, :mod:`.claims`,
:mod:`.fairness`, :mod:`.operations`, :mod:`.queue`) declares its KPIs
(:class:`~.base.Kpi`): formula, label, unit, format, bounds, direction, views and
definition. :mod:`escalationsim.analysis.kpis` assembles them in ``kpis.csv`` order, and
docs/metrics.md is generated from them (``python -m escalationsim.app.metrics_doc``).
The columns of ``groups.csv`` (:mod:`.groups`) and ``daily.csv`` (:mod:`.daily`) are
declared the same way, as a :class:`~.measure.Measure` each.
"""
