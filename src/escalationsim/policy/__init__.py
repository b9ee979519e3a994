"""Complaint policies as compositions of small, swappable lever objects.

One module per lever slot (:mod:`.rep`, :mod:`.social`, :mod:`.ceo`,
:mod:`.floodgates`, :mod:`.tracking`, :mod:`.root_cause`), each holding its modes: a
class and its config dataclass side by side, registered in :mod:`.registry`. A
:class:`~.policy.PolicyConfig` names one mode per slot; :func:`~.policy.build_policy`
turns it into the lever objects the engine calls. Every mode's class subclasses
:class:`Lever` (``escalationsim.engine.levers``), whose optional hooks it overrides.
"""

from escalationsim.engine.levers import Lever
from escalationsim.policy import registry
from escalationsim.policy.ceo import OfficeCeo, RedirectingCeo, RespondingCeo
from escalationsim.policy.floodgates import WordOfMouth
from escalationsim.policy.policy import Policy, PolicyConfig, build_policy, validate_policy
from escalationsim.policy.rep import EmpoweredRep, ScriptRep
from escalationsim.policy.root_cause import TopCause
from escalationsim.policy.social import FcfsSocial, InfluenceSocial
from escalationsim.policy.tracking import Tickets

__all__ = [
    "EmpoweredRep",
    "FcfsSocial",
    "InfluenceSocial",
    "Lever",
    "OfficeCeo",
    "Policy",
    "PolicyConfig",
    "RedirectingCeo",
    "RespondingCeo",
    "ScriptRep",
    "Tickets",
    "TopCause",
    "WordOfMouth",
    "build_policy",
    "registry",
    "validate_policy",
]
