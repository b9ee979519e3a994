"""The engine: one simulation run. Customers (:mod:`.customer`) drawn from the customer
table (:mod:`.population`) arrive (:mod:`.arrivals`) and follow their journey up the
escalation ladder (:mod:`.journey`) over the channels of the channel registry
(:mod:`.channels`), served by the run's staff (:mod:`.staff`); channels and the policy's
levers (:mod:`.levers` says what the engine asks of them, and declares the hooks a
lever may override) see the run only through its context (:mod:`.context`); the
mechanisms a scenario switches on (back office, judgement, customer base, publicity) are
registered in :mod:`.mechanisms`; the recorder (:mod:`.recorder`) keeps what happened;
:mod:`.model` wires one run together. It imports neither the analysis nor the app layer.
"""

from escalationsim.engine.mechanisms import Mechanism

__all__ = ["Mechanism"]
