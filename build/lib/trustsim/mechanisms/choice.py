"""Choice and switching: who buys from whom.

Models: Vergroten — more trust, more chance of cooperation (MODEL_BRIEF §2.10); a prospect
who is persuaded chooses among the suppliers it heard of by trust (a logit choice); a
customer leaves only when its trust is low *and* a trusted alternative exists, so when no
supplier is trusted people hardly switch (MODEL_BRIEF §4, the bank figures).
"""

from __future__ import annotations

import numpy as np


def persuaded(
    rng: np.random.Generator,
    credibility: np.ndarray,
    trust: np.ndarray,
    gating: bool,
) -> np.ndarray:
    """Whether each message persuades its prospect to buy: chance = credibility x trust.

    Trust is the willingness to take a risk (Mayer et al. 1995); a message is believed with
    its channel's credibility. With gating off (the Bass limit) every message persuades.
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
    """
    if len(chooser) == 0:
        return np.zeros(0, dtype=np.int64)
    key = utility - np.log(-np.log(rng.random(len(chooser))))
    order = np.lexsort((key, chooser))
    last = np.r_[chooser[order][1:] != chooser[order][:-1], True]
    return order[last]


def within_capacity(
    rng: np.random.Generator, supplier: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """Mask of newcomers a supplier can take: at most `room[s]` each, chosen at random."""
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


def switch_targets(
    own_trust: np.ndarray,
    alternatives: np.ndarray,
    *,
    threshold: float,
    margin: float,
) -> np.ndarray:
    """Best alternative supplier for each unhappy customer, or -1 where none qualifies.

    Args:
        own_trust: (n,) trust in the current supplier.
        alternatives: (n, S) trust in every supplier; unknown, full or own suppliers as -inf.
        threshold: trust below which a customer wants to leave; an alternative must reach it.
        margin: an alternative must be trusted this much more than the current supplier.
    """
    if alternatives.size == 0:
        return np.full(len(own_trust), -1, dtype=np.int64)
    best = np.argmax(alternatives, axis=1)
    best_trust = alternatives[np.arange(len(best)), best]
    ok = (own_trust < threshold) & (best_trust >= threshold) & (best_trust >= own_trust + margin)
    return np.where(ok, best, -1)
