"""Compiled (numba) twins of the model's hot loops: the same arithmetic, fused into few passes.

Why: a step touches every customer several times; as numpy expressions each touch is a
pass over memory with a temporary array, and the fancy-indexed gathers of each customer's
trust in its own supplier dominate (docs/performance.md has the profile). Here each phase
is one or two loops over the customers.

Contract: every function does exactly what the numpy reference path does — the phase of
:class:`~trustsim.model.TrustMarket` or mechanism function named in its docstring — with the
same operations in the same order and precision and the same draws from the run's
generator, so ``TrustMarket(compiled=True)`` (the default) and ``compiled=False`` give
bit-identical tables (tests/test_performance_equivalence.py). Change the reference and its
twin together. Exponentials stay in numpy (:func:`~trustsim.mechanisms.trust.expit`): its
SIMD ``exp`` differs from libm's in the last bit, so kernels gather the log-odds to
exponentiate into a contiguous buffer, numpy exponentiates it, and the next kernel goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from trustsim.mechanisms import loyalty, promises
from trustsim.mechanisms.channels import COMPETENCE, RELIABILITY, Messages
from trustsim.mechanisms.trust import BROKEN, EXCEEDED, KEPT, LOGIT_LIMIT, expit

if TYPE_CHECKING:
    from trustsim.model import TrustMarket

_LIMIT = np.float32(LOGIT_LIMIT)
_AHEAD = 16  # rows to prefetch ahead: one cache miss per customer is the cost of a pass over trust


@intrinsic
def _prefetch(typingctx, array, i, j):
    """Ask the CPU to fetch ``array[i, j]`` into cache (LLVM's prefetch hint; no effect on results).

    The trust array is read one row per customer at an irregular stride, which the hardware
    prefetcher does not follow; without it a pass waits on memory for every customer.
    """
    sig = types.void(array, i, j)

    def codegen(context, builder, signature, args):
        arrty = signature.args[0]
        arr = context.make_array(arrty)(context, builder, args[0])
        idx = [context.cast(builder, a, t, types.intp) for a, t in zip(args[1:], signature.args[1:], strict=True)]
        idx += [context.get_constant(types.intp, 0)] * (arrty.ndim - 2)
        ptr = cgutils.get_item_pointer2(context, builder, data=arr.data, shape=cgutils.unpack_tuple(builder, arr.shape),
                                        strides=cgutils.unpack_tuple(builder, arr.strides), layout=arrty.layout,
                                        inds=idx)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, inline="always")
def _combine(c: np.ndarray, w: np.ndarray) -> np.float32:
    """trust.combine for one row: (c0 w0 + c1 w1) + (c2 w2 + c3 w3), in float32."""
    return (c[0] * w[0] + c[1] * w[1]) + (c[2] * w[2] + c[3] * w[3])


@njit(cache=True, inline="always")
def _clip(x, lo, hi):
    return min(max(x, lo), hi)


@njit(cache=True, inline="always")
def _asymmetric(x: float, loss: float) -> np.float32:
    """trust.asymmetric for one float64 value."""
    return np.float32(x * loss if x < 0 else x)


# --- own-supplier trust ------------------------------------------------------------------


@njit(cache=True)
def _gather_own(owner, trust, who, which, logits):
    """Customers with owner >= 0, their owner, and their log-odds in it; returns how many."""
    j, n = 0, owner.shape[0]
    for i in range(n):
        if i + _AHEAD < n:
            _prefetch(trust, i + _AHEAD, max(owner[i + _AHEAD], 0))
        s = owner[i]
        if s >= 0:
            who[j] = i
            which[j] = s
            for k in range(4):
                logits[j, k] = trust[i, s, k]
            j += 1
    return j


def own_trust(owner: np.ndarray, trust: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customers, their supplier, components as probabilities) for everyone with ``owner >= 0``.

    Twin of ``flatnonzero(owner >= 0)`` and ``expit(trust[who, owner[who]])``.
    """
    n = len(owner)
    who, which, logits = np.empty(n, np.int64), np.empty(n, np.int64), np.empty((n, 4), np.float32)
    m = _gather_own(owner, trust, who, which, logits)
    return who[:m], which[:m], expit(logits[:m])


@njit(cache=True)
def _combine_rows_into(components, w, out):
    for i in range(components.shape[0]):
        out[i] = _combine(components[i], w)


def _combine_rows(components: np.ndarray, w: np.ndarray) -> np.ndarray:
    """trust.combine over rows."""
    out = np.empty(components.shape[0], np.float32)
    _combine_rows_into(components, w, out)
    return out


# --- phase 4: scores and the loyalty ladder ----------------------------------------------


@njit(cache=True)
def _ladder(experienced, components, propensity, w, supplier, tenure, score, supplier_trust, stage, disappointed,
            loyal_tenure, ambassador_tenure, loyal_score, ambassador_score, detractor_score):
    for j in range(experienced.shape[0]):
        total = _combine(components[j], w)
        score[experienced[j]] = np.int8(np.rint(_clip(total, np.float32(0.0), np.float32(1.0)) * np.float32(10)))
        disappointed[experienced[j]] = total < propensity[j]
    for i in range(supplier.shape[0]):
        has = supplier[i] >= 0
        sc = score[i]
        st = loyalty.PROSPECT
        if has:
            st = loyalty.CUSTOMER
            if tenure[i] >= loyal_tenure and sc >= loyal_score:
                st = loyalty.LOYAL
            if tenure[i] >= ambassador_tenure and sc >= ambassador_score and supplier_trust[i] >= 0.0:
                st = loyalty.AMBASSADOR
        if disappointed[i] and ((not has) or tenure[i] > 0) and sc <= detractor_score:
            st = loyalty.DETRACTOR
        stage[i] = st


def _same_owners(who: np.ndarray, which: np.ndarray, owner: np.ndarray) -> bool:
    """Whether (who, which) lists exactly the customers with owner >= 0, in order, and their owner.

    `which` >= 0 and ``owner[who] == which`` make `who` a subset of them; equal counts make it all.
    """
    return bool((which >= 0).all() and np.count_nonzero(owner >= 0) == len(who) and np.array_equal(owner[who], which))


def update_loyalty(model: TrustMarket) -> None:
    """Twin of ``TrustMarket._update_loyalty``: scores towards the last supplier, the ladder."""
    sc, pop = model.config, model.population
    lo = sc.loyalty
    fresh, model._delivered = model._delivered, None
    if fresh is not None and _same_owners(fresh[0], fresh[1], pop.last_supplier):
        experienced, last, components = fresh  # just computed by deliver(): no second pass over trust
    else:
        experienced, last, components = own_trust(pop.last_supplier, pop.trust)
    propensity = expit(pop.prior_logits[experienced])
    _ladder(experienced, components, propensity, model.weights, pop.supplier, pop.tenure, pop.score,
            pop.supplier_trust, pop.stage, np.zeros(pop.n, np.bool_), lo.loyal_tenure, lo.ambassador_tenure,
            lo.loyal_score, lo.ambassador_score, lo.detractor_score)
    model._experienced = (experienced, last, components)


# --- phases 2-3: delivery, disconfirmation, trust update, mutual trust --------------------


@njit(cache=True)
def _deliver(sup, effort_floor, competence, promise, reliability, over_delivery, transparency, care, strain, wave,
             customer_trust, u_fail, z, u_admit, noise, failure_drop, tolerance, gain, loss, over_gain,
             repair_relief, care_rate, delta, outcome, effort):
    """Delivery, disconfirmation and the log-odds change of each component, per customer served."""
    for i in range(sup.shape[0]):
        s = sup[i]
        e = effort_floor[s] + (1.0 - effort_floor[s]) * np.float64(customer_trust[i])
        effort[i] = e
        able = competence[s] * e * strain[s]
        promised = promise[s]
        failed = u_fail[i] >= reliability[s] * (1.0 - wave[s])
        q = min(promised, able) + over_delivery[s]
        if noise > 0:
            q = q + noise * z[i]
        q = q - failure_drop * (1.0 if failed else 0.0)
        q = _clip(q, 0.0, 1.0)
        d = q - promised
        out = KEPT
        if d < -tolerance:
            out = BROKEN
        exceeded = d > tolerance
        if exceeded:
            out = EXCEEDED
        outcome[i] = out
        broken = out == BROKEN
        admitted = broken and u_admit[i] < transparency[s]
        relief = 1.0 - repair_relief if admitted else 1.0
        bonus = gain * over_gain * (d if exceeded else 0.0)
        d0 = np.float32(-gain * loss * relief) if broken else np.float32(gain)
        delta[i, 0] = np.float32(np.float64(d0) + bonus)
        delta[i, 1] = np.float32((gain if admitted else -gain * loss) if broken else 0.0)
        d2 = _asymmetric(gain * (2.0 * _clip(q, 0.0, 1.0) - 1.0), loss)
        delta[i, 2] = np.float32(np.float64(d2) + bonus)
        d3 = _asymmetric(care_rate * (2.0 * care[s] - 1.0), loss)
        delta[i, 3] = np.float32(np.float64(d3) + bonus)


@njit(cache=True)
def _update_trust(cust, sup, tenure, trust, prior, delta, forgetting, logits):
    """trust.forget then trust.apply_delta on each served customer's row; a copy into `logits`."""
    forget = np.float32(forgetting)
    n = cust.shape[0]
    for i in range(n):
        if i + _AHEAD < n:
            _prefetch(trust, cust[i + _AHEAD], sup[i + _AHEAD])
        c, s = cust[i], sup[i]
        tenure[c] += 1
        p = prior[c]
        for k in range(4):
            x = trust[c, s, k]
            if forgetting > 0:
                x = x - forget * (x - p)
            x = _clip(x + delta[i, k], -_LIMIT, _LIMIT)
            trust[c, s, k] = x
            logits[i, k] = x


@njit(cache=True)
def _mutual(cust, sup, components, w, reliability, supplier_trust, u_good, reciprocity, gain, loss,
            outcome, effort, outcomes, effort_sum):
    up = np.float32(gain) * np.float32(loss) if np.float32(gain) < 0 else np.float32(gain)
    down = np.float32(-gain) * np.float32(loss) if np.float32(-gain) < 0 else np.float32(-gain)
    recip = np.float32(reciprocity)
    for i in range(cust.shape[0]):
        c, s = cust[i], sup[i]
        own = _combine(components[i], w)
        distrust = max(np.float32(0.0), np.float32(0.5) - own) * np.float32(2.0)
        good = u_good[i] < reliability[c] * (np.float32(1.0) - recip * distrust)
        supplier_trust[c] = _clip(supplier_trust[c] + (up if good else down), -_LIMIT, _LIMIT)
        outcomes[s, outcome[i] - BROKEN] += 1
        effort_sum[s] += effort[i]


def deliver(model: TrustMarket, policy: dict[str, np.ndarray]) -> None:
    """Twin of ``TrustMarket._deliver`` (promises.deliver, promises.disconfirm,
    trust.experience_delta, trust.forget, trust.apply_delta, mutual.effort,
    mutual.behaves_well, mutual.supplier_trust_delta, Flows.record_deliveries)."""
    sc, pop, rng = model.config, model.population, model.rng
    model._delivered = model._served = None
    cust = np.flatnonzero(pop.supplier >= 0)
    if len(cust) == 0:
        return
    n, s_count = len(cust), sc.market.suppliers
    sup = pop.supplier[cust].astype(np.int64)
    served = np.bincount(sup, minlength=s_count)
    strain = promises.capacity_strain(served, model.capacity, sc.promises.strain_start, sc.promises.strain_loss)
    # the reference draws in this order: failures, noise, admissions, customers' behaviour
    u_fail = rng.random(n)
    z = rng.standard_normal(n) if sc.promises.noise > 0 else u_fail[:0]
    u_admit = rng.random(n)
    u_good = rng.random(n)
    customer_trust = expit(pop.supplier_trust[cust])
    t, p = sc.trust, sc.promises
    delta, outcome, effort = np.empty((n, 4), np.float32), np.empty(n, np.int8), np.empty(n)
    _deliver(
        sup, policy["extend_trust"], policy["competence"], policy["promise"], policy["reliability"],
        policy["over_delivery"], policy["transparency"], policy["care"], strain, model.failure_wave, customer_trust,
        u_fail, z, u_admit, float(p.noise), float(p.failure_drop), float(p.tolerance), float(t.gain),
        float(t.loss_multiplier), float(t.over_delivery_gain), float(t.repair_relief), float(t.care_rate),
        delta, outcome, effort,
    )
    logits = np.empty((n, 4), np.float32)
    _update_trust(cust, sup, pop.tenure, pop.trust, pop.prior_logits, delta, float(t.forgetting), logits)
    model.failure_wave[:] = 0.0
    outcomes = np.zeros_like(model.flows.outcomes)
    effort_sum = np.zeros_like(model.flows.effort_sum)
    components = expit(logits)
    # update_loyalty() and unhappy_customers() reuse these instead of reading the trust array again
    model._delivered = model._served = (cust, sup, components)
    _mutual(cust, sup, components, model.weights, pop.reliability, pop.supplier_trust, u_good,
            float(sc.mutual.reciprocity), float(sc.mutual.gain), float(t.loss_multiplier),
            outcome, effort, outcomes, effort_sum)
    model.flows.outcomes += outcomes
    model.flows.effort_sum += effort_sum


# --- phase 5: hearing --------------------------------------------------------------------


@njit(cache=True)
def _hear(customer, supplier, channel, valence, trust, heard, prior, credibility, signal, loss, first):
    m = customer.shape[0]
    for i in range(m):
        if i + _AHEAD < m:
            _prefetch(heard, customer[i + _AHEAD], supplier[i + _AHEAD])
            _prefetch(trust, customer[i + _AHEAD], supplier[i + _AHEAD])
        first[i] = heard[customer[i], supplier[i]] < 0
    for i in range(m):
        if first[i]:
            c, s = customer[i], supplier[i]
            for k in range(4):
                trust[c, s, k] = prior[c]
            heard[c, s] = channel[i]
    for i in range(m):
        nudge = credibility[channel[i]] * signal * np.float64(valence[i])
        nudge32 = np.float32(nudge * loss if nudge < 0 else nudge)
        trust[customer[i], supplier[i], RELIABILITY] += nudge32
        trust[customer[i], supplier[i], COMPETENCE] += nudge32
    for i in range(m):
        for k in range(4):
            trust[customer[i], supplier[i], k] = _clip(trust[customer[i], supplier[i], k], -_LIMIT, _LIMIT)


def hear(
    messages: Messages,
    trust_logits: np.ndarray,
    heard: np.ndarray,
    prior_logits: np.ndarray,
    credibility: np.ndarray,
    signal: float,
    loss_multiplier: float,
) -> np.ndarray:
    """Twin of :func:`trustsim.mechanisms.channels.hear` (same arguments, same effect)."""
    first = np.empty(len(messages), np.bool_)
    _hear(messages.customer, messages.supplier, messages.channel, messages.valence, trust_logits, heard,
          prior_logits, credibility.astype(np.float64), float(signal), float(loss_multiplier), first)
    return first


# --- phase 6: who is unhappy -------------------------------------------------------------


def unhappy_customers(
    model: TrustMarket, threshold: float, messages: Messages
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Twin of the start of ``TrustMarket._switch``: customers (served this step) whose trust in
    their own supplier is below `threshold`, that supplier, and that trust.

    The reference scans every current customer; those who joined this step are dropped
    right after (no delivery to judge yet), so this scans the customers served by
    :func:`deliver`, whose trust rows it still holds: only the rows this step's `messages`
    touched since are read again.
    """
    pop = model.population
    served = model._served
    if served is None:
        cust, own_sup, components = own_trust(pop.supplier, pop.trust)
    else:
        cust, own_sup, components = served
        touched = np.zeros(pop.n, dtype=bool)
        touched[messages.customer[pop.supplier[messages.customer] == messages.supplier]] = True
        rows = np.flatnonzero(touched[cust])
        if len(rows):
            components = components.copy()
            components[rows] = expit(pop.trust[cust[rows], own_sup[rows]])
    own = _combine_rows(components, model.weights)
    unhappy = own < threshold
    return cust[unhappy], own_sup[unhappy], own[unhappy]


@njit(cache=True)
def _best_alternative(components, w, heard, cust, own_sup, own, room, threshold, margin, target):
    """choice.switch_targets over alternatives masked as in ``TrustMarket._switch``."""
    thr32, margin32 = np.float32(threshold), np.float32(margin)
    for i in range(cust.shape[0]):
        c = cust[i]
        best, best_s = -np.inf, 0
        for s in range(components.shape[1]):
            if heard[c, s] < 0 or s == own_sup[i] or room[s] <= 0:
                continue
            v = np.float64(_combine(components[i, s], w))
            if v > best:
                best, best_s = v, s
        ok = own[i] < thr32 and best >= threshold and best >= np.float64(own[i] + margin32)
        target[i] = best_s if ok else -1


def switch_targets(model: TrustMarket, cust: np.ndarray, own_sup: np.ndarray, own: np.ndarray, room: np.ndarray,
                   threshold: float, margin: float) -> np.ndarray:
    """Twin of the alternatives of ``TrustMarket._switch`` and :func:`choice.switch_targets`: each
    unhappy customer's best known alternative with room, or -1."""
    pop = model.population
    components = expit(pop.trust[cust])
    target = np.empty(len(cust), np.int64)
    _best_alternative(components, model.weights, pop.heard, cust, own_sup, own, room.astype(np.int64),
                      float(threshold), float(margin), target)
    return target


# --- measures ----------------------------------------------------------------------------


@njit(cache=True)
def customers_per_supplier(supplier: np.ndarray, s_count: int) -> np.ndarray:
    """Twin of ``np.bincount(supplier[supplier >= 0], minlength=s_count)``."""
    out = np.zeros(s_count, np.int64)
    for i in range(supplier.shape[0]):
        if supplier[i] >= 0:
            out[supplier[i]] += 1
    return out


@njit(cache=True)
def _histogram(supplier, last_supplier, stage, score, s_count, n_stages):
    """Customers by (current supplier + 1, stage, promoter / passive / detractor score), and
    detractors by last supplier: one increment per customer, so no counter waits on the last."""
    h = np.zeros((s_count + 1, n_stages, 3), np.int64)
    detractors = np.zeros(s_count, np.int64)
    for i in range(supplier.shape[0]):
        st, sc = stage[i], score[i]
        kind = 0 if sc >= loyalty.PROMOTER_MIN else (2 if sc <= loyalty.DETRACTOR_MAX else 1)
        h[supplier[i] + 1, st, kind] += 1
        if st == loyalty.DETRACTOR:
            detractors[last_supplier[i]] += 1
    return h, detractors


@njit(cache=True)
def _sums_by(group, total, components, s_count):
    count = np.zeros(s_count, np.int64)
    sums = np.zeros((5, s_count), np.float64)
    for j in range(group.shape[0]):
        g = group[j]
        count[g] += 1
        sums[0, g] += np.float64(total[j])
        for k in range(4):
            sums[k + 1, g] += np.float64(components[j, k])
    return count, sums


def population_counts(model: TrustMarket) -> dict[str, np.ndarray]:
    """Twin of :func:`trustsim.metrics.population_counts`."""
    pop, s = model.population, model.config.market.suppliers
    h, detractors = _histogram(pop.supplier, pop.last_supplier, pop.stage, pop.score, s, len(loyalty.STAGES))
    _, last, components = model._experienced
    total = _combine_rows(components, model.weights)
    count, sums = _sums_by(last, total, components, s)
    current = h[1:]
    return {
        "customers": current.sum(axis=(1, 2)), "ambassadors": current[:, loyalty.AMBASSADOR].sum(axis=1),
        "detractors": detractors, "loyal": current[:, loyalty.LOYAL].sum(axis=1),
        "promoters": current[:, :, 0].sum(axis=1), "nps_detractors": current[:, :, 2].sum(axis=1),
        "stages": h.sum(axis=(0, 2)), "total_trust": total, "experienced_count": count, "trust_sums": sums,
    }
