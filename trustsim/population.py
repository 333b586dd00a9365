"""The customer population: one struct of numpy arrays, the only place customer state lives.

Per customer: current and last supplier, tenure, loyalty stage, likelihood to recommend, own
propensity to trust (benefit of the doubt), own reliability, and the supplier's trust in them
(mutual trust). Per customer x supplier: four trust components (log-odds), the channel of
first contact (-1 = never heard of) and, when that was word of mouth, the speaker's spell (so a
customer won later by the switching rule names who introduced the supplier).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trustsim.config import Scenario
from trustsim.errors import RunError
from trustsim.mechanisms.channels import AD, talkativeness_draws
from trustsim.mechanisms.choice import within_capacity
from trustsim.mechanisms.fit import draw_fit
from trustsim.mechanisms.loyalty import PROSPECT
from trustsim.mechanisms.trust import logit


@dataclass
class Population:
    """Customer state arrays (length N, or N x S)."""

    supplier: np.ndarray  # int16 (N,), -1 = none
    last_supplier: np.ndarray  # int16 (N,), most recent supplier bought from, -1 = never
    tenure: np.ndarray  # int32 (N,), steps with the current supplier
    stage: np.ndarray  # int8 (N,), index into loyalty.STAGES
    score: np.ndarray  # int8 (N,), 0-10 likelihood to recommend last_supplier
    disappointed: np.ndarray  # bool (N,), experience left trust in last_supplier below the benefit of the doubt
    prior_logits: np.ndarray  # float32 (N,), propensity to trust, log-odds
    reliability: np.ndarray  # float32 (N,), chance the customer behaves well
    supplier_trust: np.ndarray  # float32 (N,), current supplier's trust in the customer, log-odds
    trust: np.ndarray  # float32 (N, S, 4), trust components, log-odds
    heard: np.ndarray  # int8 (N, S), channel of first contact, -1 = unknown
    talk: np.ndarray  # float32 (N,), talkativeness (mean 1): how much a person says to others
    fit: np.ndarray  # float32 (N, S), how well each supplier suits each customer; (N, 0) when all alike
    spell: np.ndarray  # int64 (N,), the customer's current spell in the referral records, -1 = none
    referred: np.ndarray  # bool (N,), reached by a recommendation while a prospect (Kumar et al. 2007)
    last_spell: np.ndarray  # int64 (N,), the customer's most recent spell (kept after it ends), -1 = none
    heard_from: np.ndarray  # int64 (N, S), spell of the person whose word was the first contact, -1 = none
    away_until: np.ndarray  # int32 (N,), step before which a lapsed customer buys from no one

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.supplier)


def state_bytes(scenario: Scenario) -> int:
    """A generous estimate of the memory a run needs: customer x supplier state, customer
    arrays, the network and the temporaries of building it."""
    n, s = scenario.market.customers, scenario.market.suppliers
    ties = 0 if scenario.network.kind in ("well_mixed", "edge_list") else n * scenario.network.mean_degree
    fit = 4 if scenario.fit.sd > 0 else 0
    spells = 3 * n * 64  # referral records: about three spells per person over a long run
    return int(n * s * 2 * (4 * 4 + 1 + 8 + fit) + n * 80 + ties * 40 + spells)


def check_memory(scenario: Scenario) -> None:
    """Refuse, before allocating anything, a run that cannot fit in this machine's memory.

    Raises:
        RunError: naming the sizes, the memory needed and the memory available.
    """
    import psutil

    need, have = state_bytes(scenario), psutil.virtual_memory().available
    if need > 0.9 * have:
        raise RunError(
            f"market.customers = {scenario.market.customers:,} x market.suppliers = {scenario.market.suppliers} "
            f"needs about {need / 2**30:.1f} GiB of memory, but only {have / 2**30:.1f} GiB is available here; "
            "use fewer customers or suppliers, or a bigger machine."
        )


def beta_draws(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """n draws from the Beta distribution with this mean and standard deviation."""
    if sd <= 0:
        return np.full(n, mean)
    kappa = mean * (1 - mean) / sd**2 - 1
    return rng.beta(mean * kappa, (1 - mean) * kappa, size=n)


def talkativeness(rng: np.random.Generator, n: int, scenario: Scenario) -> np.ndarray:
    """Each person's talkativeness (mean 1); all 1, with no draws, unless word of mouth is smooth."""
    if scenario.wom.mode != "smooth":
        return np.ones(n, np.float32)
    return talkativeness_draws(rng, n, scenario.wom.talk_sd)


