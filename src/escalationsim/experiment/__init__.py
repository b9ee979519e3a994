"""The experiment layer: a whole job (:mod:`.job`), staffing decided before a run
(:mod:`.staffing`), and running every (policy, replication) pair on common random
numbers, in worker processes if asked (:mod:`.runner`)."""

from escalationsim.experiment.job import RunConfig, SimConfig, validate
from escalationsim.experiment.runner import Results, simulate

__all__ = ["Results", "RunConfig", "SimConfig", "simulate", "validate"]
