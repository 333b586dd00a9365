"""The passes over the customers that apply the rules of :mod:`trustsim.mechanisms`.

Each phase of the schedule (docs/ODD.md) that touches every customer is one or a few
compiled loops here; the loops only wire the rules together — every piece of arithmetic is a
rule function in :mod:`trustsim.mechanisms` — and state passes in and out explicitly: arrays
and the small dataclasses below, never another module's private attributes.

Why loops rather than numpy expressions: a step touches every customer several times; as
numpy expressions each touch is a pass over memory with a temporary array, and the gathers of
each customer's trust in its own supplier dominate (docs/performance.md). Exponentials are
taken in numpy between loops (:func:`~trustsim.mechanisms.trust.expit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from trustsim.config import Scenario
from trustsim.config.params import read_params
from trustsim.jit import AHEAD, loop, prefetch
from trustsim.mechanisms import choice, gestures, loyalty, mutual, promises, trust
from trustsim.mechanisms.channels import HearParams, Messages
from trustsim.mechanisms.choice import LapseParams, SwitchParams
from trustsim.mechanisms.loyalty import LadderParams
from trustsim.mechanisms.mutual import MutualParams
from trustsim.mechanisms.promises import DeliveryParams
from trustsim.mechanisms.trust import TrustParams, combine, expit
from trustsim.population import Population


class Rules(NamedTuple):
    """The parameters of every per-customer rule, read once from the scenario."""

    trust: TrustParams
    delivery: DeliveryParams
    mutual: MutualParams
    ladder: LadderParams
    hear: HearParams
    switch: SwitchParams
    lapse: LapseParams
    strain_start: float
    strain_loss: float

    @classmethod
    def from_scenario(cls, sc: Scenario) -> Rules:
        """The rules' parameters of scenario `sc`, each tuple read by field name (:func:`read_params`)."""
        gate = sc.wom.mode == "gate"  # version 1: a warning weighs as much as a broken promise
        return cls(
            read_params(TrustParams, sc, "trust", gesture_gain="gestures.gain"),
            read_params(DeliveryParams, sc, "promises", visibility="trust.competence_visibility"),
            read_params(MutualParams, sc, "mutual", loss_multiplier="trust.loss_multiplier"),
            read_params(LadderParams, sc, "loyalty"),
            read_params(
                HearParams, sc, "wom", negative_weight="trust.loss_multiplier" if gate else "wom.negative_weight"
            ),
            read_params(SwitchParams, sc, "switching"),
            read_params(LapseParams, sc, "lapse"),
            float(sc.promises.strain_start),
            float(sc.promises.strain_loss),
        )


class DeliveryPolicy(NamedTuple):
    """The policy fields delivery reads, each an array over suppliers (named as in SupplierPolicy)."""

    extend_trust: np.ndarray
    competence: np.ndarray
    promise: np.ndarray
    reliability: np.ndarray
    over_delivery: np.ndarray
    transparency: np.ndarray
    care: np.ndarray
    anchoring: np.ndarray
    follow_up: np.ndarray
    surprise: np.ndarray

    @classmethod
    def of(cls, policy: dict[str, np.ndarray]) -> DeliveryPolicy:
        """The fields of `policy` (field -> array over suppliers) that delivery reads, by name."""
        return cls(**{f: policy[f] for f in cls._fields})


@dataclass
class Served:
    """Customers with a supplier, that supplier, and their trust components in it (probabilities)."""

    customer: np.ndarray
    supplier: np.ndarray
    components: np.ndarray

    @classmethod
    def nobody(cls) -> Served:
        """No customers."""
        none = np.zeros(0, np.int64)
        return cls(none, none.copy(), np.zeros((0, 4), np.float32))


