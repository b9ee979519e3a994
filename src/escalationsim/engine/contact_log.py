"""One row per contact, as a company's ticketing or telephony system would log it.

The complaint log (:mod:`.recorder`) has one row per complaint; a company's own data
has one row per contact. With the contact log on, every contact of the complaints made
inside the measured window (the export of the tickets opened in a period, with their
contacts up to its end) is written down: its complaint (``ticket``) and customer, channel, when
it arrived, when a worker first started on it (``answered``: a call's service start, a
text channel's first response), when a caller hung up while waiting (``abandoned``),
when it ended, when the complaint was resolved (on the resolving contact) and its
outcome. The calibration layer turns it into the contact-log schema of docs/data.md
(``output.contact_log``), so the calibration can be tested on logs whose truth is known.

Speed: nothing of this runs when the log is off. When on, the run context's contact
processes, its ``hold``, ``chase`` and ``finish`` are wrapped once, at build time, by
recording versions (the first hold of a contact is its answer; a complaint closed as
resolved dates its resolving contact's ``resolved_at``), so the channels do not know
about it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from escalationsim.kernel.codes import (
    ABANDONED,
    DENIED,
    NO_ANSWER,
    RESOLVED,
    STATUS_RESOLVED,
    UNRESOLVED,
)

if TYPE_CHECKING:
    from escalationsim.engine.context import RunContext
    from escalationsim.engine.customer import Customer

OPEN = 5
"""Outcome code of a contact still under way when the run ends."""

OUTCOME_NAMES: dict[int, str] = {
    RESOLVED: "resolved",
    DENIED: "refused",
    UNRESOLVED: "pending",  # handled, neither fixed nor refused: the complaint goes on
    ABANDONED: "abandoned",
    NO_ANSWER: "unanswered",
    OPEN: "pending",
}
"""A contact's outcome code as the contact-log schema names it."""

# positions in a contact's row (complaint, customer, channel, needs an exception,
# followers, then these)
_ARRIVED, _ANSWERED, _ENDED, _OUTCOME, _GRANTED, _RESOLVED = 5, 6, 7, 8, 9, 10


class ContactLog:
    """Records the contacts that complaints made in ``[start_h, stop_h)`` make before
    ``stop_h``: the channels' contacts and the customers' chases of promised back-office
    work (a call or an email asking "where is my refund?", on the channel whose work
    takes it)."""

    def __init__(self, ctx: RunContext, channel_names: list[str], start_h: float, stop_h: float):
        self.ctx = ctx
        self.channels = channel_names
        self.start_h = start_h
        self.stop_h = stop_h
        self.open: dict[int, list[Any]] = {}  # the contact under way, by complaint id
        self.rows: list[list[Any]] = []
        self.resolving: dict[int, int] = {}  # the row of a complaint's resolving contact
        ctx.contact = [self._logged(code, contact) for code, contact in enumerate(ctx.contact)]
        channel_of = {work: code for code, work in enumerate(ctx.work_of) if work is not None}
        env = ctx.env
        open_ = self.open
        hold, chase, finish = ctx.hold, ctx.chase, ctx.finish

        def logged_hold(c: Customer, pool: Any, task: str, ticket: bool = False) -> Any:
            row = open_.get(c.idx)
            if row is not None and math.isnan(row[_ANSWERED]):
                row[_ANSWERED] = env.now
            return hold(c, pool, task, ticket)

        def logged_chase(c: Customer, kind: str) -> Generator[Any, Any, None]:
            code = channel_of.get(kind, -1)
            if code < 0 or c.arrival < self.start_h or env.now >= self.stop_h:
                yield from chase(c, kind)
                return
            row = self._start(c, code)
            yield from chase(c, kind)
            self._end(c, row, UNRESOLVED)  # the complaint goes on: the work is not done

        def logged_finish(c: Customer, status: int) -> None:
            i = self.resolving.pop(c.idx, None)
            if i is not None and status == STATUS_RESOLVED and c.resolved_at == c.resolved_at:
                self.rows[i][_RESOLVED] = c.resolved_at  # when the work was done
            finish(c, status)

        ctx.hold = logged_hold  # type: ignore[method-assign]
        ctx.chase = logged_chase  # type: ignore[method-assign]
        ctx.finish = logged_finish

    def _start(self, c: Customer, code: int) -> list[Any]:
        row = [c.idx, c.customer_id, code, c.needs_exception, c.followers, self.ctx.env.now]
        row += [math.nan, math.nan, OPEN, 0.0, math.nan]
        self.open[c.idx] = row
        return row

    def _end(self, c: Customer, row: list[Any], outcome: int) -> None:
        del self.open[c.idx]
        row[_ENDED] = self.ctx.env.now
        row[_OUTCOME] = outcome
        if outcome == RESOLVED:
            row[_GRANTED] = c.exception_value if c.granted else 0.0
            self.resolving[c.idx] = len(self.rows)
        self.rows.append(row)

    def _logged(
        self, code: int, contact: Callable[[Customer], Generator[Any, Any, int]]
    ) -> Callable[[Customer], Generator[Any, Any, int]]:
        env = self.ctx.env

        def run(c: Customer) -> Generator[Any, Any, int]:
            if c.arrival < self.start_h or env.now >= self.stop_h:
                return (yield from contact(c))
            row = self._start(c, code)
            outcome = yield from contact(c)
            self._end(c, row, outcome)
            return outcome

        return run

    def frame(self) -> pd.DataFrame:
        """The contacts, in hours since the run began, ordered by arrival; those still
        under way when the run ends are ``pending``, with no end. ``resolved_h`` is on
        the contact that resolved the complaint, at the time the fix was done (after any
        back-office work), and empty if it never was."""
        rows = sorted(self.rows + list(self.open.values()), key=lambda r: (r[_ARRIVED], r[0]))
        n = len(rows)

        def col(i: int, dtype: Any) -> np.ndarray:
            return np.fromiter((r[i] for r in rows), dtype, n)

        answered, ended, outcome = col(_ANSWERED, float), col(_ENDED, float), col(_OUTCOME, np.int8)
        gave_up = (outcome == ABANDONED) | (outcome == NO_ANSWER)
        # a letter the CEO answered in the CEO's own time (no worker's hold): answered
        # when the answer came
        answered = np.where(np.isnan(answered) & ~gave_up, ended, answered)
        names = [OUTCOME_NAMES[int(o)] for o in outcome]
        return pd.DataFrame(
            {
                "ticket_id": col(0, np.int64),
                "customer_id": col(1, np.int64),
                "channel": pd.Categorical.from_codes(col(2, np.int8), self.channels),
                "arrived_h": col(_ARRIVED, float),
                "answered_h": answered,
                "abandoned_h": np.where(outcome == ABANDONED, ended, math.nan),
                "ended_h": np.where(gave_up, math.nan, ended),
                "resolved_h": col(_RESOLVED, float),
                "outcome": pd.Categorical(names, categories=OUTCOME_CATEGORIES),
                "needs_exception": col(3, bool),
                "compensation_usd": col(_GRANTED, float),
                "followers": col(4, np.int64),
            }
        )


OUTCOME_CATEGORIES = ["resolved", "refused", "abandoned", "unanswered", "pending"]


__all__ = ["ContactLog", "OUTCOME_NAMES"]
