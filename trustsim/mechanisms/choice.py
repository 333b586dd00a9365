"""Choice and switching: who buys from whom.

Models: Vergroten — more trust, more chance of cooperation (MODEL_BRIEF §2.10); a prospect
who is persuaded chooses among the suppliers it heard of by trust (a logit choice); a
customer leaves only when its trust is low *and* a trusted alternative exists, so when no
supplier is trusted people hardly switch (MODEL_BRIEF §4, the bank figures).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from trustsim.jit import loop, rule
from trustsim.mechanisms.trust import combine


def persuaded(
    rng: np.random.Generator,
    credibility: np.ndarray,
    trust: np.ndarray,
    gating: bool,
) -> np.ndarray:
    """Whether each message persuades its prospect to buy: chance = credibility x trust.

    Trust is the willingness to take a risk (Mayer et al. 1995); a message is believed with
    its channel's credibility. With gating off (the Bass limit) every message persuades.

    Example:
        Full trust and credibility always persuade, no trust never; with gating off everyone is persuaded:

        >>> credibility, trust = np.array([1.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0])
        >>> persuaded(np.random.default_rng(0), credibility, trust, True).tolist()
        [True, False, False]
        >>> persuaded(np.random.default_rng(0), credibility, trust, False).tolist()
        [True, True, True]
    """
    if not gating:
        return np.ones(len(trust), dtype=bool)
    return rng.random(len(trust)) < credibility * trust


def logit_choice(
    rng: np.random.Generator,
    chooser: np.ndarray,
    option: np.ndarray,
    utility: np.ndarray,
) -> np.ndarray:
    """Pick one option per chooser with probability proportional to exp(utility).

    Uses the Gumbel-max trick, so all choosers are drawn at once; returns the row index
    (into the given arrays) of each chooser's pick, choosers in increasing order.

    Example:
        A thousand choosers with two options, the second with utility log 3: about three in four pick it:

        >>> chooser, option = np.repeat(np.arange(1000), 2), np.tile([0, 1], 1000)
        >>> picks = logit_choice(np.random.default_rng(0), chooser, option, np.log(np.where(option == 1, 3.0, 1.0)))
        >>> len(picks), bool((np.diff(chooser[picks]) > 0).all()), 0.7 < float(option[picks].mean()) < 0.8
        (1000, True, True)
    """
    if len(chooser) == 0:
        return np.zeros(0, dtype=np.int64)
    key = utility - np.log(-np.log(rng.random(len(chooser))))
    order = np.lexsort((key, chooser))
    last = np.r_[chooser[order][1:] != chooser[order][:-1], True]
    return order[last]


def within_capacity(rng: np.random.Generator, supplier: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Mask of newcomers a supplier can take: at most `room[s]` each, chosen at random.

    Example:
        Three newcomers for supplier 0, which has room for two; one for supplier 1, which has room:

        >>> ok = within_capacity(np.random.default_rng(0), np.array([0, 0, 0, 1]), np.array([2, 5]))
        >>> int(ok[:3].sum()), bool(ok[3])
        (2, True)
    """
    if len(supplier) == 0:
        return np.zeros(0, dtype=bool)
    perm = rng.permutation(len(supplier))
    s = supplier[perm]
    order = np.argsort(s, kind="stable")
    sorted_s = s[order]
    starts = np.searchsorted(sorted_s, sorted_s, side="left")
    rank = np.arange(len(sorted_s)) - starts
    ok_sorted = rank < room[sorted_s]
    ok = np.empty(len(supplier), dtype=bool)
    ok[perm[order]] = ok_sorted
    return ok


class SwitchParams(NamedTuple):
    """The ``[switching]`` thresholds (see docs/config.md)."""

    threshold: float
    margin: float
    rate: float
    softness: float


class LapseParams(NamedTuple):
    """The ``[lapse]`` parameters: the hazard of stopping to buy from anyone (see docs/config.md)."""

    rate: float
    threshold: float
    softness: float
    weeks: float


@loop
def _lapsing(own, u, p, out):
    for i in range(own.shape[0]):
        out[i] = wishes_to_leave(own[i], u[i], p)


