"""The experiment layer: a whole job (:mod:`.job`), staffing decided before a run
(:mod:`.staffing`), running every (policy, replication) pair on common random numbers,
in worker processes if asked (:mod:`.runner`), simulation against Erlang C / A
(:mod:`.validation`), the settings that cannot act in a job (:mod:`.inert`), studies
from Python (:mod:`.studies`), and other packages' lever modes, channels, mechanisms and
KPIs (:mod:`.plugins`)."""

from escalationsim.experiment.job import RunConfig, SimConfig, validate
from escalationsim.experiment.runner import Results, simulate

__all__ = ["Results", "RunConfig", "SimConfig", "simulate", "validate"]