@dataclass
class Delivery:
    """What delivery did this step: who was served (trust after the experience) and the outcomes."""

    served: Served
    outcomes: np.ndarray  # (S, 3) broken, kept, exceeded
    effort_sum: np.ndarray  # (S,) total effort put into the customers served
    customers: np.ndarray  # (S,) customers served (every current customer)
    gestures: np.ndarray  # (S,) relationship gestures made


# --- own-supplier trust ------------------------------------------------------------------


@loop
def _gather_own(owner, trust_logits, who, which, logits):
    j, n = 0, owner.shape[0]
    for i in range(n):
        if i + AHEAD < n:
            prefetch(trust_logits, i + AHEAD, max(owner[i + AHEAD], 0))
        s = owner[i]
        if s >= 0:
            who[j] = i
            which[j] = s
            for k in range(4):
                logits[j, k] = trust_logits[i, s, k]
            j += 1
    return j


def own_trust(owner: np.ndarray, trust_logits: np.ndarray) -> Served:
    """Everyone with ``owner >= 0``, that owner, and their trust components in it."""
    n = len(owner)
    who, which, logits = np.empty(n, np.int64), np.empty(n, np.int64), np.empty((n, 4), np.float32)
    m = _gather_own(owner, trust_logits, who, which, logits)
    return Served(who[:m], which[:m], expit(logits[:m]))


# --- phases 2-3: delivery, disconfirmation, trust update, mutual trust --------------------


@loop
def _experience(
    cust,
    sup,
    policy,
    strain,
    wave,
    customer_trust,
    fit,
    u_fail,
    z,
    u_admit,
    u_anchor,
    u_gesture,
    dp,
    tp,
    tenure,
    trust_logits,
    prior,
    logits,
    outcome,
    effort,
    gestured,
):
    n = cust.shape[0]
    for i in range(n):
        if i + AHEAD < n:
            prefetch(trust_logits, cust[i + AHEAD], sup[i + AHEAD])
        c, s = cust[i], sup[i]
        e = mutual.effort(policy.extend_trust[s], customer_trust[i])
        effort[i] = e
        able = promises.capability(policy.competence[s], e, strain[s])
        failed = u_fail[i] >= policy.reliability[s] * (1.0 - wave[s])
        q = promises.delivered_quality(
            policy.promise[s],
            able,
            policy.over_delivery[s],
            failed,
            z[i] if dp.noise > 0 else 0.0,
            fit[c, s] if fit.shape[1] else 0.0,
            dp,
        )
        out = promises.disconfirm(q, policy.promise[s], dp.tolerance)
        outcome[i] = out
        admitted = out == trust.BROKEN and u_admit[i] < policy.transparency[s]
        anchored = u_anchor.shape[0] > 0 and u_anchor[i] < policy.anchoring[s]
        seen = promises.visible_competence(q, able, policy.promise[s], dp.visibility) if dp.visibility > 0 else q
        g = u_gesture.shape[0] > 0 and gestures.gets_gesture(
            tenure[c] == 0, out == trust.BROKEN, u_gesture[i], policy.follow_up[s], policy.surprise[s]
        )
        gestured[i] = g
        d = trust.experience_delta(out, q - policy.promise[s], seen, admitted, anchored, policy.care[s], g, tp)
        tenure[c] += 1
        for k in range(4):
            x = trust.update_component(trust_logits[c, s, k], prior[c], d[k], tp.forgetting)
            trust_logits[c, s, k] = x
            logits[i, k] = x


@loop
def _mutual(cust, sup, components, w, reliability, supplier_trust, u_good, mp, outcome, effort, outcomes, effort_sum):
    for i in range(cust.shape[0]):
        c, s = cust[i], sup[i]
        good = mutual.behaves_well(u_good[i], reliability[c], combine(components[i], w), mp.reciprocity)
        supplier_trust[c] = trust.clip_logit(supplier_trust[c] + mutual.supplier_trust_change(good, mp))
        outcomes[s, outcome[i] - trust.BROKEN] += 1
        effort_sum[s] += effort[i]