def lapses(own: np.ndarray, u: np.ndarray, p: LapseParams) -> np.ndarray:
    """Which customers, trusting their supplier `own`, stop buying from anyone this week (`u`: uniforms).

    Models: customers who lose trust do not only switch; many simply stop buying for a while, so
    retention has money value (Reichheld & Sasser 1990; Gupta, Lehmann & Stuart 2004). The hazard is
    the churn hazard's shape (:func:`leave_chance`: ``rate / (1 + exp((trust - threshold) / softness))``)
    with the ``[lapse]`` parameters, and needs no trusted alternative.

    Example:
        >>> p = LapseParams(rate=0.1, threshold=0.35, softness=0.05, weeks=26.0)
        >>> lapses(np.array([0.1, 0.9], np.float32), np.array([0.05, 0.05]), p).tolist()
        [True, False]
    """
    out = np.empty(len(own), np.bool_)
    _lapsing(own.astype(np.float32), u, p, out)
    return out


def lapse_weeks(rng: np.random.Generator, k: int, mean: float) -> np.ndarray:
    """How long each of `k` lapsed customers buys from no one: geometric with this mean (at least 1 week).

    Example:
        >>> w = lapse_weeks(np.random.default_rng(0), 1000, 26.0)
        >>> bool(w.min() >= 1), bool(20 < w.mean() < 32)
        (True, True)
    """
    return rng.geometric(1.0 / mean, size=k)


@rule
def leave_chance(own: np.float32, p: SwitchParams) -> float:
    """Chance per week that a customer wishes to leave: churn as a hazard rising smoothly as its
    trust in its supplier falls, ``rate / (1 + exp((trust - threshold) / softness))``.

    Models: the less a customer trusts its supplier the likelier it looks elsewhere; whether it
    actually leaves depends on a trusted alternative (:func:`acceptable`, lock-in).

    Example:
        >>> p = SwitchParams(threshold=0.5, margin=0.1, rate=0.2, softness=0.05)
        >>> round(leave_chance(np.float32(0.5), p), 3)
        0.1
        >>> leave_chance(np.float32(0.2), p) > leave_chance(np.float32(0.5), p) > leave_chance(np.float32(0.8), p)
        True
    """
    return p.rate / (1.0 + math.exp((np.float64(own) - p.threshold) / p.softness))


@rule
def wishes_to_leave(own: np.float32, u: float, p: SwitchParams) -> bool | np.bool_:
    """Whether a customer trusting its supplier `own` wishes to leave this week (`u`: a uniform draw).

    With ``softness = 0`` (version 1) whenever `own` is below `threshold`; otherwise with
    :func:`leave_chance`.

    Example:
        >>> hard = SwitchParams(threshold=0.5, margin=0.1, rate=1.0, softness=0.0)
        >>> bool(wishes_to_leave(np.float32(0.4), 0.99, hard)), bool(wishes_to_leave(np.float32(0.6), 0.0, hard))
        (True, False)
        >>> soft = SwitchParams(threshold=0.5, margin=0.1, rate=0.2, softness=0.05)
        >>> bool(wishes_to_leave(np.float32(0.3), 0.1, soft)), bool(wishes_to_leave(np.float32(0.9), 0.1, soft))
        (True, False)
    """
    if p.softness > 0:
        if u >= p.rate:  # the chance never exceeds `rate`: most need no exp
            return False
        x = (np.float64(own) - p.threshold) / p.softness
        # exp(x) >= 1 + x + x^2/2 + x^3/6 for x > 0, so a draw this far above the bound stays above
        # the chance whatever the last bits of exp: the same answer without computing it
        if x > 0.0 and u * (2.0 + x * (1.0 + x * (0.5 + x / 6.0))) > p.rate * (1.0 + 1e-9):
            return False
        return u < leave_chance(own, p)
    return own < np.float32(p.threshold)


@rule
def acceptable(own: np.float32, best: float, p: SwitchParams) -> bool | np.bool_:
    """Whether an alternative trusted `best` is worth leaving a supplier trusted `own` for.

    Lock-in (MODEL_BRIEF §4): only an alternative that reaches `threshold` and is trusted at
    least `margin` more; when no supplier is trusted, nobody moves.

    Example:
        An alternative below the threshold is no option however low `own` is; above it, it must beat
        `own` by the margin:

        >>> p = SwitchParams(threshold=0.5, margin=0.1, rate=0.2, softness=0.05)
        >>> [bool(acceptable(np.float32(own), best, p)) for own, best in ((0.1, 0.45), (0.6, 0.65), (0.6, 0.75))]
        [False, False, True]
    """
    return best >= p.threshold and best >= np.float64(own + np.float32(p.margin))


