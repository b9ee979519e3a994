"""Complaint policies as compositions of small, swappable lever objects.

Each lever mode is a class with the same interface (e.g. every rep authority has
``exception``), chosen once from the config by :func:`build_policy`. The engine calls
the lever's methods and never asks which preset or mode it is running.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from escalationsim.config import (
    CeoLever,
    CeoMode,
    FloodgatesLever,
    PolicyConfig,
    RepLever,
    RepMode,
    RootCauseLever,
    SocialLever,
    SocialMode,
)
from escalationsim.engine.population import CEO, SOCIAL
from escalationsim.kernel.codes import (
    DENIED,
    RESOLVED,
    ROLE_CEO,
    ROLE_EXEC_OFFICE,
    ROLE_MANAGER,
    ROLE_REP,
)

if TYPE_CHECKING:
    from escalationsim.engine.customer import Customer
    from escalationsim.engine.model import Model

Proc = Generator[Any, Any, int]


# --------------------------------------------------------------------------- rep authority


class RepAuthority(Protocol):
    """Decides a request for an exception made to a frontline rep."""

    def exception(self, m: Model, c: Customer, on_phone: bool) -> Proc: ...


@dataclass
class ScriptAuthority:
    """Reps must say no. A caller may ask for a supervisor, who is bound by the same script."""

    def exception(self, m: Model, c: Customer, on_phone: bool) -> Proc:
        if on_phone and m.uniform(c) < m.scenario.behaviour.supervisor_request_prob:
            yield from m.staff_task(c, m.managers, "supervisor", priority=0)
        return DENIED


@dataclass
class EmpoweredAuthority:
    """Reps grant exceptions up to ``budget``; above it a manager reviews and approves with
    ``manager_approval_prob``. Managers audit a fraction of the grants reps make (after the
    call, not delaying the customer)."""

    budget: float
    audit_fraction: float
    manager_approval_prob: float = 1.0

    def exception(self, m: Model, c: Customer, on_phone: bool) -> Proc:
        if c.exception_value <= self.budget:
            if self.audit_fraction > 0 and m.uniform(c) < self.audit_fraction:
                m.audit(c)
            m.grant(c, ROLE_REP)
            return RESOLVED
        yield from m.staff_task(c, m.managers, "supervisor", priority=0)
        if m.uniform(c) < self.manager_approval_prob:
            m.grant(c, ROLE_MANAGER)
            return RESOLVED
        return DENIED


def build_rep(lever: RepLever) -> RepAuthority:
    if RepMode(lever.mode) is RepMode.empowered:
        return EmpoweredAuthority(
            lever.budget_usd, lever.audit_fraction, lever.manager_approval_prob
        )
    return ScriptAuthority()


# --------------------------------------------------------------------------- social triage


class SocialTriage(Protocol):
    """Which public complaints the social team answers, and in what order."""

    def answer_prob(self, followers: int) -> float: ...

    def priority(self, followers: int) -> float: ...


@dataclass
class InfluenceTriage:
    """Answer probability logistic in log10(followers + 1); bigger accounts first
    (Gunarathne, Rui & Seidmann, MIS Quarterly 2018)."""

    intercept: float
    slope: float

    def answer_prob(self, followers: int) -> float:
        z = self.intercept + self.slope * math.log10(followers + 1.0)
        if z < -700:  # exp overflows beyond this; the probability is 0 to double precision
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def priority(self, followers: int) -> float:
        return -math.log10(followers + 1.0)


@dataclass
class FcfsTriage:
    """Every post has the same answer probability; first come, first served."""

    prob: float

    def answer_prob(self, followers: int) -> float:
        return self.prob

    def priority(self, followers: int) -> float:
        return 0.0


def build_social(lever: SocialLever) -> SocialTriage:
    if SocialMode(lever.mode) is SocialMode.by_influence:
        return InfluenceTriage(lever.influence_intercept, lever.influence_slope)
    return FcfsTriage(lever.answer_prob)


# --------------------------------------------------------------------------- CEO involvement


class CeoInvolvement(Protocol):
    """What happens to a complaint in the CEO's inbox; returns the contact's outcome."""

    visibility: float

    def handle(self, m: Model, c: Customer) -> Proc: ...


@dataclass
class OfficeOfCeo:
    """Executive staff ask customer service what happened (a rep's time) and usually repeat
    its answer; they override with ``override_prob``. Routine issues are fixed."""

    override_prob: float
    visibility: float

    def handle(self, m: Model, c: Customer) -> Proc:
        yield from m.staff_task(c, m.exec_office, "office_case", priority=0)
        yield from m.staff_task(c, m.reps, "consult", priority=1)
        if not c.needs_exception:
            m.resolve(c, ROLE_EXEC_OFFICE)
            return RESOLVED
        if m.uniform(c) < self.override_prob:
            m.grant(c, ROLE_EXEC_OFFICE)
            return RESOLVED
        return DENIED


@dataclass
class CeoResponds:
    """The CEO answers personally, from the CEO's weekly complaint hours, and overrides
    customer service with ``override_prob``."""

    override_prob: float
    visibility: float

    def handle(self, m: Model, c: Customer) -> Proc:
        yield from m.ceo_task(c, "ceo_answer")
        m.floodgates.register(self.visibility, m.env.now)
        if not c.needs_exception:
            m.resolve(c, ROLE_CEO)
            return RESOLVED
        if m.uniform(c) < self.override_prob:
            m.grant(c, ROLE_CEO)
            return RESOLVED
        return DENIED


@dataclass
class CeoRedirects:
    """The CEO acknowledges quickly and routes the case to an empowered owner (a manager),
    who fixes it, granting any exception needed."""

    visibility: float

    def handle(self, m: Model, c: Customer) -> Proc:
        yield from m.ceo_task(c, "ceo_ack")
        m.floodgates.register(self.visibility, m.env.now)
        yield from m.staff_task(c, m.managers, "owner", priority=0)
        if c.needs_exception:
            m.grant(c, ROLE_MANAGER)
        else:
            m.resolve(c, ROLE_MANAGER)
        return RESOLVED


def build_ceo(lever: CeoLever) -> CeoInvolvement:
    mode = CeoMode(lever.mode)
    if mode is CeoMode.responds:
        return CeoResponds(lever.override_prob, lever.visibility)
    if mode is CeoMode.redirects:
        return CeoRedirects(lever.visibility)
    return OfficeOfCeo(lever.override_prob, lever.visibility)


# --------------------------------------------------------------------------- word of mouth


class Floodgates:
    """Visible CEO answers, remembered with exponential decay, draw new customers straight
    to the CEO: share = max_share * (1 - exp(-strength * R)), R in visible answers/day."""

    def __init__(self, lever: FloodgatesLever) -> None:
        self.strength = lever.strength
        self.max_share = lever.max_share
        self.tau_h = lever.memory_days * 24.0
        self._mass = 0.0  # decayed sum of visibility weights
        self._t = 0.0

    def _decay(self, now: float) -> None:
        if now > self._t:
            self._mass *= math.exp(-(now - self._t) / self.tau_h)
            self._t = now

    def register(self, weight: float, now: float) -> None:
        if weight > 0 and self.strength > 0:
            self._decay(now)
            self._mass += weight

    def direct_share(self, now: float) -> float:
        if self.strength <= 0 or self._mass <= 0:
            return 0.0
        self._decay(now)
        rate_per_day = self._mass / self.tau_h * 24.0
        return self.max_share * (1.0 - math.exp(-self.strength * rate_per_day))


# --------------------------------------------------------------------------- tracking


@dataclass
class Tracking:
    """Which channels open a ticket: phone and email always, social and CEO if ``all``."""

    all_channels: bool

    def tracks(self, channel: int) -> bool:
        return self.all_channels or channel < SOCIAL


# --------------------------------------------------------------------------- root cause


class RootCause:
    """Counts tracked complaints of the most frequent cause (cause 0); once enough are seen
    a fix ships after a lead time and prevents a share of that cause's later complaints."""

    def __init__(self, lever: RootCauseLever) -> None:
        self.enabled = lever.enabled
        self.detect_after = lever.detect_after
        self.lead_h = lever.lead_days * 24.0
        self.effectiveness = lever.effectiveness
        self.fix_cost = lever.fix_cost_usd
        self.seen = 0
        self.fix_time = math.inf

    def observe(self, cause: int, tracked: bool, now: float) -> None:
        if self.enabled and tracked and cause == 0 and self.fix_time == math.inf:
            self.seen += 1
            if self.seen >= self.detect_after:
                self.fix_time = now + self.lead_h

    def prevents(self, cause: int, u: float, now: float) -> bool:
        return cause == 0 and now >= self.fix_time and u < self.effectiveness

    @property
    def fixed(self) -> bool:
        return self.fix_time < math.inf


# --------------------------------------------------------------------------- the policy


@dataclass
class Policy:
    """A complaint policy, ready to run: one object per lever."""

    name: str
    rep: RepAuthority
    social: SocialTriage
    social_grants: bool
    social_budget: float
    ceo: CeoInvolvement
    tracking: Tracking
    floodgates_lever: FloodgatesLever
    root_cause_lever: RootCauseLever


def build_policy(cfg: PolicyConfig) -> Policy:
    """Turn a policy config into lever objects (stateful levers are built per run)."""
    return Policy(
        name=cfg.name,
        rep=build_rep(cfg.rep),
        social=build_social(cfg.social),
        social_grants=cfg.social.grants_exceptions,
        social_budget=cfg.social.budget_usd,
        ceo=build_ceo(cfg.ceo),
        tracking=Tracking(cfg.tracking.all_channels),
        floodgates_lever=cfg.floodgates,
        root_cause_lever=cfg.root_cause,
    )


__all__ = ["CEO", "Policy", "build_policy", "Floodgates", "RootCause"]
