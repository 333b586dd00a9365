"""Invariants of the model state, checked every step in debug mode (``TrustMarket(check=True)``).

Each invariant is a small function returning the problems it finds (an empty list when it
holds), so a deliberately corrupted state can be shown to be caught by each one
(tests/robustness/test_invariants.py). They state what the model's bookkeeping promises:
trust is a probability, everyone stands on exactly one rung of the loyalty ladder
(MODEL_BRIEF §2.11), customers are counted once, capacity is respected, every acquisition
is credited to one channel (MODEL_BRIEF §4) and NPS is a percentage difference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from trustsim import outputs
from trustsim.mechanisms import loyalty
from trustsim.mechanisms.channels import CHANNELS, RECOMMENDATION
from trustsim.mechanisms.trust import LOGIT_LIMIT
from trustsim.records import END_REASONS, LAPSED, LEFT, SPELL_CHANNELS, SWITCH, SWITCHED

if TYPE_CHECKING:
    from trustsim.config import Scenario
    from trustsim.model import TrustMarket

TOLERANCE = 1e-4
"""Slack on float32 log-odds limits and float shares."""


class InvariantError(AssertionError):
    """The model state broke one of its invariants (a bug, never bad input)."""


POPULATION_SHARES: tuple[str, ...] = tuple(c for c, col in outputs.MODEL.items() if col.unit == outputs.SHARE)
"""Model columns that are a share of the N people (each within [0, 1])."""


def trust_in_unit_interval(model: TrustMarket) -> list[str]:
    """Trust components are finite log-odds within ±LOGIT_LIMIT, i.e. probabilities in [0, 1]."""
    pop = model.population
    problems = []
    if not np.isfinite(pop.trust).all():
        problems.append("trust components not finite (NaN or infinite)")
    elif np.abs(pop.trust).max(initial=0) > LOGIT_LIMIT + TOLERANCE:
        problems.append("trust components outside [0, 1] (log-odds beyond the limit)")
    if not np.isfinite(pop.supplier_trust).all():
        problems.append("supplier trust in customers not finite")
    if not np.isfinite(pop.prior_logits).all():
        problems.append("propensity to trust not finite")
    return problems


def one_stage_each(model: TrustMarket) -> list[str]:
    """Every customer stands on exactly one, consistent, rung of the loyalty ladder.

    The stage is one code per customer (so at most one rung); it must be a valid code (so at
    least one), customer/loyal/ambassador only with a current supplier, prospect only without
    one, detractor only with some experience.
    """
    pop = model.population
    stage = pop.stage
    if stage.min(initial=0) < 0 or stage.max(initial=0) >= len(loyalty.STAGES):
        return ["a customer without a valid loyalty stage"]
    problems = []
    buying = pop.supplier >= 0
    on_ladder = np.isin(stage, (loyalty.CUSTOMER, loyalty.LOYAL, loyalty.AMBASSADOR))
    if (on_ladder & ~buying).any():
        problems.append("a customer, loyal customer or ambassador without a supplier")
    if ((stage == loyalty.PROSPECT) & buying).any():
        problems.append("a prospect who already buys")
    if ((stage == loyalty.DETRACTOR) & (pop.last_supplier < 0)).any():
        problems.append("a detractor without any experience of a supplier")
    if pop.score.min(initial=0) < 0 or pop.score.max(initial=0) > 10:
        problems.append("a likelihood-to-recommend score outside 0-10")
    return problems


def customers_counted_once(model: TrustMarket) -> list[str]:
    """Customers per supplier match the population and sum to the customer count."""
    pop, sm, mm = model.population, model.supplier_metrics, model.model_metrics
    s = model.config.market.suppliers
    if pop.supplier.min(initial=0) < -1 or pop.supplier.max(initial=0) >= s:
        return [f"a customer buys from a supplier that does not exist (ids 0..{s - 1})"]
    problems = []
    buying = pop.supplier >= 0
    counts = np.bincount(pop.supplier[buying].astype(np.int64), minlength=s)
    if not np.array_equal(counts, sm["customers"]):
        problems.append(f"customers per supplier {list(sm['customers'])} do not match the population {list(counts)}")
    if int(sm["customers"].sum()) != int(buying.sum()) or mm["customers"] != sm["customers"].sum():
        problems.append("customers per supplier do not sum to the customer count")
    if (pop.last_supplier[buying] != pop.supplier[buying]).any():
        problems.append("a customer whose last supplier is not its current one")
    heard = pop.heard
    if heard.min(initial=0) < -1 or heard.max(initial=0) >= len(CHANNELS):
        problems.append("a channel of first contact that does not exist")
    elif buying.any() and (heard[np.flatnonzero(buying), pop.supplier[buying].astype(np.int64)] < 0).any():
        problems.append("a customer of a supplier it never heard of")
    if (pop.tenure < 0).any():
        problems.append("a negative tenure")
    return problems


def capacity_respected(model: TrustMarket) -> list[str]:
    """No supplier serves more customers than its capacity allows."""
    served = model.supplier_metrics["customers"]
    capacity = model.supplier_state.capacity
    over = np.flatnonzero(served > capacity)
    return [f"supplier {i} serves {served[i]} customers, more than its capacity {capacity[i]}" for i in over]


def channels_add_up(model: TrustMarket) -> list[str]:
    """Acquisitions per channel sum to the total, per supplier and for the market."""
    sm, mm = model.supplier_metrics, model.model_metrics
    problems = []
    parts = sm["acquired_ads"] + sm["acquired_reviews"] + sm["acquired_recommendations"]
    if not np.array_equal(parts, sm["acquired"]):
        problems.append("acquisitions per channel do not sum to the total")
    if (sm["acquired_banners"] > sm["acquired_ads"]).any():
        problems.append("more banner acquisitions than advertising acquisitions")
    market = mm["acquired_ads"] + mm["acquired_reviews"] + mm["acquired_recommendations"]
    if market != mm["acquired"] or mm["acquired"] != int(sm["acquired"].sum()):
        problems.append("the market's acquisitions per channel do not sum to its total")
    return problems


def measures_in_range(model: TrustMarket) -> list[str]:
    """NPS within [-100, 100]; shares and mean trust within [0, 1] (NaN only when undefined)."""
    sm, mm = model.supplier_metrics, model.model_metrics
    problems = []
    nps = np.concatenate([np.asarray(sm["nps"], dtype=float), [mm["nps"]]])
    nps = nps[~np.isnan(nps)]
    if ((nps < -100) | (nps > 100)).any():
        problems.append("NPS outside [-100, 100]")
    values = np.array([mm[k] for k in POPULATION_SHARES], dtype=float)
    if not np.isfinite(values).all() or (values < -TOLERANCE).any() or (values > 1 + TOLERANCE).any():
        problems.append("a share of the population outside [0, 1]")
    elif mm["ambassador_share"] + mm["detractor_share"] + mm["prospect_share"] + mm["loyal_share"] > 1 + TOLERANCE:
        problems.append("loyalty stages add up to more than the population")
    trust = np.concatenate([np.asarray(sm["trust"], dtype=float), [mm["mean_trust"]]])
    trust = trust[~np.isnan(trust)]
    if ((trust < -TOLERANCE) | (trust > 1 + TOLERANCE)).any():
        problems.append("mean trust outside [0, 1]")
    return problems


def referrals_recorded(model: TrustMarket) -> list[str]:
    """This step's acquisitions in the referral records: one spell each, with one channel, summing to
    the supplier table's acquisitions, churn, departures and lapses; every acquisition the supplier table
    credits to recommendations names a referrer (and no other does); a recommendation's referrer was a
    customer of the same supplier at that step, and the person who introduced a supplier to a customer
    who later switched to it had bought from it before."""
    sp, sm, step = model.spells, model.supplier_metrics, model.steps
    if step == 0:
        return []
    n, s = sp.n, model.config.market.suppliers
    new = np.flatnonzero(sp.start[:n] == step)
    problems = []
    if (sp.channel[new] < 0).any() or (sp.channel[new] >= len(SPELL_CHANNELS)).any():
        problems.append("an acquisition without exactly one valid channel")
    if not np.array_equal(np.bincount(sp.supplier[new].astype(np.int64), minlength=s), sm["acquired"]):
        problems.append("spells started this step do not match the supplier table's acquisitions")
    ended = np.flatnonzero(sp.end[:n] == step)
    for reason, column in ((SWITCHED, "churned"), (LEFT, "departed"), (LAPSED, "lapsed")):
        who = ended[sp.reason[ended] == reason]
        if not np.array_equal(np.bincount(sp.supplier[who].astype(np.int64), minlength=s), sm[column]):
            problems.append(f"spells ended this step ({END_REASONS[reason]}) do not match the column '{column}'")
    direct = sp.channel[new] == RECOMMENDATION
    introduced = (sp.channel[new] == SWITCH) & (sp.heard_via[new] == RECOMMENDATION)
    credited = new[direct | introduced]
    if not np.array_equal(
        np.bincount(sp.supplier[credited].astype(np.int64), minlength=s), sm["acquired_recommendations"]
    ):
        problems.append("acquisitions credited to recommendations do not match the supplier table's")
    ref = sp.referrer_spell[credited]
    if (ref < 0).any():
        problems.append("an acquisition credited to a recommendation without a referrer")
    else:
        same = sp.supplier[ref] == sp.supplier[credited]
        if not same.all() or not np.array_equal(sp.customer[ref], sp.referrer[credited]):
            problems.append("a referrer whose spell is not with the same supplier")
        ref_rec = sp.referrer_spell[new[direct]]
        current = (sp.start[ref_rec] <= step) & ((sp.end[ref_rec] < 0) | (sp.end[ref_rec] >= step))
        if not current.all() or not (sp.start[sp.referrer_spell[new[introduced]]] <= step).all():
            problems.append("a referrer who was not a customer of the same supplier when it spoke")
    if (sp.referrer_spell[new[~(direct | introduced)]] >= 0).any():
        problems.append("a referrer recorded for an acquisition not credited to a recommendation")
    return problems


def money_adds_up(model: TrustMarket) -> list[str]:
    """Costs are non-negative and finite; profit = revenue - costs; the spells earned the revenue."""
    sm, sp = model.supplier_metrics, model.spells
    problems = []
    costs = np.concatenate([sm["costs"], sm["service_costs"], sm["ad_costs"]])
    if not np.isfinite(costs).all() or (costs < 0).any():
        problems.append("negative or non-finite costs")
    if not np.allclose(sm["profit"], sm["revenue"] - sm["costs"], rtol=1e-12, atol=1e-9):
        problems.append("profit is not revenue minus costs")
    if not np.isfinite(sm["discounted_profit"]).all():
        problems.append("discounted profit not finite")
    billed = float(np.sum(model.datacollector.model_vars.get("revenue", [])))
    earned = float(sp.money()[0].sum())
    if not np.isclose(billed, earned, rtol=1e-9, atol=1e-6):
        problems.append(f"the spells earned {earned:g}, but the suppliers billed {billed:g}")
    return problems


INVARIANTS: tuple[Callable[[TrustMarket], list[str]], ...] = (
    trust_in_unit_interval,
    one_stage_each,
    customers_counted_once,
    capacity_respected,
    channels_add_up,
    measures_in_range,
    referrals_recorded,
    money_adds_up,
)
"""Every invariant :func:`check` verifies, in order."""


def violations(model: TrustMarket) -> list[str]:
    """Every broken invariant of the model's current state (empty when all hold)."""
    return [problem for invariant in INVARIANTS for problem in invariant(model)]