@loop
def _acceptable_all(own, best, p, out):
    for i in range(own.shape[0]):
        out[i] = acceptable(own[i], best[i], p)


def acceptable_alternatives(own: np.ndarray, best: np.ndarray, p: SwitchParams) -> np.ndarray:
    """:func:`acceptable` for each pair of (own trust, the alternative's trust).

    Example:
        >>> p = SwitchParams(threshold=0.5, margin=0.1, rate=0.2, softness=0.05)
        >>> acceptable_alternatives(np.array([0.1, 0.6, 0.6]), np.array([0.45, 0.65, 0.75]), p).tolist()
        [False, False, True]
    """
    out = np.empty(len(own), np.bool_)
    _acceptable_all(own.astype(np.float32), best.astype(np.float64), p, out)
    return out


@rule
def switches(own: np.float32, best: float, p: SwitchParams) -> bool | np.bool_:
    """Whether a customer who wishes to leave (:func:`wishes_to_leave`) goes to its best alternative.

    Only for an :func:`acceptable` alternative; with a hard threshold (``softness = 0``, version
    1) the customer must also still trust its supplier less than `threshold`.

    Example:
        With a hard threshold a customer still trusting its supplier 0.6 stays, even for a better one:

        >>> hard = SwitchParams(threshold=0.5, margin=0.1, rate=1.0, softness=0.0)
        >>> bool(switches(np.float32(0.4), 0.9, hard)), bool(switches(np.float32(0.6), 0.9, hard))
        (True, False)
    """
    unhappy = p.softness > 0 or own < np.float32(p.threshold)
    return unhappy and acceptable(own, best, p)


@loop
def _best_alternatives(components, w, heard, cust, own_sup, own, room, p, target):
    for i in range(cust.shape[0]):
        c = cust[i]
        best, best_s = -np.inf, 0
        for s in range(components.shape[1]):
            if heard[c, s] < 0 or s == own_sup[i] or room[s] <= 0:
                continue
            v = np.float64(combine(components[i, s], w))
            if v > best:
                best, best_s = v, s
        target[i] = best_s if switches(own[i], best, p) else -1


def switch_targets(
    components: np.ndarray,
    weights: np.ndarray,
    heard: np.ndarray,
    customers: np.ndarray,
    own_supplier: np.ndarray,
    own_trust: np.ndarray,
    room: np.ndarray,
    params: SwitchParams,
) -> np.ndarray:
    """Each unhappy customer's best known alternative with room, or -1 where none qualifies.

    Args:
        components: (n, S, 4) trust components (probabilities) of these customers in every supplier.
        weights: component weights.
        heard: (N, S) channel of first contact (-1: never heard of the supplier).
        customers: the n customers.
        own_supplier: each one's current supplier; own_trust: its overall trust in it.
        room: free places per supplier.
        params: the switching thresholds.

    Example:
        Both customers buy from supplier 0 (trust 0.3); suppliers 1 and 2 are trusted 0.6 and 0.8, but 2
        is full, and customer 1 never heard of either:

        >>> components = np.tile(np.array([0.3, 0.6, 0.8], np.float32)[:, None], (2, 1, 4))
        >>> heard, room = np.array([[0, 0, 0], [0, -1, -1]], np.int8), np.array([5, 5, 0])
        >>> p = SwitchParams(threshold=0.5, margin=0.1, rate=1.0, softness=0.0)
        >>> w, own = np.full(4, 0.25, np.float32), np.array([0.3, 0.3], np.float32)
        >>> switch_targets(components, w, heard, np.array([0, 1]), np.array([0, 0]), own, room, p).tolist()
        [1, -1]
    """
    target = np.empty(len(customers), np.int64)
    _best_alternatives(
        components, weights, heard, customers, own_supplier, own_trust, room.astype(np.int64), params, target
    )
    return target