def initial_population(scenario: Scenario, rng: np.random.Generator, capacity: np.ndarray) -> Population:
    """Customers at step 0: priors and reliabilities drawn, an `initial_customers` share buying
    (within each supplier's `capacity`, in customers).

    Models: Voordeel van de twijfel — each person's own benefit of the doubt (MODEL_BRIEF §2.2).
    """
    n, s = scenario.market.customers, scenario.market.suppliers
    prior = logit(beta_draws(rng, scenario.propensity.mean, scenario.propensity.sd, n))
    reliability = beta_draws(rng, scenario.mutual.reliability_mean, scenario.mutual.reliability_sd, n).astype(
        np.float32
    )
    pop = Population(
        supplier=np.full(n, -1, dtype=np.int16),
        last_supplier=np.full(n, -1, dtype=np.int16),
        tenure=np.zeros(n, dtype=np.int32),
        stage=np.full(n, PROSPECT, dtype=np.int8),
        score=np.zeros(n, dtype=np.int8),
        disappointed=np.zeros(n, dtype=np.bool_),
        prior_logits=prior,
        reliability=reliability,
        supplier_trust=np.full(n, logit(scenario.mutual.prior), dtype=np.float32),
        trust=np.zeros((n, s, 4), dtype=np.float32),
        heard=np.full((n, s), -1, dtype=np.int8),
        talk=talkativeness(rng, n, scenario),
        fit=draw_fit(rng, n, s, scenario.fit.sd),
        spell=np.full(n, -1, dtype=np.int64),
        referred=np.zeros(n, dtype=np.bool_),
        last_spell=np.full(n, -1, dtype=np.int64),
        heard_from=np.full((n, s), -1, dtype=np.int64),
        away_until=np.zeros(n, dtype=np.int32),
    )
    k = round(scenario.market.initial_customers * n)
    if k:
        who = rng.choice(n, size=k, replace=False)
        sup = rng.integers(0, s, size=k).astype(np.int16)
        ok = within_capacity(rng, sup.astype(np.int64), capacity.copy())
        who, sup = who[ok], sup[ok]
        pop.supplier[who] = sup
        pop.last_supplier[who] = sup
        pop.trust[who, sup, :] = prior[who][:, None]
        pop.heard[who, sup] = AD
    return pop


def renew(pop: Population, scenario: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Market turnover: a `market.turnover` share of people leave and newcomers take their place.

    Models: an open market in which customers are lost not only to rivals; newcomers start as
    prospects who have never heard of any supplier, with their own benefit of the doubt
    (MODEL_BRIEF §2.2), talkativeness and fit. Returns the people replaced and the supplier each was
    buying from (-1 for none); their spells in the referral records are the caller's to end. No
    random draws at all when turnover is 0.
    """
    rate = scenario.market.turnover
    none = np.zeros(0, dtype=np.int64)
    if rate <= 0:
        return none, none
    k = int(rng.binomial(pop.n, rate))
    who = np.sort(rng.choice(pop.n, size=k, replace=False)) if k else none
    former = pop.supplier[who].astype(np.int64)
    if k:
        pop.prior_logits[who] = logit(beta_draws(rng, scenario.propensity.mean, scenario.propensity.sd, k))
        pop.reliability[who] = beta_draws(
            rng, scenario.mutual.reliability_mean, scenario.mutual.reliability_sd, k
        ).astype(np.float32)
        pop.supplier[who] = -1
        pop.last_supplier[who] = -1
        pop.tenure[who] = 0
        pop.stage[who] = PROSPECT
        pop.score[who] = 0
        pop.disappointed[who] = False
        pop.supplier_trust[who] = logit(scenario.mutual.prior)
        pop.trust[who] = 0.0
        pop.heard[who] = -1
        pop.heard_from[who] = -1
        pop.last_spell[who] = -1
        pop.away_until[who] = 0
        pop.referred[who] = False
        pop.talk[who] = talkativeness(rng, k, scenario)
        if pop.fit.shape[1]:
            pop.fit[who] = draw_fit(rng, k, pop.fit.shape[1], scenario.fit.sd)
    return who, former