def check(model: TrustMarket) -> None:
    """Check every invariant; raise InvariantError naming each one broken.

    - trust components finite and within [0, 1] (log-odds within ±LOGIT_LIMIT), no NaN;
    - every customer in exactly one loyalty stage, consistent with buying or not;
    - customers per supplier match the population and sum to the number of customers;
    - no supplier serves more than its capacity;
    - acquisitions per channel sum to the total;
    - NPS within [-100, 100], shares and mean trust within [0, 1];
    - this step's acquisitions, switches and departures recorded as spells, each recommendation
      with a referrer who was a customer of the same supplier;
    - costs non-negative, profit = revenue - costs.
    """
    problems = violations(model)
    if problems:
        raise InvariantError(f"step {model.steps}: " + "; ".join(problems))


CHECKED_RUN_FN = "trustsim.invariants:run_one_checked"
"""The sweep run function of ``trustsim sweep --check``."""


def run_one_checked(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> Any:
    """:func:`trustsim.runner.run_one` with every invariant checked after every step.

    For ``run_sweep(..., run_fn=CHECKED_RUN_FN)``: a run that breaks an invariant is recorded
    as that run's failure (``InvariantError: step N: ...``); results are the same as unchecked.
    """
    from trustsim.runner import run_one

    return run_one(scenario, seed, steps, check=True)


def state_finite(model: TrustMarket) -> list[str]:
    """No number of the state is infinite or NaN, and no measure is infinite.

    Every scenario key is bounded so that the arithmetic stays finite; this catches any path
    that still overflows (money, utilities, float32 trust). A measure may be NaN where it is
    undefined (the NPS, trust or effort of a supplier without customers).
    """
    problems = []
    for name, value in vars(model.population).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.isfinite(value).all():
            problems.append(f"population.{name} holds infinite or NaN values")
    for where, table in (("supplier", model.supplier_metrics), ("market", model.model_metrics)):
        for name, value in table.items():
            values = np.asarray(value)
            if values.dtype.kind != "f":
                continue
            if np.isinf(values).any():
                problems.append(f"{where} measure {name} is infinite")
    return problems


INVARIANTS = (*INVARIANTS, state_finite)
