"""How many workers each pool has in a run: as configured, or grown with volume.

This is decided before the run, from queueing formulas (Erlang A), which is why it lives
here and not in the engine: the engine takes the head counts it is given.
"""

from __future__ import annotations

import math

from escalationsim.analysis.analytic import staff_for_targets
from escalationsim.config.scenario import ScenarioConfig
from escalationsim.engine.staff import configured_counts


def head_counts(scenario: ScenarioConfig) -> dict[str, int]:
    """Workers per pool: as configured, or grown with volume if ``scale_with_volume``.

    Scaled reps: the fewest that keep phone abandonment (first calls, Erlang A with the
    scenario's call time and mean patience) at or below half the abandonment target, plus
    the email load in Erlangs rounded up. Other pools grow in proportion to volume.
    """
    st = scenario.staff
    counts = configured_counts(scenario)
    if not st.scale_with_volume:
        return counts
    vol = scenario.volume_per_day
    factor = vol / st.reference_volume_per_day
    for name in counts:
        counts[name] = max(1, math.ceil(counts[name] * factor - 1e-9))
    pop, ht = scenario.population, scenario.handle_times
    calls_h = vol / 24.0 * pop.first_channel_phone
    emails_erlang = vol / 24.0 * pop.first_channel_email * ht.email.mean_min / 60.0
    patience_s = scenario.channels.phone.patience_mean_s
    phone = 0
    if calls_h > 0:
        phone = staff_for_targets(
            calls_h,
            60.0 / ht.phone.mean_min,
            max_abandon=scenario.targets.phone_abandon_max / 2,
            theta=3600.0 / patience_s if patience_s else None,
            max_occupancy=None if patience_s else 0.9,
        )
    counts["reps"] = max(1, phone + math.ceil(emails_erlang - 1e-9))
    return counts
