"""The progress bar of a run: simulated days done over all (policy, replication) pairs,
pairs finished, and an estimate of the time left.

It appears only after a couple of seconds (short runs stay quiet), only on a terminal,
and never with ``output.progress=false``.
"""

from __future__ import annotations

import logging
from types import TracebackType

from tqdm import tqdm

from escalationsim.experiment.runner import Progress

log = logging.getLogger("escalationsim")

DELAY_S = 2.0
"""Seconds before the bar appears."""


class ProgressBar:
    """A callable for :func:`~escalationsim.experiment.runner.simulate`'s ``progress``,
    drawing a tqdm bar; use it as a context manager so the bar is closed."""

    def __init__(self, enabled: bool = True) -> None:
        self._bar: tqdm | None = None
        self._enabled = enabled
        self._pairs = 0

    def __call__(self, p: Progress) -> None:
        if self._bar is None:
            self._bar = tqdm(
                total=round(p.days_total),
                desc="simulated days",
                unit="day",
                delay=DELAY_S,
                disable=None if self._enabled else True,  # None: only on a terminal
                dynamic_ncols=True,
            )
        self._bar.set_postfix_str(f"pairs {p.pairs_done}/{p.pairs_total}", refresh=False)
        days = min(round(p.days_done), self._bar.total)
        self._bar.update(days - self._bar.n)  # shows only DELAY_S after the start
        if p.pairs_done > self._pairs:
            self._pairs = p.pairs_done
            log.debug("(policy, replication) pair %d/%d done", p.pairs_done, p.pairs_total)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()