def deliver(
    pop: Population,
    policy: dict[str, np.ndarray],
    capacity: np.ndarray,
    failure_wave: np.ndarray,
    rules: Rules,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> Delivery:
    """Phases 2-3: every customer is served; promises kept, broken or exceeded; trust updated.

    Applies :func:`promises.capacity_strain`, :func:`mutual.effort`, :func:`promises.capability`,
    :func:`promises.delivered_quality`, :func:`promises.disconfirm`, :func:`promises.visible_competence`,
    :func:`trust.experience_delta`, :func:`trust.update_component`, :func:`mutual.behaves_well` and
    :func:`mutual.supplier_trust_change`, with draws in this order: failures, noise, admissions,
    customers' behaviour, anchoring (only when some supplier anchors), gestures (only when some
    supplier makes them: :func:`gestures.gets_gesture`). A broken-promise wave
    (`failure_wave`) is used up.
    """
    s_count = len(capacity)
    outcomes, effort_sum = np.zeros((s_count, 3), np.int64), np.zeros(s_count)
    cust = np.flatnonzero(pop.supplier >= 0)
    if len(cust) == 0:
        none = np.zeros(s_count, np.int64)
        return Delivery(Served.nobody(), outcomes, effort_sum, none, none.copy())
    n = len(cust)
    sup = pop.supplier[cust].astype(np.int64)
    served_by = np.bincount(sup, minlength=s_count)
    strain = promises.capacity_strain(served_by, capacity, rules.strain_start, rules.strain_loss)
    u_fail = rng.random(n)
    z = rng.standard_normal(n) if rules.delivery.noise > 0 else u_fail[:0]
    u_admit = rng.random(n)
    u_good = rng.random(n)
    u_anchor = rng.random(n) if (policy["anchoring"] > 0).any() else u_fail[:0]
    gesturing = (policy["follow_up"] > 0).any() or (policy["surprise"] > 0).any()
    u_gesture = rng.random(n) if gesturing else u_fail[:0]
    gestured = np.zeros(n, np.bool_)
    logits, outcome, effort = np.empty((n, 4), np.float32), np.empty(n, np.int8), np.empty(n)
    _experience(
        cust,
        sup,
        DeliveryPolicy.of(policy),
        strain,
        failure_wave,
        expit(pop.supplier_trust[cust]),
        pop.fit,
        u_fail,
        z,
        u_admit,
        u_anchor,
        u_gesture,
        rules.delivery,
        rules.trust,
        pop.tenure,
        pop.trust,
        pop.prior_logits,
        logits,
        outcome,
        effort,
        gestured,
    )
    failure_wave[:] = 0.0
    components = expit(logits)
    _mutual(
        cust,
        sup,
        components,
        weights,
        pop.reliability,
        pop.supplier_trust,
        u_good,
        rules.mutual,
        outcome,
        effort,
        outcomes,
        effort_sum,
    )
    gestures_made = np.bincount(sup[gestured], minlength=s_count)
    return Delivery(Served(cust, sup, components), outcomes, effort_sum, served_by, gestures_made)


# --- phase 4: scores and the loyalty ladder ----------------------------------------------


@loop
def _ladder(customers, components, propensity, w, supplier, tenure, score, supplier_trust, stage, disappointed, lp):
    for j in range(customers.shape[0]):
        c = customers[j]
        total = combine(components[j], w)
        score[c] = loyalty.recommend_score(total)
        disappointed[c] = total < propensity[j] and (supplier[c] < 0 or tenure[c] > 0)
        trusted = supplier_trust[c] >= 0.0
        stage[c] = loyalty.ladder_stage(supplier[c] >= 0, disappointed[c], tenure[c], score[c], trusted, lp)


def _same_owners(known: Served, owner: np.ndarray) -> bool:
    """Whether `known` lists exactly the people with owner >= 0, in order, with their owner."""
    return bool(
        (known.supplier >= 0).all()
        and np.count_nonzero(owner >= 0) == len(known.customer)
        and np.array_equal(owner[known.customer], known.supplier)
    )


def rank(pop: Population, weights: np.ndarray, params: LadderParams, known: Served | None = None) -> Served:
    """Phase 4: everyone's score (0-10) for the supplier it last bought from, and the loyalty ladder.

    Applies :func:`loyalty.recommend_score` and :func:`loyalty.ladder_stage`. `known` are the
    trust components just computed by :func:`deliver`, used when they are still everyone's
    (saves a pass over the trust array). Returns everyone with a last supplier, that supplier
    and their trust components in it.
    """
    if known is not None and _same_owners(known, pop.last_supplier):
        experienced = known
    else:
        experienced = own_trust(pop.last_supplier, pop.trust)
    pop.disappointed[:] = False
    pop.stage[:] = loyalty.PROSPECT  # whoever never bought: nothing to judge
    _judge(pop, experienced.customer, experienced.components, weights, params)
    return experienced


def _judge(
    pop: Population, customers: np.ndarray, components: np.ndarray, weights: np.ndarray, params: LadderParams
) -> None:
    """Score and ladder stage of these customers, from their trust components in their last supplier."""
    _ladder(
        customers,
        components,
        expit(pop.prior_logits[customers]),
        weights,
        pop.supplier,
        pop.tenure,
        pop.score,
        pop.supplier_trust,
        pop.stage,
        pop.disappointed,
        params,
    )


@loop
def _carry_over(
    last_supplier,
    supplier,
    tenure,
    touched,
    before_customer,
    before_supplier,
    before_components,
    trust_logits,
    who,
    which,
    components,
    logits,
    redo,
):
    j = r = b = 0
    nb = before_customer.shape[0]
    for i in range(last_supplier.shape[0]):
        row = -1
        if b < nb and before_customer[b] == i:
            row = b
            b += 1
        s = last_supplier[i]
        if s < 0:
            continue
        who[j], which[j] = i, s
        moved = supplier[i] >= 0 and tenure[i] == 0  # joined or switched this step
        if row >= 0 and not touched[i] and not moved and before_supplier[row] == s:
            for k in range(4):
                components[j, k] = before_components[row, k]
        else:
            for k in range(4):
                logits[r, k] = trust_logits[i, s, k]
            redo[r] = j
            r += 1
        j += 1
    return j, r


def rerank(
    pop: Population,
    weights: np.ndarray,
    params: LadderParams,
    before: Served,
    heard: Messages,
    moved: np.ndarray | None = None,
) -> Served:
    """Phase 4 brought up to date after choice: :func:`rank` for the customers whose standing moved.

    Between :func:`rank` after delivery (`before`) and the end of the step, a customer's score and
    stage change only if what it heard moved its trust in its last supplier, or if it joined,
    switched or stopped buying (`moved`: lapse); everyone else's are carried over, so the result is
    the same as a full :func:`rank` at a fraction of the cost (no pass over the trust array).
    """
    n = pop.n
    touched = np.zeros(n, dtype=bool)
    touched[heard.customer[pop.last_supplier[heard.customer] == heard.supplier]] = True
    if moved is not None:
        touched[moved] = True
    who, which = np.empty(n, np.int64), np.empty(n, np.int64)
    components, logits, redo = np.empty((n, 4), np.float32), np.empty((n, 4), np.float32), np.empty(n, np.int64)
    m, r = _carry_over(
        pop.last_supplier,
        pop.supplier,
        pop.tenure,
        touched,
        before.customer,
        before.supplier,
        before.components,
        pop.trust,
        who,
        which,
        components,
        logits,
        redo,
    )
    rows = redo[:r]
    fresh = expit(logits[:r])
    components[rows] = fresh
    _judge(pop, who[rows], fresh, weights, params)
    return Served(who[:m], which[:m], components[:m])


# --- phase 5: who talks -------------------------------------------------------------------


@loop
def _talkers(
    among,
    supplier,
    last_supplier,
    disappointed,
    score,
    talk,
    hub,
    recommend_by_score,
    warn_by_score,
    rec_who,
    rec_about,
    rec_total,
    warn_who,
    warn_about,
    warn_total,
):
    r = w = 0
    rec_sum = warn_sum = 0.0
    for j in range(among.shape[0]):
        i = among[j]
        t = talk[i] * hub[i]
        if supplier[i] >= 0:
            rec_sum += recommend_by_score[score[i]] * t
            rec_who[r], rec_about[r], rec_total[r] = i, supplier[i], rec_sum
            r += 1
        if disappointed[i]:
            warn_sum += warn_by_score[score[i]] * t
            warn_who[w], warn_about[w], warn_total[w] = i, last_supplier[i], warn_sum
            w += 1
    return r, w


def talkers(
    pop: Population,
    hub: np.ndarray,
    recommend_by_score: np.ndarray,
    warn_by_score: np.ndarray,
    ranked: Served,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Who may recommend (every customer, about its supplier) and who may warn (the disappointed,
    about their last supplier), each with its expected messages per week: the chance for its
    score (:func:`channels.recommend_chance`, :func:`channels.warn_chance`) times its
    talkativeness and hub factor. Returns ((who, about, running total of the rates) of
    recommenders, (...) of warners), the form :func:`channels.word_of_mouth` takes with
    ``cumulative=True``. `ranked` is the latest :func:`rank`: only those it ranked can talk (a
    customer or a disappointed former customer has a last supplier), so only they are visited."""
    n = len(ranked.customer)
    out = [
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.empty(n),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.empty(n),
    ]
    r, w = _talkers(
        ranked.customer,
        pop.supplier,
        pop.last_supplier,
        pop.disappointed,
        pop.score,
        pop.talk,
        hub,
        recommend_by_score,
        warn_by_score,
        *out,
    )
    return (out[0][:r], out[1][:r], out[2][:r]), (out[3][:w], out[4][:w], out[5][:w])


# --- phase 6: who wishes to leave ---------------------------------------------------------


@loop
def _leaving(cust, own_sup, components, w, tenure, supplier, u, p, out_cust, out_sup, out_own):
    j = 0
    for i in range(cust.shape[0]):
        c = cust[i]
        if tenure[c] == 0 or supplier[c] != own_sup[i]:  # joined or moved this step: nothing to judge yet
            continue
        own = combine(components[i], w)
        if choice.wishes_to_leave(own, u[i] if u.shape[0] else 0.0, p):
            out_cust[j], out_sup[j], out_own[j] = c, own_sup[i], own
            j += 1
    return j


def leaving_customers(
    pop: Population,
    weights: np.ndarray,
    served: Served,
    messages: Messages,
    params: SwitchParams,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers served this step who wish to leave their supplier (:func:`choice.wishes_to_leave`
    on their trust after this step's messages), that supplier, and that trust.

    `served.components` is brought up to date (in place) for the customers whose trust in their
    supplier this step's messages moved. Churn as a hazard draws one uniform per customer served;
    the version-1 hard threshold draws none.
    """
    cust, own_sup, components = served.customer, served.supplier, served.components
    touched = np.zeros(pop.n, dtype=bool)
    touched[messages.customer[pop.supplier[messages.customer] == messages.supplier]] = True
    rows = np.flatnonzero(touched[cust])
    if len(rows):
        components[rows] = expit(pop.trust[cust[rows], own_sup[rows]])
    u = rng.random(len(cust)) if params.softness > 0 else np.zeros(0)
    n = len(cust)
    out_cust, out_sup, out_own = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.float32)
    k = _leaving(cust, own_sup, components, weights, pop.tenure, pop.supplier, u, params, out_cust, out_sup, out_own)
    return out_cust[:k], out_sup[:k], out_own[:k]
