"""Mutual trust: a supplier's trust in its customers, and the effort it buys.

Models: trust is mutual (MODEL_BRIEF §1, §3): a supplier that does not trust a customer —
one who "threatens to stop the project at the least thing" — will not do its utmost, so it
delivers less. Customers who distrust their supplier behave worse, which can start a spiral;
extending trust (Covey) keeps effort up and breaks it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from trustsim.jit import rule
from trustsim.mechanisms.trust import asymmetric


class MutualParams(NamedTuple):
    """The ``[mutual]`` parameters of the supplier's side (see docs/config.md)."""

    reciprocity: float
    gain: float
    loss_multiplier: float


@rule
def effort(extend_trust: float, trust_in_customer: float) -> float:
    """Effort a supplier puts into a customer: a floor `extend_trust`, the rest by trust.

    ``effort = extend_trust + (1 - extend_trust) * trust_in_customer``.

    Example:
        A supplier that trusts a customer 0.2 puts in 0.2 of its effort, or more when it extends trust:

        >>> [round(float(effort(extend, 0.2)), 3) for extend in (0.0, 0.5, 1.0)]
        [0.2, 0.6, 1.0]
    """
    return extend_trust + (1.0 - extend_trust) * np.float64(trust_in_customer)


@rule
def behaves_well(
    u: float, reliability: np.float32, trust_in_supplier: np.float32, reciprocity: float
) -> bool | np.bool_:
    """Whether a customer behaves well this period (pays, does not threaten); `u` is a uniform draw.

    The chance is the customer's own reliability, lowered when its trust in the supplier is
    below one half: ``reliability * (1 - reciprocity * 2 * max(0, 0.5 - trust))``.

    Example:
        The same customer (reliability 0.9) and draw: it behaves well while it trusts its supplier, not
        when its trust falls to 0.1 (chance 0.9 x (1 - 0.5 x 0.8) = 0.54):

        >>> bool(behaves_well(0.85, np.float32(0.9), np.float32(0.8), 0.5))
        True
        >>> bool(behaves_well(0.85, np.float32(0.9), np.float32(0.1), 0.5))
        False
    """
    distrust = max(np.float32(0.0), np.float32(0.5) - trust_in_supplier) * np.float32(2.0)
    return u < reliability * (np.float32(1.0) - np.float32(reciprocity) * distrust)


@rule
def supplier_trust_change(good: bool, p: MutualParams) -> np.float32:
    """Log-odds change of a supplier's trust in a customer: +gain if good, -gain * k if not.

    Example:
        >>> p = MutualParams(reciprocity=0.5, gain=0.2, loss_multiplier=3.0)
        >>> round(float(supplier_trust_change(True, p)), 3), round(float(supplier_trust_change(False, p)), 3)
        (0.2, -0.6)
    """
    gain = np.float32(p.gain)
    return asymmetric(gain if good else -gain, np.float32(p.loss_multiplier))
