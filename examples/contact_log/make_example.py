"""Make the shipped example log: six weeks of a synthetic company's contacts, exported as
a ticketing tool might export them (its own column names, labels and local times), with
the mapping that reads it (``acme_mapping.yaml``), and its roster: who was on duty in
each half hour (``acme_roster.csv``, in the workforce tool's own pool names, which the
mapping renames too).

The company is escalationsim's default at 400 complaints a day, its staff scaled to that
volume (``scenario.staff.scale_with_volume=true``), with busy and quiet days
(``scenario.arrivals.busyness_cv=0.15``), under the rigid script, simulated with a fixed
seed; nothing in it is anyone's data. Run from the repository's root to remake the
committed files byte for byte::

    .venv/bin/python examples/contact_log/make_example.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

import escalationsim as es
from escalationsim.calibration.export import to_contact_log

HERE = Path(__file__).resolve().parent

LABELS = {"phone": "Voice", "email": "E-mail", "social": "Twitter", "ceo": "CEO office"}
STATUS = {
    "resolved": "Solved",
    "refused": "Declined",
    "abandoned": "Caller hung up",
    "unanswered": "No reply",
    "pending": "Open",
}
TZ = "Europe/London"


POOLS = {"reps": "Customer care", "social": "Social team", "managers": "Team leads",
         "exec_office": "Executive office"}  # fmt: skip
START = pd.Timestamp("2025-12-29", tz="UTC")
"""Day 0 of the simulation: the Monday before the log's first day."""


def company() -> es.SimConfig:
    """The example company's configuration (see the module doc)."""
    return es.compose(
        [
            "run.policies=[rigid_script]",
            "run.replications=1",
            "run.workers=1",
            "run.horizon_days=45",
            "run.warmup_days=3",
            "run.seed=2026",
            "scenario.volume_per_day=400",
            "scenario.staff.scale_with_volume=true",
            "scenario.arrivals.busyness_cv=0.15",
        ]
    )


def export() -> bytes:
    """The example export's CSV text (see the module doc)."""
    log = to_contact_log(es.simulate(company(), contacts=True).contacts, START)
    local = {
        col: log[col].dt.tz_convert(TZ).dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
        for col in ("arrived_at", "answered_at", "abandoned_at", "ended_at", "resolved_at")
    }
    table = pd.DataFrame(
        {
            "Interaction ID": "INT-" + log["contact_id"].astype(str),
            "Case": "C" + log["ticket_id"].astype(str),
            "Customer": "CUST-" + log["customer_id"].astype(str),
            "Channel": log["channel"].map(LABELS),
            "Created": local["arrived_at"],
            "First response": local["answered_at"],
            "Hung up": local["abandoned_at"],
            "Closed": local["ended_at"],
            "Case solved": local["resolved_at"],
            "Status": log["outcome"].map(STATUS),
            "Exception needed": log["needs_exception"].map({True: "yes", False: "no"}),
        }
    )
    return table.to_csv(index=False, lineterminator="\n").encode()


def roster() -> bytes:
    """The example roster's CSV text: each pool's agents on duty in every half hour of
    the log's six weeks, as the company was staffed (its staff scaled to its volume)."""
    from escalationsim.experiment.staffing import staffing

    sim = company()
    first, days = 3, sim.run.horizon_days - 3  # the log's days: after the warm-up
    rows = []
    for pool, schedule in sorted(staffing(sim.scenario).items()):
        if pool not in POOLS or schedule.peak == 0:
            continue  # a pool not staffed (posts are answered by blended reps)
        for half in range(int(first * 48), int((first + days) * 48)):
            at = START + pd.Timedelta(minutes=30 * half)
            rows.append(
                {
                    "Slot start": at.tz_convert(TZ).strftime("%Y-%m-%d %H:%M"),
                    "Team": POOLS[pool],
                    "Agents on duty": schedule.count_at(half / 2.0),
                }
            )
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n").encode()


def main() -> None:
    text = export()
    with (
        (HERE / "acme_contacts.csv.gz").open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f,
    ):
        f.write(text)  # mtime 0 and no name: the same bytes on every machine
    rows = text.count(b"\n") - 1
    (HERE / "acme_roster.csv").write_bytes(roster())
    print(f"{rows} contacts and the roster written")


if __name__ == "__main__":
    main()
